package logs

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

// markRestarts gives a restart marker to each stream that begins where
// another instance of its container, read in this run, ended: the current
// instance with -p (the previous one is read too), or an instance that
// joins a follow after a restart. A stream read without timestamps (one
// stream, read once) has no place for one: attach drops it.
func (r *run) markRestarts(pod *corev1.Pod, streams []plannedStream) []plannedStream {
	if r.cfg.NoMarkers {
		return streams
	}
	for i := range streams {
		p := &streams[i]
		if p.source.Previous || !(r.cfg.LogOptions.Previous || p.fresh) {
			continue
		}
		st := kube.FindContainerStatus(pod, p.source.Container)
		if st == nil || p.containerID != instanceID(st, false) {
			continue // the last instance, read while the container waits
		}
		p.marker = restartMarker(st)
	}
	return streams
}

// restartMarker describes the boundary before the container's current
// instance, from its status; nil when it never restarted.
func restartMarker(st *corev1.ContainerStatus) *printers.LogMarker {
	last := st.LastTerminationState.Terminated
	if last == nil || !(st.State.Running != nil || st.State.Terminated != nil) {
		return nil
	}
	m := &printers.LogMarker{Kind: "restart", ExitCode: last.ExitCode, Reason: last.Reason, RestartCount: st.RestartCount}
	if !last.StartedAt.IsZero() && last.FinishedAt.After(last.StartedAt.Time) {
		m.Ran = last.FinishedAt.Sub(last.StartedAt.Time)
	}
	// At the new instance's start, which is before its first line and after
	// the old one's last (the API's times are whole seconds: the old
	// instance's end could sort before its own last line).
	at := last.FinishedAt.Time
	switch {
	case st.State.Running != nil && !st.State.Running.StartedAt.IsZero():
		at = st.State.Running.StartedAt.Time
	case st.State.Terminated != nil && !st.State.Terminated.StartedAt.IsZero():
		at = st.State.Terminated.StartedAt.Time
	}
	m.Time = at.UnixNano()
	m.Stamp = []byte(at.UTC().Format(eventStampFormat))
	return m
}

// markedSource is a log stream whose first line is its marker: the merger
// then places the marker by time like any line, just before the instance's
// own lines. Only the first opening carries it, not a reopening after a cut.
type markedSource struct {
	logmerge.Source
	line   []byte
	opened bool
	// bare: the stream delivered its marker and no line of its own (--tail 0,
	// --since, a quiet instance). The marker's time is then no place to reopen
	// from: the instance's lines after its start would come, those --tail and
	// --since left out. Such a stream ends or reopens as an empty one.
	bare bool
}

// markerText is the merger's line for a marker; emit knows a marker by its
// place (the first line of a marked stream), never by its text.
const markerText = "--"

func newMarkedSource(src logmerge.Source, m *printers.LogMarker) *markedSource {
	line := append(append([]byte(nil), m.Stamp...), " "+markerText+"\n"...)
	return &markedSource{Source: src, line: line}
}

func (s *markedSource) Open(ctx context.Context, since time.Time) (io.ReadCloser, error) {
	if s.opened && s.bare {
		since = time.Time{}
	}
	rc, err := s.Source.Open(ctx, since)
	if err != nil || s.opened {
		return rc, err
	}
	s.opened = true
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(strings.NewReader(string(s.line)), rc), rc}, nil
}

func (s *markedSource) Resume(ctx context.Context, end logmerge.StreamEnd) (bool, error) {
	if end.Reopened {
		s.bare = s.bare && end.NewLines == 0
	} else {
		s.bare = end.NewLines <= 1 // the marker
	}
	if s.bare {
		end.NewLines, end.Last = 0, time.Time{}
	}
	return s.Source.Resume(ctx, end)
}

// streamOut is where a stream's lines go, and what its container printed.
type streamOut struct {
	src   *printers.LogSource
	shown *containerShown
}

// containerShown records whether a line of a container, any instance, was
// printed. Only the merger's emit goroutine reads and writes it.
type containerShown struct{ line bool }

// restartMark is a restart marker waiting for its place in the merge.
type restartMark struct {
	marker *printers.LogMarker
	// live: the restart happened while following. It is news on its own (a
	// quiet container that crashed, stern#6), so it is printed even when no
	// line of the instance before was.
	live bool
}

// lineKind is what a merged line stands for.
type lineKind int

const (
	logLine lineKind = iota
	eventLine
	markerLine
	// hiddenLine is a restart marker read at the start (-p) with no line of
	// the instance before it printed (--tail 0, --since, --grep): it would
	// mark a boundary between nothing and what follows.
	hiddenLine
)

// lookup tells, under one lock, what a merged line is: a line of the
// stream it returns, an event, or a marker (given once).
func (r *run) lookup(l logmerge.Line) (out streamOut, kind lineKind, marker *printers.LogMarker) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.events != nil && l.Stream == r.eventsID {
		return streamOut{}, eventLine, nil
	}
	out = r.sources[l.Stream]
	if m, ok := r.markers[l.Stream]; ok {
		delete(r.markers, l.Stream)
		// The marker is its stream's first line: a line of the container
		// printed before it is one of an earlier instance.
		if !m.live && (out.shown == nil || !out.shown.line) {
			return out, hiddenLine, nil
		}
		return out, markerLine, m.marker
	}
	if g := r.takeGapLocked(l.Stream, l.Text); g != nil {
		return out, markerLine, g
	}
	return out, logLine, nil
}

// gapCheckedSource watches a followed stream's reopenings for a possible
// gap. The stream is reopened from the time of its last line, which the
// kubelet sends again when its file still holds it; when the first line is
// later, the kubelet rotated the file past what was read, and the lines
// between may be lost. Then a gap marker goes in front of that first line.
type gapCheckedSource struct {
	logmerge.Source
	r  *run
	id atomic.Int64
}

func (s *gapCheckedSource) Open(ctx context.Context, since time.Time) (io.ReadCloser, error) {
	rc, err := s.Source.Open(ctx, since)
	if err != nil || since.IsZero() {
		return rc, err
	}
	return &gapReader{rc: rc, check: func(first []byte) []byte { return s.r.checkGap(int(s.id.Load()), since, first) }}, nil
}

// checkGap returns the marker line to put before a reopened stream's first
// line, or nil.
func (r *run) checkGap(id int, since time.Time, first []byte) []byte {
	t, _, _, ok := logmerge.ParseLine(trimLine(first))
	if !ok || t <= since.UnixNano() || r.cfg.NoMarkers {
		return nil
	}
	// The marker is known by a token no container can guess, as lines that
	// came before the reopening may still wait to be printed.
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	token := []byte("gap-" + hex.EncodeToString(nonce[:]))
	m := &printers.LogMarker{Kind: "gap", From: since, To: time.Unix(0, t), Time: since.UnixNano()}
	m.Stamp = []byte(since.UTC().Format(eventStampFormat))
	r.mu.Lock()
	if r.gaps == nil {
		r.gaps = map[int]gapMark{}
	}
	r.gaps[id] = gapMark{token: token, marker: m}
	r.mu.Unlock()
	line := append(append(append([]byte(nil), m.Stamp...), ' '), token...)
	return append(line, '\n')
}

// gapMark is a gap marker waiting to be printed.
type gapMark struct {
	token  []byte
	marker *printers.LogMarker
}

// takeGapLocked returns the gap marker a line stands for, once; r.mu is held.
func (r *run) takeGapLocked(id int, text []byte) *printers.LogMarker {
	g, ok := r.gaps[id]
	if !ok || !bytes.Equal(g.token, text) {
		return nil
	}
	delete(r.gaps, id)
	return g.marker
}

func trimLine(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// gapReader reads a reopened stream's first line, asks check what goes in
// front of it, and then passes the stream on.
type gapReader struct {
	rc    io.ReadCloser
	r     io.Reader
	check func(first []byte) []byte
}

func (g *gapReader) Read(p []byte) (int, error) {
	if g.r == nil {
		br := bufio.NewReader(g.rc)
		first, err := br.ReadSlice('\n')
		first = append([]byte(nil), first...)
		var front []byte
		if len(first) > 0 {
			front = g.check(first)
		}
		rest := io.Reader(br)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			rest = errReader{err}
		}
		g.r = io.MultiReader(bytes.NewReader(front), bytes.NewReader(first), rest)
	}
	return g.r.Read(p)
}

func (g *gapReader) Close() error { return g.rc.Close() }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
