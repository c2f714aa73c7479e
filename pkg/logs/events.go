package logs

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

// eventSource is the pods' events as one more stream of the merge (a
// logmerge.Source), so that they take their place among the log lines by
// time like any container's. It lists the events once and, when following,
// watches them: one request for the namespace (or all of them with -A),
// narrowed to the pod by field selector when one pod is followed, else
// filtered here to the pods and containers being read.
//
// The merger carries bytes, an event has fields: each occurrence is kept
// here under a number, and the stream's line is "<time> <number>".
type eventSource struct {
	r      *run
	query  kube.EventQuery
	follow bool
	since  time.Time // --since or --since-time: older occurrences are left out
	tail   int64     // --tail, per pod, for the events listed at the start; <0: all

	mu      sync.Mutex
	records map[uint64]*printers.LogEvent
	next    uint64
	shown   map[types.UID]int64 // the latest occurrence written of each event
	pw      *io.PipeWriter      // the stream, once open
	stopped bool
	grace   time.Duration // set by stop: how long the watch goes on
	drain   chan struct{} // closed by stop

	// With a selector, the events of pods not seen yet wait in held
	// (held.go) under holdMu; holdMu is taken before r.mu, never after.
	hold   bool
	holdMu sync.Mutex
	held   *heldEvents
}

// eventsGrace is how long the events of named pods are still watched after
// the pods finished: the kubelet's recorder sends events asynchronously, so
// a last Killing or BackOff can reach the API after the pod's final status.
const eventsGrace = time.Second

// eventPod is what the event filter knows of a pod being read.
type eventPod struct {
	uid        types.UID
	containers map[string]bool // selected by -c, --exclude-container, --role
}

// newEventSource selects the events of the query's pods.
func (r *run) newEventSource() *eventSource {
	q := r.cfg.Query
	eq := kube.EventQuery{Namespace: q.Namespace}
	if q.AllNamespaces {
		eq.Namespace = ""
	} else if q.Selector == "" && len(q.Names) == 1 && onlyPodNames(q.Names) {
		ref, _ := kube.ParseRef(q.Names[0])
		eq.Pod = ref.Name
	}
	s := &eventSource{r: r, query: eq, follow: r.cfg.LogOptions.Follow, tail: -1,
		records: map[uint64]*printers.LogEvent{}, shown: map[types.UID]int64{}, drain: make(chan struct{})}
	// Pods of a selector (or workload, or -A) join while following: their
	// first events can come before the pod watch shows them.
	if s.follow && (q.Selector != "" || q.AllNamespaces || !onlyPodNames(q.Names)) {
		s.hold, s.held = true, newHeldEvents(time.Now)
	}
	o := r.cfg.LogOptions
	switch {
	case o.SinceTime != nil:
		s.since = o.SinceTime.Time
	case o.SinceSeconds != nil:
		s.since = time.Now().Add(-time.Duration(*o.SinceSeconds) * time.Second)
	}
	if o.TailLines != nil {
		s.tail = *o.TailLines
	}
	return s
}

// addEvents adds the events stream to the merge.
func (r *run) addEvents() {
	r.events = r.newEventSource()
	id := r.merger.Add(r.events)
	r.mu.Lock()
	r.eventsID = id
	r.mu.Unlock()
}

func (r *run) isEvents(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events != nil && id == r.eventsID
}

// trackForEvents tells the event filter about a pod being read, and which of
// its containers are: events about the others are left out like their logs.
// The events held for it until now are shown (held.go).
func (r *run) trackForEvents(pod *corev1.Pod) {
	if !r.cfg.Events {
		return
	}
	containers := map[string]bool{}
	for _, c := range r.classify(pod).Containers {
		if r.wants(c) {
			containers[c.Name] = true
		}
	}
	r.mu.Lock()
	if r.eventPods == nil {
		r.eventPods = map[string]eventPod{}
	}
	r.eventPods[pod.Namespace+"/"+pod.Name] = eventPod{uid: pod.UID, containers: containers}
	events := r.events
	r.mu.Unlock()
	if events != nil {
		events.release(pod.Namespace + "/" + pod.Name)
	}
}

// eventVerdict is what the filter says of an event.
type eventVerdict int

const (
	eventLeftOut eventVerdict = iota
	eventWanted
	// eventPodUnseen: about a pod not being read, or another pod of the
	// same name: maybe one the pod watch has not shown yet.
	eventPodUnseen
)

// judgeEvent: an event is wanted when it is about a pod being read and,
// when it names a container, one being read.
func (r *run) judgeEvent(e *corev1.Event) eventVerdict {
	obj := e.InvolvedObject
	if obj.Kind != "Pod" {
		return eventLeftOut
	}
	r.mu.Lock()
	p, ok := r.eventPods[e.Namespace+"/"+obj.Name]
	r.mu.Unlock()
	if !ok || (p.uid != "" && obj.UID != "" && p.uid != obj.UID) {
		return eventPodUnseen
	}
	if c := eventContainer(obj.FieldPath); c != "" && !p.containers[c] {
		return eventLeftOut
	}
	return eventWanted
}

// admit tells whether to show an event now. One of a pod not seen yet is
// held when pods can join (then false); the check and the holding are one
// step under holdMu, which release takes after the pod is known: an event
// is either seen as wanted here or held and then released.
func (s *eventSource) admit(e *corev1.Event) bool {
	if !s.hold {
		return s.r.judgeEvent(e) == eventWanted
	}
	s.holdMu.Lock()
	defer s.holdMu.Unlock()
	switch s.r.judgeEvent(e) {
	case eventWanted:
		return true
	case eventPodUnseen:
		if s.held != nil {
			s.held.hold(e.Namespace+"/"+e.InvolvedObject.Name, e)
		}
	}
	return false
}

// release shows the events held for a pod the watch has just shown, in
// the order they happened.
func (s *eventSource) release(key string) {
	if !s.hold {
		return
	}
	s.holdMu.Lock()
	var evs []*corev1.Event
	if s.held != nil {
		evs = s.held.take(key)
	}
	s.holdMu.Unlock()
	var all []printers.LogEvent
	for _, e := range evs {
		all = append(all, s.fresh(e)...)
	}
	if len(all) == 0 {
		return
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time < all[j].Time })
	s.mu.Lock()
	pw := s.pw
	s.mu.Unlock()
	if pw != nil {
		// An error is the stream's end: nothing is left to show them in.
		_ = s.write(pw, all)
	}
}

// dropHeld forgets the events still held, at the stream's end.
func (s *eventSource) dropHeld() {
	s.holdMu.Lock()
	s.held = nil
	s.holdMu.Unlock()
}

// eventContainer reads the container of a fieldPath such as
// "spec.containers{nginx}" or "spec.initContainers{init-index}".
func eventContainer(fieldPath string) string {
	open := strings.IndexByte(fieldPath, '{')
	if open < 0 || !strings.HasSuffix(fieldPath, "}") {
		return ""
	}
	return fieldPath[open+1 : len(fieldPath)-1]
}

// eventTimes reads when an event first and last happened and how often,
// from the fields its reporter filled: count and first/lastTimestamp (the
// kubelet's recorder), or eventTime and series (events.k8s.io).
func eventTimes(e *corev1.Event) (first, last time.Time, count int32) {
	first = e.FirstTimestamp.Time
	if first.IsZero() {
		first = e.EventTime.Time
	}
	if first.IsZero() {
		first = e.CreationTimestamp.Time
	}
	last, count = e.LastTimestamp.Time, e.Count
	if e.Series != nil {
		if !e.Series.LastObservedTime.IsZero() {
			last = e.Series.LastObservedTime.Time
		}
		count = max(count, e.Series.Count)
	}
	if last.Before(first) {
		last = first
	}
	return first, last, max(count, 1)
}

// occurrences are the times of an event to show, once each, after the time
// already shown: its first and its latest, as the API keeps no others. A
// repeated event is so two lines at most, plus one per later update that
// moves its latest time, however high its count climbs.
func occurrences(e *corev1.Event, after int64) []printers.LogEvent {
	first, last, count := eventTimes(e)
	base := printers.LogEvent{Namespace: e.Namespace, Pod: e.InvolvedObject.Name,
		Container: eventContainer(e.InvolvedObject.FieldPath), Type: e.Type, Reason: e.Reason, Message: e.Message}
	var out []printers.LogEvent
	if first.Equal(last) {
		if first.UnixNano() > after {
			o := base
			o.Time, o.Count, o.Since = first.UnixNano(), count, first
			out = append(out, o)
		}
		return out
	}
	if first.UnixNano() > after {
		o := base
		o.Time, o.Count = first.UnixNano(), 1
		out = append(out, o)
	}
	if last.UnixNano() > after {
		o := base
		o.Time, o.Count, o.Since = last.UnixNano(), count, first
		out = append(out, o)
	}
	return out
}

// Open lists the events and, when following, keeps watching them; the
// lines are written by a goroutine into a pipe the merger reads. Once
// stopped, the watch goes on for the grace given to stop, then the events
// are listed once more (what the watch had not brought yet is shown, what
// was shown is not) and the stream ends.
func (s *eventSource) Open(ctx context.Context, _ time.Time) (io.ReadCloser, error) {
	items, rv, err := s.r.client.ListEvents(ctx, s.query)
	if err != nil {
		return nil, fmt.Errorf("events are not shown: %w", err)
	}
	pr, pw := io.Pipe()
	s.mu.Lock()
	s.pw = pw
	s.mu.Unlock()
	go func() {
		defer s.dropHeld()
		err := s.writeListed(pw, items)
		if err == nil && s.follow && !s.endsAtOnce() {
			err = s.watch(ctx, pw, rv)
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
}

// watch writes the events that come until ctx ends or, after stop, its
// grace has passed; then it writes those one last list adds.
func (s *eventSource) watch(ctx context.Context, pw *io.PipeWriter, rv string) error {
	watchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-watchCtx.Done():
			return
		case <-s.drain:
		}
		s.mu.Lock()
		grace := s.grace
		s.mu.Unlock()
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-watchCtx.Done():
		case <-t.C:
		}
		cancel()
	}()
	err := s.r.client.WatchEvents(watchCtx, s.query, rv, func(e *corev1.Event) error {
		return s.write(pw, s.fresh(e))
	})
	switch {
	case ctx.Err() != nil:
		return nil
	case err != nil && watchCtx.Err() == nil:
		return fmt.Errorf("new events are not shown: %w", err)
	case err != nil:
		return err
	}
	return s.writeLast(ctx, pw)
}

// writeLast lists the events once more, after the pods finished.
func (s *eventSource) writeLast(ctx context.Context, w io.Writer) error {
	items, _, err := s.r.client.ListEvents(ctx, s.query)
	switch {
	case ctx.Err() != nil:
		return nil
	case err != nil:
		return fmt.Errorf("the last events are not shown: %w", err)
	}
	var all []printers.LogEvent
	for i := range items {
		all = append(all, s.fresh(&items[i])...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time < all[j].Time })
	return s.write(w, all)
}

// Resume: the stream ends only when it is stopped or failed.
func (s *eventSource) Resume(context.Context, logmerge.StreamEnd) (bool, error) { return false, nil }

// stop ends the stream (the pods followed have finished) after grace: the
// watch goes on that long, for the events on their way (eventsGrace).
func (s *eventSource) stop(grace time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped, s.grace = true, grace
	close(s.drain)
}

// endsAtOnce: stopped without grace before the watch began (the pods had
// finished at the start): the events just listed are all there is.
func (s *eventSource) endsAtOnce() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped && s.grace == 0
}

// writeListed writes the events there were at the start, in time order,
// --since and --tail applied (--tail to each pod's events).
func (s *eventSource) writeListed(w io.Writer, items []corev1.Event) error {
	var all []printers.LogEvent
	for i := range items {
		e := &items[i]
		if !s.admit(e) {
			continue
		}
		_, last, _ := eventTimes(e)
		s.mu.Lock()
		s.shown[e.UID] = last.UnixNano()
		s.mu.Unlock()
		all = append(all, occurrences(e, s.sinceNanos())...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time < all[j].Time })
	if s.tail >= 0 {
		all = tailPerPod(all, s.tail)
	}
	return s.write(w, all)
}

func (s *eventSource) sinceNanos() int64 {
	if s.since.IsZero() {
		return math.MinInt64
	}
	return s.since.UnixNano() - 1
}

// tailPerPod keeps the last n occurrences of each pod, in order.
func tailPerPod(all []printers.LogEvent, n int64) []printers.LogEvent {
	left := map[string]int64{}
	keep := make([]bool, len(all))
	for i := len(all) - 1; i >= 0; i-- {
		key := all[i].Namespace + "/" + all[i].Pod
		if left[key] < n {
			left[key]++
			keep[i] = true
		}
	}
	out := all[:0]
	for i := range all {
		if keep[i] {
			out = append(out, all[i])
		}
	}
	return out
}

// fresh is what a watched event adds to what was shown of it.
func (s *eventSource) fresh(e *corev1.Event) []printers.LogEvent {
	if !s.admit(e) {
		return nil
	}
	s.mu.Lock()
	after, seen := s.shown[e.UID]
	if !seen {
		after = s.sinceNanos()
	}
	_, last, _ := eventTimes(e)
	if last.UnixNano() > after {
		s.shown[e.UID] = last.UnixNano()
	}
	s.mu.Unlock()
	return occurrences(e, after)
}

// eventStampFormat is the kubelet's: nine digits, so stamps line up.
const eventStampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// write hands occurrences to the merger as "<time> <number>" lines.
func (s *eventSource) write(w io.Writer, evs []printers.LogEvent) error {
	var b []byte
	for i := range evs {
		e := evs[i]
		e.Stamp = []byte(time.Unix(0, e.Time).UTC().Format(eventStampFormat))
		s.mu.Lock()
		n := s.next
		s.next++
		s.records[n] = &e
		s.mu.Unlock()
		b = append(b, e.Stamp...)
		b = append(b, ' ')
		b = strconv.AppendUint(b, n, 10)
		b = append(b, '\n')
	}
	if len(b) == 0 {
		return nil
	}
	_, err := w.Write(b)
	return err
}

// take returns the occurrence a line of the stream stands for.
func (s *eventSource) take(l logmerge.Line) *printers.LogEvent {
	n, err := strconv.ParseUint(string(l.Text), 10, 64)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.records[n]
	delete(s.records, n)
	return e
}

// emitEvent writes one occurrence, --grep and --exclude applied to its text.
func (r *run) emitEvent(l logmerge.Line) error {
	e := r.events.take(l)
	if e == nil || !r.keep([]byte(e.Text())) {
		return nil
	}
	return r.out.WriteEvent(e)
}
