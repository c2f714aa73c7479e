package logmerge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// at is a timestamp base + ms milliseconds, as the kubelet writes it.
func at(ms int) string {
	return time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond).Format(time.RFC3339Nano)
}

func lines(ls ...string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}

// staticSource serves one fixed text and never resumes.
type staticSource string

func (s staticSource) Open(context.Context, time.Time) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(string(s))), nil
}
func (staticSource) Resume(context.Context, StreamEnd) (bool, error) { return false, nil }

type errSource struct{ err error }

func (s errSource) Open(context.Context, time.Time) (io.ReadCloser, error) { return nil, s.err }
func (errSource) Resume(context.Context, StreamEnd) (bool, error)          { return false, nil }

// got is what a merge printed: "stream:text".
func collect(t *testing.T, m *Merger) []string {
	t.Helper()
	var out []string
	require.NoError(t, m.Run(func(l Line) error {
		out = append(out, fmt.Sprintf("%d:%s", l.Stream, l.Text))
		return nil
	}))
	return out
}

func mergeAll(t *testing.T, opts Options, srcs ...Source) []string {
	t.Helper()
	m := New(context.Background(), opts)
	for _, s := range srcs {
		m.Add(s)
	}
	m.CloseInput()
	return collect(t, m)
}

func TestMergeOrdersByTime(t *testing.T) {
	cases := []struct {
		name    string
		streams []string
		want    []string
	}{
		{
			name: "interleaved",
			streams: []string{
				lines(at(0)+" a0", at(30)+" a30", at(60)+" a60"),
				lines(at(10)+" b10", at(40)+" b40"),
				lines(at(20)+" c20", at(50)+" c50", at(70)+" c70"),
			},
			want: []string{"0:a0", "1:b10", "2:c20", "0:a30", "1:b40", "2:c50", "0:a60", "2:c70"},
		},
		{
			name: "ties go by stream order, per-stream order kept",
			streams: []string{
				lines(at(5)+" a1", at(5)+" a2", at(9)+" a3"),
				lines(at(5)+" b1", at(5)+" b2"),
				lines(at(1)+" c1", at(5)+" c2"),
			},
			want: []string{"2:c1", "0:a1", "0:a2", "1:b1", "1:b2", "2:c2", "0:a3"},
		},
		{
			name: "clock-equal lines in every stream",
			streams: []string{
				lines(at(7)+" x", at(7)+" y"),
				lines(at(7)+" x", at(7)+" y"),
				lines(at(7) + " x"),
			},
			want: []string{"0:x", "0:y", "1:x", "1:y", "2:x"},
		},
		{
			name: "a clock stepping back within a stream keeps the stream's order",
			streams: []string{
				lines(at(50)+" late", at(10)+" stepped back"),
				lines(at(20)+" b20", at(60)+" b60"),
			},
			want: []string{"1:b20", "0:late", "0:stepped back", "1:b60"},
		},
		{
			name: "empty and ended streams",
			streams: []string{
				"",
				lines(at(2) + " only"),
				"",
			},
			want: []string{"1:only"},
		},
		{
			name: "lines without timestamp stay with their predecessor",
			streams: []string{
				lines(at(10)+" a10", "continued", at(30)+" a30"),
				lines(at(20) + " b20"),
			},
			want: []string{"0:a10", "0:continued", "1:b20", "0:a30"},
		},
		{
			name: "a last line without newline",
			streams: []string{
				at(10) + " a10\n" + at(30) + " no newline",
				lines(at(20) + " b20"),
			},
			want: []string{"0:a10", "1:b20", "0:no newline"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var srcs []Source
			for _, s := range c.streams {
				srcs = append(srcs, staticSource(s))
			}
			assert.Equal(t, c.want, mergeAll(t, Options{}, srcs...))
			// The same in follow mode when no stream is quiet.
			assert.Equal(t, c.want, mergeAll(t, Options{Follow: true, MaxDelay: time.Hour}, srcs...))
		})
	}
}

func TestMergeNoStreams(t *testing.T) {
	assert.Empty(t, mergeAll(t, Options{}))
}

func TestMergeKeepsStampAndTime(t *testing.T) {
	m := New(context.Background(), Options{})
	m.Add(staticSource(lines("2026-11-26T03:30:36.5+02:00 hi", "bare")))
	m.CloseInput()
	var got []Line
	require.NoError(t, m.Run(func(l Line) error {
		l.Stamp = append([]byte(nil), l.Stamp...)
		l.Text = append([]byte(nil), l.Text...)
		got = append(got, l)
		return nil
	}))
	require.Len(t, got, 2)
	assert.Equal(t, "2026-11-26T03:30:36.5+02:00", string(got[0].Stamp))
	assert.Equal(t, time.Date(2026, 11, 26, 1, 30, 36, 5e8, time.UTC).UnixNano(), got[0].Time)
	assert.Empty(t, got[1].Stamp)
	assert.Equal(t, got[0].Time, got[1].Time)
}

// A log read without timestamps is the application's text: a message that
// starts with its own timestamp keeps it.
func TestMergeUnstamped(t *testing.T) {
	m := New(context.Background(), Options{Unstamped: true})
	m.Add(staticSource(lines(at(50)+" INFO app started", "plain", at(10)+" earlier stamp, later line")))
	m.CloseInput()
	var texts []string
	require.NoError(t, m.Run(func(l Line) error {
		assert.Empty(t, l.Stamp)
		texts = append(texts, string(l.Text))
		return nil
	}))
	assert.Equal(t, []string{at(50) + " INFO app started", "plain", at(10) + " earlier stamp, later line"}, texts)
}

func TestMergeManyStreamsLargeVolume(t *testing.T) {
	// Far more data than the buffers hold: the order must still be total.
	const streams, perStream = 7, 5000
	var srcs []Source
	for s := range streams {
		var b strings.Builder
		for i := range perStream {
			fmt.Fprintf(&b, "%s s%d-%d\n", at(i*streams+(s*3)%streams), s, i)
		}
		srcs = append(srcs, staticSource(b.String()))
	}
	m := New(context.Background(), Options{})
	for _, s := range srcs {
		m.Add(s)
	}
	m.CloseInput()
	var last int64
	n := 0
	require.NoError(t, m.Run(func(l Line) error {
		require.GreaterOrEqual(t, l.Time, last)
		last = l.Time
		n++
		return nil
	}))
	assert.Equal(t, streams*perStream, n)
}

func TestMergeLongLines(t *testing.T) {
	long := strings.Repeat("x", 3*readBufferBytes)
	huge := strings.Repeat("y", 5*readBufferBytes)
	src := staticSource(lines(at(1)+" "+long, at(2)+" "+huge, at(3)+" short") + at(4) + " " + huge)
	max := 4 * readBufferBytes
	m := New(context.Background(), Options{MaxLineBytes: max})
	m.Add(src)
	m.CloseInput()
	type seen struct {
		n         int
		truncated bool
		stamp     string
	}
	var got []seen
	require.NoError(t, m.Run(func(l Line) error {
		got = append(got, seen{len(l.Text), l.Truncated, string(l.Stamp)})
		return nil
	}))
	stampLen := len(at(1)) + 1
	assert.Equal(t, []seen{
		{len(long), false, at(1)},
		{max - stampLen, true, at(2)},
		{len("short"), false, at(3)},
		{max - stampLen, true, at(4)},
	}, got)
}

func TestMergeErrors(t *testing.T) {
	boom := errors.New("boom")
	m := New(context.Background(), Options{})
	m.Add(staticSource(lines(at(1) + " a")))
	m.Add(errSource{boom})
	m.CloseInput()
	err := m.Run(func(Line) error { return nil })
	require.ErrorIs(t, err, boom)

	var reported []int
	m = New(context.Background(), Options{OnError: func(id int, err error) error {
		reported = append(reported, id)
		return nil
	}})
	m.Add(errSource{boom})
	m.Add(staticSource(lines(at(1) + " a")))
	m.CloseInput()
	assert.Equal(t, []string{"1:a"}, collect(t, m))
	assert.Equal(t, []int{0}, reported)

	// An emit error ends the merge.
	m = New(context.Background(), Options{})
	m.Add(staticSource(lines(at(1)+" a", at(2)+" b")))
	m.CloseInput()
	require.ErrorIs(t, m.Run(func(Line) error { return io.ErrClosedPipe }), io.ErrClosedPipe)
}

// pipeSource is a follow stream the test writes to.
type pipeSource struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func newPipe() *pipeSource {
	r, w := io.Pipe()
	return &pipeSource{r: r, w: w}
}

func (p *pipeSource) Open(context.Context, time.Time) (io.ReadCloser, error) { return p.r, nil }
func (p *pipeSource) Resume(context.Context, StreamEnd) (bool, error)        { return false, nil }
func (p *pipeSource) write(t *testing.T, s string) {
	t.Helper()
	_, err := io.WriteString(p.w, s)
	require.NoError(t, err)
}

// recorder collects lines from a running merge.
type recorder struct {
	mu    sync.Mutex
	lines []string
	times []time.Time
}

func (r *recorder) emit(l Line) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf("%d:%s", l.Stream, l.Text))
	r.times = append(r.times, time.Now())
	return nil
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

func TestFollowReorderWindow(t *testing.T) {
	quiet, busy := newPipe(), newPipe()
	const delay = 80 * time.Millisecond
	m := New(context.Background(), Options{Follow: true, MaxDelay: delay})
	m.Add(quiet)
	m.Add(busy)
	rec := &recorder{}
	done := make(chan error, 1)
	go func() { done <- m.Run(rec.emit) }()

	start := time.Now()
	busy.write(t, lines(at(10)+" b10", at(20)+" b20"))
	// A quiet stream does not stall the busy one beyond the window.
	require.Eventually(t, func() bool { return len(rec.get()) == 2 }, 2*time.Second, 5*time.Millisecond)
	assert.GreaterOrEqual(t, time.Since(start), delay, "released before the window passed")

	// Lines arriving within the window are put in time order.
	busy.write(t, lines(at(40)+" b40"))
	quiet.write(t, lines(at(30)+" q30"))
	require.Eventually(t, func() bool { return len(rec.get()) == 4 }, 2*time.Second, 5*time.Millisecond)
	assert.Equal(t, []string{"1:b10", "1:b20", "0:q30", "1:b40"}, rec.get())

	// When every stream has a line, they go out at once in order.
	quiet.write(t, lines(at(50)+" q50"))
	busy.write(t, lines(at(45)+" b45"))
	require.NoError(t, quiet.w.Close())
	require.NoError(t, busy.w.Close())
	m.CloseInput()
	require.NoError(t, <-done)
	assert.Equal(t, []string{"1:b10", "1:b20", "0:q30", "1:b40", "1:b45", "0:q50"}, rec.get())
}

func TestFollowStreamJoinsLater(t *testing.T) {
	first := newPipe()
	m := New(context.Background(), Options{Follow: true, MaxDelay: 20 * time.Millisecond})
	m.Add(first)
	rec := &recorder{}
	done := make(chan error, 1)
	go func() { done <- m.Run(rec.emit) }()
	first.write(t, lines(at(1)+" one"))
	require.Eventually(t, func() bool { return len(rec.get()) == 1 }, 2*time.Second, 5*time.Millisecond)

	id := m.Add(staticSource(lines(at(2)+" two", at(4)+" four")))
	first.write(t, lines(at(3)+" three"))
	require.NoError(t, first.w.Close())
	m.CloseInput()
	require.NoError(t, <-done)
	assert.Equal(t, 1, id)
	assert.Equal(t, []string{"0:one", "1:two", "0:three", "1:four"}, rec.get())
}

func TestFollowCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := newPipe()
	m := New(ctx, Options{Follow: true})
	m.Add(p)
	done := make(chan error, 1)
	go func() { done <- m.Run(func(Line) error { return nil }) }()
	p.write(t, lines(at(1)+" x"))
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// cutSource serves a growing log, cutting the stream after cut bytes on the
// first opens, and answers a reopen with every line from the second of
// since (the API's sinceTime has whole seconds), as the kubelet does.
type cutSource struct {
	log    string
	cuts   []int // bytes served by each open before the cut; then the rest
	opens  []time.Time
	resume int
	// confirm answers Resume as a read without follow does.
	confirm bool
	ends    []StreamEnd
}

func (c *cutSource) Open(_ context.Context, since time.Time) (io.ReadCloser, error) {
	c.opens = append(c.opens, since)
	text := c.log
	if !since.IsZero() {
		from := since.Truncate(time.Second)
		var b strings.Builder
		for _, l := range strings.SplitAfter(c.log, "\n") {
			if l == "" {
				continue
			}
			ts, _, _, ok := ParseLine([]byte(strings.TrimSuffix(l, "\n")))
			if ok && ts >= from.UnixNano() {
				b.WriteString(l)
			}
		}
		text = b.String()
	}
	if n := len(c.opens) - 1; n < len(c.cuts) {
		text = text[:min(c.cuts[n], len(text))]
	}
	return io.NopCloser(strings.NewReader(text)), nil
}

func (c *cutSource) Resume(_ context.Context, end StreamEnd) (bool, error) {
	c.ends = append(c.ends, end)
	if c.confirm {
		// As kube.ContainerLog without follow: read again until a reopen brings nothing.
		return !end.Last.IsZero() && !(end.Reopened && end.NewLines == 0), nil
	}
	if c.resume > 0 {
		c.resume--
		return true, nil
	}
	return false, nil
}

func TestFollowReconnectWithoutDuplicatesOrLoss(t *testing.T) {
	var want []string
	var b strings.Builder
	for i := range 40 {
		// Several lines per instant, equal texts at one instant, and the second boundary crossed.
		ms := 900 + (i/3)*50
		text := fmt.Sprintf("line %d", i)
		if i%7 == 0 {
			text = "same"
		}
		fmt.Fprintf(&b, "%s %s\n", at(ms), text)
		want = append(want, "0:"+text)
	}
	log := b.String()
	// Cut mid-line, at a line end and mid-timestamp.
	c := &cutSource{log: log, cuts: []int{len(log) / 4, strings.Index(log, "line 20") + len("line 20\n"), len(log)*3/4 + 5}, resume: 3}
	got := mergeAll(t, Options{Follow: true, MaxDelay: time.Millisecond}, c)
	assert.Equal(t, want, got)
	require.Len(t, c.opens, 4)
	assert.True(t, c.opens[0].IsZero())
	for _, since := range c.opens[1:] {
		assert.False(t, since.IsZero())
	}
}

// Without follow a cut looks like the end: the merger reports what each read
// brought, and a reopen from the last line's time merges the rest once.
func TestCutWithoutFollowIsConfirmedAndMerged(t *testing.T) {
	var want []string
	var b strings.Builder
	for i := range 30 {
		ms := 900 + (i/4)*40 // four lines per instant, crossing second boundaries
		text := fmt.Sprintf("line %d", i)
		if i%5 == 0 {
			text = "same"
		}
		fmt.Fprintf(&b, "%s %s\n", at(ms), text)
		want = append(want, "0:"+text)
	}
	log := b.String()
	c := &cutSource{log: log, confirm: true, cuts: []int{len(log) / 3, strings.Index(log, "line 21") + 3}}
	got := mergeAll(t, Options{MaxDelay: time.Millisecond}, c)
	assert.Equal(t, want, got)
	require.Len(t, c.ends, 4, "two cuts, the rest, and one confirming read")
	assert.False(t, c.ends[0].Reopened)
	assert.Positive(t, c.ends[0].NewLines)
	assert.Positive(t, c.ends[1].NewLines)
	assert.Positive(t, c.ends[2].NewLines)
	assert.Equal(t, StreamEnd{Reopened: true, NewLines: 0, Last: time.Unix(0, mustTime(t, at(900+7*40)))}, c.ends[3])
}

func mustTime(t *testing.T, stamp string) int64 {
	t.Helper()
	ns, ok := ParseTimestamp([]byte(stamp))
	require.True(t, ok)
	return ns
}

func TestFollowPartialLineWithoutResumeIsPrinted(t *testing.T) {
	c := &cutSource{log: lines(at(1)+" a", at(2)+" bbbb"), cuts: []int{len(at(1)) + 3 + len(at(2)) + 3}}
	assert.Equal(t, []string{"0:a", "0:bb"}, mergeAll(t, Options{Follow: true}, c))
}

func TestDedupeKeepsRepeatedLinesThatAreNew(t *testing.T) {
	var d dedupe
	require.True(t, d.keep(5, []byte("x")))
	require.True(t, d.keep(5, []byte("x")))
	d.arm()
	assert.False(t, d.keep(4, []byte("old")))
	assert.False(t, d.keep(5, []byte("x")))
	assert.False(t, d.keep(5, []byte("x")))
	assert.True(t, d.keep(5, []byte("x")), "a third x at the same instant is new")
	assert.True(t, d.keep(6, []byte("y")))
	assert.True(t, d.keep(5, []byte("x")), "after a later line, nothing is dropped")
}

// osPipeSource is a followed stream through a kernel pipe: unlike io.Pipe its
// writer does not wait for the reader, as a server does not wait for a client
// that stops reading (until the connection's buffers fill).
type osPipeSource struct{ r *os.File }

func (p osPipeSource) Open(context.Context, time.Time) (io.ReadCloser, error) { return p.r, nil }
func (osPipeSource) Resume(context.Context, StreamEnd) (bool, error)          { return false, nil }

func newOSPipe(t *testing.T) (osPipeSource, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	return osPipeSource{r: r}, w
}

// runFollow merges srcs with follow until the test ends; emit sees each line.
func runFollow(t *testing.T, delay time.Duration, emit func(Line), srcs ...Source) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := New(ctx, Options{Follow: true, MaxDelay: delay})
	for _, s := range srcs {
		m.Add(s)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(func(l Line) error { emit(l); return nil }) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// A container printing several lines per window next to a quiet one: each
// line waits the window from when it arrived. The window used to start when
// the merger got the line, and a stream that had two batches held stopped
// reading, so lines waited up to twice MaxDelay, and more and more when
// each read brings one line (20 lines/s took over 2 s in hack/bench-latency.sh).
func TestFollowLineWaitsAtMostMaxDelayNextToQuietStream(t *testing.T) {
	const delay = 200 * time.Millisecond
	quiet, _ := newOSPipe(t)
	pipe, w := newOSPipe(t)
	// As an HTTP response often does, a read returns one line.
	busy := &readerSource{r: &lineAtATime{r: bufio.NewReader(pipe.r)}, c: pipe.r}
	var mu sync.Mutex
	waited := map[string]time.Duration{}
	written := map[string]time.Time{}
	runFollow(t, delay, func(l Line) {
		mu.Lock()
		defer mu.Unlock()
		waited[string(l.Text)] = time.Since(written[string(l.Text)])
	}, quiet, busy)

	const n = 30 // 10ms apart: 20 lines a window
	for i := range n {
		text := fmt.Sprintf("line %d", i)
		mu.Lock()
		written[text] = time.Now()
		mu.Unlock()
		_, err := fmt.Fprintf(w, "%s %s\n", at(i*10), text)
		require.NoError(t, err)
		time.Sleep(10 * time.Millisecond)
	}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(waited) == n
	}, 5*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for text, d := range waited {
		// Half a window of slack for a loaded machine; the old wait was twice the window.
		assert.Less(t, d, delay*3/2, "%s waited %v with a window of %v", text, d, delay)
	}
}

// A followed container's backlog next to a container that prints nothing is
// held one window, then printed as fast as it is read: what waited in the
// connection is as old as the wait for the merger.
func TestFollowBacklogNextToQuietStreamIsNotThrottled(t *testing.T) {
	const lines = 20000
	var b strings.Builder
	for i := range lines {
		fmt.Fprintf(&b, "%s line %d\n", at(i), i)
	}
	quiet, _ := newOSPipe(t)
	follow, _ := newOSPipe(t)
	backlog := &readerSource{r: io.MultiReader(strings.NewReader(b.String()), follow.r), c: follow.r}
	var got atomic.Int64
	start := time.Now()
	runFollow(t, 250*time.Millisecond, func(Line) { got.Add(1) }, quiet, backlog)
	// Two batches per window, as before, would take about 20 s.
	if !assert.Eventually(t, func() bool { return got.Load() == lines }, 5*time.Second, 10*time.Millisecond) {
		t.Fatalf("printed %d of %d lines in %v", got.Load(), lines, time.Since(start))
	}
}

// lineAtATime returns at most one line per read.
type lineAtATime struct {
	r    *bufio.Reader
	rest []byte
}

func (l *lineAtATime) Read(p []byte) (int, error) {
	if len(l.rest) == 0 {
		line, err := l.r.ReadSlice('\n')
		if len(line) == 0 {
			return 0, err
		}
		l.rest = append(l.rest[:0], line...)
	}
	n := copy(p, l.rest)
	l.rest = l.rest[n:]
	return n, nil
}

// readerSource serves one reader that is never reopened; closing it closes c.
type readerSource struct {
	r io.Reader
	c io.Closer
}

func (s *readerSource) Open(context.Context, time.Time) (io.ReadCloser, error) {
	return struct {
		io.Reader
		io.Closer
	}{s.r, s.c}, nil
}
func (*readerSource) Resume(context.Context, StreamEnd) (bool, error) { return false, nil }
