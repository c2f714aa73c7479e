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
	cancel  context.CancelFunc
	stopped bool
}

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
		records: map[uint64]*printers.LogEvent{}, shown: map[types.UID]int64{}}
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
	defer r.mu.Unlock()
	if r.eventPods == nil {
		r.eventPods = map[string]eventPod{}
	}
	r.eventPods[pod.Namespace+"/"+pod.Name] = eventPod{uid: pod.UID, containers: containers}
}

// wantsEvent: the event is about a pod being read and, when it names a
// container, one being read.
func (r *run) wantsEvent(e *corev1.Event) bool {
	obj := e.InvolvedObject
	if obj.Kind != "Pod" {
		return false
	}
	r.mu.Lock()
	p, ok := r.eventPods[e.Namespace+"/"+obj.Name]
	r.mu.Unlock()
	if !ok || (p.uid != "" && obj.UID != "" && p.uid != obj.UID) {
		return false
	}
	if c := eventContainer(obj.FieldPath); c != "" {
		return p.containers[c]
	}
	return true
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
// lines are written by a goroutine into a pipe the merger reads.
func (s *eventSource) Open(ctx context.Context, _ time.Time) (io.ReadCloser, error) {
	items, rv, err := s.r.client.ListEvents(ctx, s.query)
	if err != nil {
		return nil, fmt.Errorf("events are not shown: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.cancel = cancel
	if s.stopped {
		cancel()
	}
	s.mu.Unlock()
	pr, pw := io.Pipe()
	go func() {
		defer cancel()
		err := s.writeListed(pw, items)
		if err == nil && s.follow {
			err = s.r.client.WatchEvents(ctx, s.query, rv, func(e *corev1.Event) error {
				return s.write(pw, s.fresh(e))
			})
			if err != nil && ctx.Err() == nil {
				err = fmt.Errorf("new events are not shown: %w", err)
			}
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
}

// Resume: the stream ends only when it is stopped or failed.
func (s *eventSource) Resume(context.Context, logmerge.StreamEnd) (bool, error) { return false, nil }

// stop ends the stream (the pods followed have finished).
func (s *eventSource) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.cancel != nil {
		s.cancel()
	}
}

// writeListed writes the events there were at the start, in time order,
// --since and --tail applied (--tail to each pod's events).
func (s *eventSource) writeListed(w io.Writer, items []corev1.Event) error {
	var all []printers.LogEvent
	for i := range items {
		e := &items[i]
		if !s.r.wantsEvent(e) {
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
	if !s.r.wantsEvent(e) {
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
