package logmerge

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Source is where one stream's lines come from.
type Source interface {
	// Open starts the stream. since is zero the first time; after a cut it is
	// the time of the last complete line read, and the stream should start at
	// or before it (lines already delivered are dropped by the merger).
	Open(ctx context.Context, since time.Time) (io.ReadCloser, error)
	// Resume is asked after the stream ended: true reopens it with since.
	// A log stream that ends is not proof that its writer stopped, nor that
	// it was read to its end: a cut reaches a client as a clean end.
	Resume(ctx context.Context, end StreamEnd) (bool, error)
}

// StreamEnd describes the read that just ended, for Resume.
type StreamEnd struct {
	// Reopened: the read was a reopen (from Last of an earlier read).
	Reopened bool
	// NewLines is how many lines the read delivered that were not delivered
	// before: a reopen that brings none confirms that the stream had ended.
	NewLines int
	// Last is the time of the last complete line delivered so far (zero when
	// none had a timestamp).
	Last time.Time
}

// Line is one line of the merged output. Stamp and Text point into the
// merger's buffers: they are valid only until the emit function returns.
type Line struct {
	Stream    int    // the id Add returned
	Time      int64  // Unix nanoseconds; for a line without timestamp, its predecessor's
	Stamp     []byte // the timestamp as sent, empty when the line had none
	Text      []byte // the text without the timestamp and newline
	Truncated bool   // the line was longer than MaxLineBytes and was cut
}

// Options tune a Merger.
type Options struct {
	// Follow means streams can go quiet without ending: a line is then
	// released once it has waited MaxDelay for the quiet streams.
	Follow   bool
	MaxDelay time.Duration
	// MaxLineBytes caps a line; the rest of a longer line is dropped.
	MaxLineBytes int
	// OnError decides about a stream's error: nil goes on without the stream,
	// an error ends Run with it. Without OnError every error ends Run.
	OnError func(stream int, err error) error
	// Idle is called before the merger waits for input (to flush output).
	Idle func() error
	// Unstamped means the streams carry no timestamps: lines keep the order
	// they come in, and a message that starts like a timestamp stays whole.
	// Only one stream that is not followed can be merged so.
	Unstamped bool
}

// Defaults.
const (
	DefaultMaxDelay     = 250 * time.Millisecond
	DefaultMaxLineBytes = 1 << 20
	readBufferBytes     = 8 << 10
	batchBytes          = 8 << 10
	batchLines          = 128
	batchesPerStream    = 2
	// A followed stream that prints a line at a time sends a batch per line;
	// while a quiet stream holds them, it may send up to this many small ones
	// (within batchesPerStream * batchBytes), not stop reading.
	maxBatchesPerStream = 64
	smallBatchBytes     = 256
	smallBatchLines     = 4
	maxDedupeLines      = 4096
)

// Merger merges streams by timestamp. Lines of one stream keep their order;
// lines of different streams with the same timestamp come in the order the
// streams were added. Memory is bounded: each stream holds lines of at most
// about batchesPerStream * batchBytes in batches (at most
// maxBatchesPerStream of them) and a read buffer (a line longer than a batch
// takes up to MaxLineBytes while it is in flight).
type Merger struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	events chan event
	wake   chan struct{}
	wg     sync.WaitGroup

	mu         sync.Mutex
	nextID     int
	registered atomic.Int64
	closed     atomic.Bool
}

// span is one line inside a batch: the stamp is buf[start:sep], the text
// buf[textStart:end].
type span struct {
	time                       int64
	start, sep, textStart, end int32
	noStamp, truncated         bool
}

type batch struct {
	buf   []byte
	lines []span
	// sent is len(buf) when the pumper sent it, for its budget.
	sent int
	// arrived is when the batch's first line reached the pumper (arrivalReader):
	// a followed line waits MaxDelay from then, not from when the merger gets it.
	arrived time.Time
}

type stream struct {
	id   int
	src  Source
	free chan *batch

	// Owned by Run.
	known  bool
	ended  bool
	queue  []*batch
	pos    int
	inHeap bool
}

type event struct {
	s     *stream
	b     *batch
	err   error
	ended bool
}

// New makes a merger; its streams stop when ctx ends.
func New(ctx context.Context, opts Options) *Merger {
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	ctx, cancel := context.WithCancel(ctx)
	return &Merger{opts: opts, ctx: ctx, cancel: cancel, events: make(chan event, 64), wake: make(chan struct{}, 1)}
}

// Add starts reading a stream and returns its id. Ids grow in the order of
// Add, which is also the order of lines with equal timestamps. Add may be
// called before or while Run runs, but not after CloseInput.
func (m *Merger) Add(src Source) int {
	m.mu.Lock()
	id := m.nextID
	m.nextID++
	m.mu.Unlock()
	s := &stream{id: id, src: src, free: make(chan *batch, maxBatchesPerStream)}
	m.registered.Add(1)
	m.wg.Add(1)
	go m.pump(s)
	return id
}

// CloseInput says no stream will be added: Run returns once all have ended.
func (m *Merger) CloseInput() {
	m.closed.Store(true)
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Run merges until every stream ended after CloseInput, the context ends
// (then it returns the context's error) or emit fails. It stops the streams
// before it returns.
func (m *Merger) Run(emit func(Line) error) error {
	defer m.wg.Wait()
	defer m.cancel()
	r := runner{m: m}
	return r.run(emit)
}

type runner struct {
	m     *Merger
	heap  []*stream
	known int
	live  int
	// waiting counts known streams that have not ended and hold no line: a
	// line may only be released when none is waiting (or it timed out).
	waiting int
	timer   *time.Timer
}

func (r *runner) run(emit func(Line) error) error {
	m := r.m
	r.timer = time.NewTimer(time.Hour)
	r.timer.Stop()
	defer r.timer.Stop()
	for {
		if err := r.release(emit); err != nil {
			return err
		}
		if m.closed.Load() && int64(r.known) == m.registered.Load() && r.live == 0 && len(r.heap) == 0 {
			return nil
		}
		if m.opts.Idle != nil {
			if err := m.opts.Idle(); err != nil {
				return err
			}
		}
		select {
		case ev := <-m.events:
			if err := r.handle(ev); err != nil {
				return err
			}
			// Take what else is ready before releasing, so one pass sees it all.
			for more := true; more; {
				select {
				case ev := <-m.events:
					if err := r.handle(ev); err != nil {
						return err
					}
				default:
					more = false
				}
			}
		case <-r.timer.C:
		case <-m.wake:
		case <-m.ctx.Done():
			return m.ctx.Err()
		}
	}
}

func (r *runner) handle(ev event) error {
	s := ev.s
	if !s.known {
		s.known = true
		r.known++
		r.live++
		r.waiting++
	}
	if ev.err != nil {
		handler := r.m.opts.OnError
		if handler == nil {
			return ev.err
		}
		if err := handler(s.id, ev.err); err != nil {
			return err
		}
	}
	if ev.b != nil {
		s.queue = append(s.queue, ev.b)
		if !s.inHeap {
			s.pos = 0
			r.push(s)
			r.waiting--
		}
	}
	if ev.ended {
		s.ended = true
		r.live--
		if !s.inHeap {
			r.waiting--
		}
	}
	return nil
}

// release emits lines while the earliest buffered line is safe to emit.
func (r *runner) release(emit func(Line) error) error {
	m := r.m
	for len(r.heap) > 0 {
		s := r.heap[0]
		b := s.queue[0]
		sp := &b.lines[s.pos]
		if r.waiting > 0 || int64(r.known) < m.registered.Load() {
			if !m.opts.Follow {
				return nil
			}
			if wait := time.Until(b.arrived.Add(m.opts.MaxDelay)); wait > 0 {
				r.timer.Reset(wait)
				return nil
			}
		}
		line := Line{Stream: s.id, Time: sp.time, Text: b.buf[sp.textStart:sp.end], Truncated: sp.truncated}
		if !sp.noStamp {
			line.Stamp = b.buf[sp.start:sp.sep]
		}
		if err := emit(line); err != nil {
			return err
		}
		s.pos++
		if s.pos == len(b.lines) {
			s.queue[0] = nil
			s.queue = s.queue[1:]
			s.pos = 0
			b.reset()
			s.free <- b // never blocks: the channel holds all of the stream's batches
			if len(s.queue) == 0 {
				r.pop()
				if !s.ended {
					r.waiting++
				}
				continue
			}
		}
		r.down(0)
	}
	return nil
}

func (b *batch) reset() {
	if cap(b.buf) > 4*batchBytes {
		b.buf = make([]byte, 0, batchBytes) // give a long line's memory back
	}
	b.buf = b.buf[:0]
	b.lines = b.lines[:0]
}

// The heap holds streams that have a line, ordered by their next line.
func (r *runner) less(i, j int) bool {
	a, b := r.heap[i], r.heap[j]
	ta, tb := a.queue[0].lines[a.pos].time, b.queue[0].lines[b.pos].time
	if ta != tb {
		return ta < tb
	}
	return a.id < b.id
}

func (r *runner) push(s *stream) {
	s.inHeap = true
	r.heap = append(r.heap, s)
	for i := len(r.heap) - 1; i > 0; {
		p := (i - 1) / 2
		if !r.less(i, p) {
			break
		}
		r.heap[i], r.heap[p] = r.heap[p], r.heap[i]
		i = p
	}
}

func (r *runner) pop() {
	n := len(r.heap) - 1
	r.heap[0].inHeap = false
	r.heap[0] = r.heap[n]
	r.heap[n] = nil
	r.heap = r.heap[:n]
	if n > 0 {
		r.down(0)
	}
}

func (r *runner) down(i int) {
	n := len(r.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if rr := l + 1; rr < n && r.less(rr, l) {
			c = rr
		}
		if !r.less(c, i) {
			return
		}
		r.heap[i], r.heap[c] = r.heap[c], r.heap[i]
		i = c
	}
}

// pump reads one stream into batches, reopening it after a cut when the
// source says so, and drops the lines a reopened stream repeats.
func (m *Merger) pump(s *stream) {
	defer m.wg.Done()
	p := pumper{m: m, s: s, br: bufio.NewReaderSize(nil, readBufferBytes)}
	p.run()
}

type pumper struct {
	m  *Merger
	s  *stream
	br *bufio.Reader
	ar arrivalReader
	b  *batch

	lastTime int64
	haveTime bool
	dedupe   dedupe
	newLines int    // lines kept by the current read
	long     []byte // one line longer than the read buffer
	batches  int    // batches made for this stream
	spare    []*batch
	inFlight int // bytes of the batches sent and not yet returned
}

func (p *pumper) send(ev event) bool {
	select {
	case p.m.events <- ev:
		return true
	case <-p.m.ctx.Done():
		return false
	}
}

func (p *pumper) flush() bool {
	if p.b == nil || len(p.b.lines) == 0 {
		return true
	}
	b := p.b
	p.b = nil
	b.sent = len(b.buf)
	p.inFlight += b.sent
	return p.send(event{s: p.s, b: b})
}

func (p *pumper) run() {
	ctx := p.m.ctx
	var since time.Time
	defer func() {
		p.flush()
		p.send(event{s: p.s, ended: true})
	}()
	for {
		p.newLines = 0
		rc, err := p.s.src.Open(ctx, since)
		if err != nil {
			if ctx.Err() == nil {
				p.send(event{s: p.s, err: err})
			}
			return
		}
		stop := context.AfterFunc(ctx, func() { _ = rc.Close() })
		p.ar = arrivalReader{r: rc}
		p.br.Reset(&p.ar)
		tail, tailTruncated, readErr := p.readLines()
		stop()
		_ = rc.Close()
		if ctx.Err() != nil {
			return
		}
		end := StreamEnd{Reopened: !since.IsZero(), NewLines: p.newLines}
		if p.haveTime {
			end.Last = time.Unix(0, p.lastTime)
		}
		resume, err := p.s.src.Resume(ctx, end)
		if err != nil {
			if ctx.Err() == nil {
				p.send(event{s: p.s, err: err})
			}
			return
		}
		if !resume {
			// The last line had no newline: it is whole, print it.
			if len(tail) > 0 && !p.add(tail, tailTruncated) {
				return
			}
			if readErr != nil && !errors.Is(readErr, io.EOF) {
				p.flush()
				p.send(event{s: p.s, err: readErr})
			}
			return
		}
		// A line cut without its newline is read again in full.
		if p.haveTime {
			since = time.Unix(0, p.lastTime)
			p.dedupe.arm()
		}
		if !p.flush() {
			return
		}
	}
}

// readLines reads until the stream ends and returns an unterminated last
// line (not yet added: whether it is whole depends on a resume).
func (p *pumper) readLines() (tail []byte, tailTruncated bool, err error) {
	for {
		line, terminated, truncated, err := p.readLine()
		if err != nil {
			if len(line) > 0 && !terminated {
				return append([]byte(nil), line...), truncated, err
			}
			if len(line) > 0 && !p.add(line, truncated) {
				return nil, false, p.m.ctx.Err()
			}
			return nil, false, err
		}
		if !p.add(line, truncated) {
			return nil, false, p.m.ctx.Err()
		}
		// Send what we have before a read that may block (a quiet follower).
		if n := p.br.Buffered(); n == 0 {
			if !p.flush() {
				return nil, false, p.m.ctx.Err()
			}
		} else if next, _ := p.br.Peek(n); bytes.IndexByte(next, '\n') < 0 {
			if !p.flush() {
				return nil, false, p.m.ctx.Err()
			}
		}
	}
}

// readLine returns the next line without its newline, at most MaxLineBytes
// of it: a longer line is cut (truncated) and the rest skipped, so one
// endless line cannot take the memory.
func (p *pumper) readLine() (line []byte, terminated, truncated bool, err error) {
	max := p.m.opts.MaxLineBytes
	chunk, err := p.br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		terminated = len(chunk) > 0 && chunk[len(chunk)-1] == '\n'
		line = trimNewline(chunk)
		if len(line) > max {
			line, truncated = line[:max], true
		}
		return line, terminated, truncated, err
	}
	if cap(p.long) > 4*readBufferBytes && cap(p.long) > 2*max {
		p.long = nil
	}
	p.long = p.long[:0]
	for {
		body := trimNewline(chunk)
		if room := max - len(p.long); len(body) > room {
			p.long = append(p.long, body[:room]...)
			truncated = true
		} else {
			p.long = append(p.long, body...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			terminated = len(chunk) > 0 && chunk[len(chunk)-1] == '\n'
			return p.long, terminated, truncated, err
		}
		chunk, err = p.br.ReadSlice('\n')
	}
}

// takeBatch gets a batch to fill: a returned one or a new one while the
// stream's sent batches hold less than batchesPerStream * batchBytes, or it
// waits for the merger to return one, which is the back-pressure that keeps
// a fast stream from running ahead of the others. Past batchesPerStream,
// new batches start small: they carry a line or two of a stream that prints
// a line at a time.
func (p *pumper) takeBatch() bool {
	for more := true; more; {
		select {
		case b := <-p.s.free:
			p.inFlight -= b.sent
			if len(p.spare) < batchesPerStream {
				p.spare = append(p.spare, b)
				continue
			}
			// Keep no more spares than a burst needs, the largest ones.
			p.batches--
			for i, sp := range p.spare {
				if cap(sp.buf) < cap(b.buf) {
					p.spare[i] = b
					break
				}
			}
		default:
			more = false
		}
	}
	if p.inFlight < batchesPerStream*batchBytes {
		if n := len(p.spare); n > 0 {
			p.b, p.spare = p.spare[n-1], p.spare[:n-1]
			return true
		}
		if p.batches < maxBatchesPerStream {
			p.batches++
			if p.batches <= batchesPerStream {
				p.b = &batch{buf: make([]byte, 0, batchBytes), lines: make([]span, 0, batchLines)}
			} else {
				p.b = &batch{buf: make([]byte, 0, smallBatchBytes), lines: make([]span, 0, smallBatchLines)}
			}
			return true
		}
	}
	// What the connection holds from now on may have been there since the
	// line in hand arrived.
	p.ar.waited()
	select {
	case p.b = <-p.s.free:
		p.inFlight -= p.b.sent
		return true
	case <-p.m.ctx.Done():
		return false
	}
}

func trimNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		return b[:n-1]
	}
	return b
}

// add parses a line and appends it to the current batch; false when the
// merger is gone.
func (p *pumper) add(raw []byte, truncated bool) bool {
	var t int64
	var stamp, text []byte
	ok := false
	if !p.m.opts.Unstamped {
		t, stamp, text, ok = ParseLine(raw)
	}
	if ok {
		p.lastTime, p.haveTime = t, true
	} else {
		// No timestamp (a runtime's own message, a cut line): keep it next to its predecessor.
		t = p.lastTime
	}
	// Any stream may be reopened from its last line (a cut looks like an end).
	if !p.m.opts.Unstamped && !p.dedupe.keep(t, text) {
		return true
	}
	p.newLines++
	if p.b != nil && len(p.b.lines) > 0 && (len(p.b.buf)+len(raw) > max(cap(p.b.buf), batchBytes) || len(p.b.lines) >= batchLines) {
		if !p.flush() {
			return false
		}
	}
	if p.b == nil && !p.takeBatch() {
		return false
	}
	b := p.b
	if len(b.lines) == 0 {
		b.arrived = p.ar.last
	}
	start := int32(len(b.buf))
	b.buf = append(b.buf, raw...)
	sp := span{time: t, start: start, end: int32(len(b.buf)), truncated: truncated, noStamp: !ok, textStart: start}
	if ok {
		sp.sep = start + int32(len(stamp))
		sp.textStart = start + int32(len(raw)-len(text))
	}
	b.lines = append(b.lines, sp)
	return true
}

// arrivalReader notes when the bytes of the latest read arrived, for the
// follow window: usually when the read returned. But while the pumper waits
// for the merger to hand back a batch (back-pressure: it has a backlog held
// for a quiet stream) it reads nothing, and what the server sends meanwhile
// waits in the connection: the first read after such a wait, and every read
// after it that fills the buffer (there was more waiting), are dated from
// when the wait began. Dated when read, a followed backlog next to a quiet
// container went at two batches per MaxDelay (about 1,000 lines/s).
type arrivalReader struct {
	r io.Reader
	// last is when the bytes of the latest read arrived.
	last time.Time
	// backlog is set while what the connection holds may have been waiting
	// since then.
	backlog time.Time
}

func (a *arrivalReader) Read(b []byte) (int, error) {
	n, err := a.r.Read(b)
	if n > 0 {
		a.last = time.Now()
		if !a.backlog.IsZero() {
			a.last = a.backlog
			if n < len(b) {
				// The connection had no more: later reads bring new lines.
				a.backlog = time.Time{}
			}
		}
	}
	return n, err
}

// waited says the pumper stops reading until the merger frees a batch.
func (a *arrivalReader) waited() {
	if a.backlog.IsZero() {
		a.backlog = a.last
	}
}
