// Package logs prints the logs of every container of some pods as one stream
// in time order: it picks the containers, opens one stream per container
// instance, merges them (pkg/logmerge) and, when following, attaches the
// instances and pods that start later. It is `logs` without cobra: the
// command fills a Config from its flags and calls Run, as stern does.
package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

// Config is one run of logs.
type Config struct {
	// Query names the pods: resolved once, and watched when following.
	Query kube.Query
	// Rules classify the containers (their role is in the tag and --role).
	Rules classify.Rules
	// Context, when set, gives what beside the pod weighs on its roles (its
	// namespace's Services), so that logs names the roles describe names.
	Context func(*corev1.Pod) classify.Context

	// LogOptions is the request for every container, built once from the
	// flags as kubectl logs does: Follow, Previous, SinceSeconds, SinceTime,
	// TailLines, LimitBytes, and Timestamps, which says whether the user sees
	// them (whether the API sends them is Run's choice). Container is set
	// per stream; a previous instance is never followed.
	LogOptions corev1.PodLogOptions

	// Containers and ExcludeContainers are globs on container names, Roles
	// role names; empty selects every container.
	Containers        []string
	ExcludeContainers []string
	Roles             []string
	// A line is printed when it matches any of Grep (or Grep is empty) and
	// none of Exclude.
	Grep    []*regexp.Regexp
	Exclude []*regexp.Regexp

	// MaxLogRequests caps the streams open at once.
	MaxLogRequests int
	// IgnoreErrors turns a stream's error into a warning.
	IgnoreErrors bool
	// MaxDelay is how long a followed line may wait for quieter streams.
	MaxDelay time.Duration
	// ReconnectTimeout is how long a follow waits for an API server that
	// went away before it gives up (kube.Reconnector).
	ReconnectTimeout time.Duration
	// Events merges the pods' events into the stream (events.go).
	Events bool
	// NoMarkers leaves out the lines that mark a container's restart (markers.go).
	NoMarkers bool

	// Prefix, JSON, Raw and Color shape the output (printers.LogLineOptions).
	Prefix bool
	JSON   bool
	Raw    bool
	Color  bool
}

// Run resolves the pods, opens one stream per container instance and writes
// the merged lines to out; notes and warnings go to errOut. With Follow it
// runs until ctx ends (then it returns ctx's error) or, for pods named by
// name, until they have all finished.
func Run(ctx context.Context, client kubernetes.Interface, cfg Config, out, errOut io.Writer) error {
	kc := &kube.Client{CS: client, Reconnect: reconnector(cfg, errOut)}
	items, err := kc.Pods(ctx, cfg.Query)
	if err != nil {
		return err
	}
	pods := make([]*corev1.Pod, len(items))
	for i := range items {
		pods[i] = &items[i]
	}
	r := &run{cfg: cfg, client: kc, errOut: errOut, attached: map[string]bool{}, started: time.Now(),
		gone: map[string]goneCtx{}}
	planned, err := r.planAll(pods)
	if err != nil {
		return err
	}
	if err := r.spillOverCap(len(planned)); err != nil {
		return err
	}
	defer func() { _ = r.spill.close() }()
	streams := len(planned)
	if cfg.Events {
		streams++
	}
	r.stamped = needTimestamps(streams, cfg.LogOptions.Follow, cfg.LogOptions.Timestamps, cfg.JSON, cfg.LogOptions.LimitBytes != nil)
	r.out = printers.NewLogWriter(out, printers.LogLineOptions{
		JSON: cfg.JSON, Prefix: cfg.Prefix, Timestamps: cfg.LogOptions.Timestamps, Raw: cfg.Raw, Color: cfg.Color,
		// The pod's name joins the tag when lines of several pods can mix.
		WithPod:       len(pods) > 1 || cfg.Query.Selector != "" || cfg.Query.AllNamespaces || !onlyPodNames(cfg.Query.Names),
		WithNamespace: cfg.Query.AllNamespaces,
	})
	err = r.stream(ctx, pods, planned)
	if r.fatal != nil {
		err = r.fatal
	}
	if ferr := r.out.Flush(); err == nil {
		err = ferr
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// planAll plans the streams of the pods found at the start.
func (r *run) planAll(pods []*corev1.Pod) ([]plannedStream, error) {
	var planned []plannedStream
	selected := 0
	for _, p := range pods {
		r.trackForEvents(p)
		streams, n := r.plan(p, false)
		selected += n
		planned = append(planned, streams...)
	}
	if selected == 0 {
		return nil, r.noContainersError(pods)
	}
	return planned, nil
}

// stream merges the planned streams, and with Follow those that join later,
// into the output until they end, ctx ends or a stream fails.
func (r *run) stream(ctx context.Context, pods []*corev1.Pod, planned []plannedStream) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.mu.Lock()
	r.stop = cancel
	r.mu.Unlock()
	r.merger = logmerge.New(runCtx, logmerge.Options{
		Follow:    r.cfg.LogOptions.Follow,
		MaxDelay:  r.cfg.MaxDelay,
		OnError:   r.onError,
		Idle:      r.out.Flush,
		Unstamped: !r.stamped,
	})
	if r.cfg.Events {
		r.addEvents()
	}
	for _, p := range planned {
		r.attach(p)
	}
	watchDone := make(chan struct{})
	if r.cfg.LogOptions.Follow {
		go func() {
			defer close(watchDone)
			r.follow(runCtx, pods)
		}()
	} else {
		close(watchDone)
		r.closeInput(0)
	}
	err := r.merger.Run(r.emit)
	cancel()
	<-watchDone
	return err
}

// reconnector makes a follow wait out an API server that went away; a read
// without -f fails at once, as kubectl logs does.
func reconnector(cfg Config, errOut io.Writer) *kube.Reconnector {
	if !cfg.LogOptions.Follow {
		return nil
	}
	return NewReconnector(cfg.ReconnectTimeout, errOut)
}

// NewReconnector returns the Reconnector of a follow or watch that prints its
// notes on errOut, escaped: they may quote what the API server answered.
func NewReconnector(timeout time.Duration, errOut io.Writer) *kube.Reconnector {
	if timeout <= 0 {
		timeout = kube.DefaultReconnectTimeout
	}
	return &kube.Reconnector{Timeout: timeout, Note: func(msg string) { fmt.Fprintln(errOut, printers.Sanitize(msg)) }}
}

// fail ends the run with err (the watch gave up on the API server).
func (r *run) fail(err error) {
	r.mu.Lock()
	if r.fatal == nil {
		r.fatal = err
	}
	stop := r.stop
	r.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// needTimestamps decides whether the API sends each line's timestamp. The
// kubelet formats one per line when asked, which costs it more than the
// plugin spends on the line, so they are asked for only when needed: to
// order the lines of several streams, to reopen a stream where it was cut
// (and to order the instances that join a followed one), to print them
// (--timestamps), or for JSON's time. A cut reaches the client as a clean
// end, so every stream is confirmed by a reopen from its last line, except
// one that --limit-bytes ends on purpose: one such stream read once needs none.
func needTimestamps(streams int, follow, printed, json, limited bool) bool {
	return streams > 1 || follow || printed || json || !limited
}

// run is one run: the merger, its streams and the output.
type run struct {
	cfg     Config
	client  *kube.Client
	merger  *logmerge.Merger
	out     *printers.LogWriter
	errOut  io.Writer
	stamped bool // the API sends timestamps (needTimestamps)
	started time.Time

	mu       sync.Mutex
	sources  []streamOut                // by merger stream id
	shown    map[string]*containerShown // by plannedStream.containerKey
	attached map[string]bool            // namespace/pod/uid/container/instance
	open     atomic.Int64
	warned   bool
	stop     context.CancelFunc
	fatal    error              // set by fail
	gone     map[string]goneCtx // by namespace/pod: ends when the pod is deleted

	events    *eventSource        // with --events
	eventsID  int                 // its merger stream id
	eventPods map[string]eventPod // namespace/name: the pods being read
	markers   map[int]restartMark // by stream id, until emitted
	spill     *spillStore         // more streams than --max-log-requests (spill.go)
	gaps      map[int]gapMark     // by stream id: a possible gap after a reopening
}

// closeInput says no stream will join; the events stream, which would not
// end by itself while following, is stopped after grace.
func (r *run) closeInput(grace time.Duration) {
	if r.events != nil {
		r.events.stop(grace)
	}
	r.merger.CloseInput()
}

// attach adds one stream to the merge (once per container instance).
func (r *run) attach(p plannedStream) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.attached[p.key] {
		return false
	}
	if r.spill == nil && int(r.open.Load()) >= r.cfg.MaxLogRequests {
		if !r.warned {
			r.warned = true
			fmt.Fprintf(r.errOut, "warning: --max-log-requests=%d reached: %s and later containers are not followed\n",
				r.cfg.MaxLogRequests, printers.Sanitize(p.source.Pod+"/"+p.source.Container))
		}
		return false
	}
	r.attached[p.key] = true
	log := &kube.ContainerLog{Client: r.client, Namespace: p.source.Namespace, Pod: p.source.Pod,
		ContainerID: p.containerID, Options: r.request(p.source.Container, p.source.Previous), Fresh: p.fresh,
		Until: r.started}
	if log.Options.Timestamps && !r.cfg.LogOptions.Timestamps && log.Options.LimitBytes != nil {
		log.MessageLimit, log.Options.LimitBytes = log.Options.LimitBytes, nil
	}
	var src logmerge.Source = log
	if !r.stamped {
		p.marker = nil
	}
	var gaps *gapCheckedSource
	if r.spill != nil {
		src = &spilledSource{Source: log, store: r.spill}
	} else if r.cfg.LogOptions.Follow && !r.cfg.NoMarkers {
		gaps = &gapCheckedSource{Source: log, r: r}
		src = gaps
	}
	if p.marker != nil {
		src = newMarkedSource(src, p.marker)
	}
	r.open.Add(1)
	gone := r.podGoneLocked(p.source.Namespace, p.source.Pod)
	id := r.merger.Add(&countedSource{Source: &podSource{Source: src, gone: gone}, done: func() { r.open.Add(-1) }})
	if gaps != nil {
		gaps.id.Store(int64(id))
	}
	if p.marker != nil {
		if r.markers == nil {
			r.markers = map[int]restartMark{}
		}
		r.markers[id] = restartMark{marker: p.marker, live: p.fresh}
	}
	shown := r.shown[p.containerKey]
	if shown == nil {
		if r.shown == nil {
			r.shown = map[string]*containerShown{}
		}
		shown = &containerShown{}
		r.shown[p.containerKey] = shown
	}
	for len(r.sources) <= id {
		r.sources = append(r.sources, streamOut{})
	}
	r.sources[id] = streamOut{src: r.out.Source(p.source), shown: shown}
	return true
}

// request is the log request for one container instance.
func (r *run) request(container string, previous bool) corev1.PodLogOptions {
	o := r.cfg.LogOptions
	o.Container, o.Previous, o.Timestamps = container, previous, r.stamped
	if previous {
		o.Follow = false
	}
	return o
}

func (r *run) source(id int) *printers.LogSource {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sources[id].src
}

// countedSource tells when its stream is over, for --max-log-requests.
type countedSource struct {
	logmerge.Source
	done func()
	once sync.Once
}

func (c *countedSource) Open(ctx context.Context, since time.Time) (io.ReadCloser, error) {
	rc, err := c.Source.Open(ctx, since)
	if err != nil {
		c.once.Do(c.done)
	}
	return rc, err
}

func (c *countedSource) Resume(ctx context.Context, end logmerge.StreamEnd) (bool, error) {
	ok, err := c.Source.Resume(ctx, end)
	if !ok || err != nil {
		c.once.Do(c.done)
	}
	return ok, err
}

func (r *run) onError(id int, err error) error {
	if errors.Is(err, kube.ErrGaveUp) {
		// Not this stream's fault, and the others wait for the same server.
		return err
	}
	if r.isEvents(id) {
		// Events add to the logs; without them (RBAC) the logs go on.
		_ = r.out.Flush()
		fmt.Fprintf(r.errOut, "warning: %s\n", printers.Sanitize(err.Error()))
		return nil
	}
	s := r.source(id)
	err = fmt.Errorf("pod/%s container %s: %w", r.podName(s.Namespace, s.Pod), s.Container, err)
	if r.cfg.IgnoreErrors {
		_ = r.out.Flush()
		fmt.Fprintf(r.errOut, "warning: %s\n", printers.Sanitize(err.Error()))
		return nil
	}
	return errors.New(printers.Sanitize(err.Error()))
}

// podName names a pod in notes and errors; with -A pods of several
// namespaces can share a name.
func (r *run) podName(namespace, name string) string {
	if r.cfg.Query.AllNamespaces {
		return namespace + "/" + name
	}
	return name
}

func (r *run) emit(l logmerge.Line) error {
	out, kind, marker := r.lookup(l)
	switch kind {
	case eventLine:
		return r.emitEvent(l)
	case markerLine:
		return r.out.WriteMarker(out.src, marker)
	case hiddenLine:
		return nil
	}
	if !r.keep(l.Text) {
		return nil
	}
	out.shown.line = true
	return r.out.Write(out.src, printers.LogLine{Stamp: l.Stamp, Time: l.Time, Text: l.Text, Truncated: l.Truncated})
}

// keep applies --grep and --exclude to a line's text.
func (r *run) keep(text []byte) bool {
	if len(r.cfg.Grep) > 0 && !matchesAny(r.cfg.Grep, text) {
		return false
	}
	return !matchesAny(r.cfg.Exclude, text)
}

func matchesAny(res []*regexp.Regexp, text []byte) bool {
	for _, re := range res {
		if re.Match(text) {
			return true
		}
	}
	return false
}
