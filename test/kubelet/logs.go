package kubelet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// timeFormatOut is how the kubelet prints timestamps with timestamps=true:
// RFC 3339 with a fixed nine-digit fraction, so that lines sort as text.
const timeFormatOut = "2006-01-02T15:04:05.000000000Z07:00"

// LogQuery is the part of the pod log options the kubelet receives as query
// parameters from the API server.
type LogQuery struct {
	Follow     bool
	Previous   bool
	Timestamps bool
	// TailLines < 0 means all lines.
	TailLines int64
	// LimitBytes <= 0 means no limit.
	LimitBytes int64
	// Since drops lines older than it; zero means no lower bound.
	Since time.Time
}

// ParseLogQuery reads follow, previous, timestamps, tailLines, limitBytes,
// sinceTime and sinceSeconds, rejecting what the API server's validation rejects.
func ParseLogQuery(q url.Values, now time.Time) (LogQuery, error) {
	lq := LogQuery{TailLines: -1}
	var err error
	if lq.Follow, err = parseBool(q, "follow"); err != nil {
		return lq, err
	}
	if lq.Previous, err = parseBool(q, "previous"); err != nil {
		return lq, err
	}
	if lq.Timestamps, err = parseBool(q, "timestamps"); err != nil {
		return lq, err
	}
	tail, err := parseInt(q, "tailLines")
	if err != nil {
		return lq, err
	}
	if tail != nil {
		if *tail < 0 {
			return lq, badRequest("tailLines: must be greater than or equal to 0")
		}
		lq.TailLines = *tail
	}
	limit, err := parseInt(q, "limitBytes")
	if err != nil {
		return lq, err
	}
	if limit != nil {
		if *limit < 1 {
			return lq, badRequest("limitBytes: must be greater than 0")
		}
		lq.LimitBytes = *limit
	}
	sinceSeconds, err := parseInt(q, "sinceSeconds")
	if err != nil {
		return lq, err
	}
	sinceTime := firstValue(q, "sinceTime")
	if sinceSeconds != nil && sinceTime != "" {
		return lq, badRequest("at most one of sinceTime or sinceSeconds may be specified")
	}
	if sinceSeconds != nil {
		if *sinceSeconds < 1 {
			return lq, badRequest("sinceSeconds: must be greater than 0")
		}
		lq.Since = now.Add(-time.Duration(*sinceSeconds) * time.Second)
	}
	if sinceTime != "" {
		t, err := time.Parse(time.RFC3339, sinceTime)
		if err != nil {
			return lq, badRequest("invalid sinceTime %q: must be RFC 3339", sinceTime)
		}
		lq.Since = t
	}
	return lq, nil
}

// LogPath returns the file holding a container's log lines.
func LogPath(dir string, ref ContainerRef, previous bool) string {
	name := ref.Container + ".log"
	if previous {
		name = ref.Container + ".previous.log"
	}
	return filepath.Join(dir, ref.Namespace, ref.Pod, name)
}

func (s *Server) serveContainerLogs(w http.ResponseWriter, r *http.Request) {
	ref := refFromPath(r)
	q, err := ParseLogQuery(r.URL.Query(), s.opts.Now())
	if err != nil {
		writeError(w, err)
		return
	}
	if !s.waitIfHeld(r.Context(), ref) {
		return
	}
	target, err := s.resolve(r.Context(), ref, q.Previous)
	if err != nil {
		writeError(w, err)
		return
	}
	path := LogPath(s.opts.Dir, ref, target.previousFile)
	f, err := os.Open(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// The container exists but has printed nothing yet.
		f = nil
	case err != nil:
		writeError(w, err)
		return
	}
	tailer := &fileTailer{file: f, path: path}
	defer tailer.Close()

	st := s.register(ref)
	defer s.unregister(ref, st)

	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	out := newLineWriter(w, q)
	out.cutAt = s.cutAfterOf(ref)
	if f != nil && q.TailLines >= 0 {
		if tailer.offset, err = tailStart(f, q.TailLines); err != nil {
			return
		}
	}
	follow := q.Follow && !q.Previous && target.running
	lastStatusCheck := time.Now()
	for {
		done, err := tailer.copyLines(out)
		if out.cut {
			// Drop the connection without ending the response.
			out.flush()
			panic(http.ErrAbortHandler)
		}
		if err != nil || done || out.full() {
			out.flush()
			return
		}
		out.flush()
		if !follow {
			return
		}
		if s.opts.Pods != nil && time.Since(lastStatusCheck) >= s.opts.StatusInterval {
			lastStatusCheck = time.Now()
			if !s.stillRunning(r.Context(), ref, target.containerID) {
				// Like the kubelet: print what the container wrote before it
				// stopped, then end the response.
				_, _ = tailer.copyLines(out)
				out.flush()
				if out.cut {
					panic(http.ErrAbortHandler)
				}
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-st.cut:
			// Drop the connection without ending the response.
			panic(http.ErrAbortHandler)
		case <-time.After(s.opts.PollInterval):
		}
		select {
		case <-st.cut:
			panic(http.ErrAbortHandler)
		default:
		}
	}
}

// tailStart returns the offset of the first of the last n complete lines of f.
func tailStart(f *os.File, n int64) (int64, error) {
	// A ring of the offsets where the last n complete lines start.
	ring := make([]int64, 0, min(n, 4096))
	next := 0
	var off, lineStart int64
	br := bufio.NewReaderSize(f, 64*1024)
	for {
		lineStart = off
		line, err := br.ReadSlice('\n')
		for err == bufio.ErrBufferFull {
			off += int64(len(line))
			line, err = br.ReadSlice('\n')
		}
		if err == io.EOF {
			// A partial last line is still being written: not counted.
			break
		}
		if err != nil {
			return 0, err
		}
		off += int64(len(line))
		if n == 0 {
			continue
		}
		if int64(len(ring)) < n {
			ring = append(ring, lineStart)
		} else {
			ring[next] = lineStart
			next = (next + 1) % len(ring)
		}
	}
	switch {
	case n == 0:
		// Past the last complete line.
		return lineStart, nil
	case int64(len(ring)) < n:
		// Fewer lines than asked for: all of them.
		return 0, nil
	}
	return ring[next], nil
}

// fileTailer reads complete lines from a log file that may grow or appear later.
type fileTailer struct {
	file    *os.File
	path    string
	offset  int64
	reader  *bufio.Reader
	pending []byte
}

// copyLines writes the complete lines available now. done reports that the
// writer wants no more.
func (t *fileTailer) copyLines(out *lineWriter) (done bool, err error) {
	if t.file == nil {
		// The container had printed nothing when the request came: its file may
		// have appeared since.
		f, err := os.Open(t.path)
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return true, err
		}
		t.file = f
	}
	if t.reader == nil {
		if _, err := t.file.Seek(t.offset, io.SeekStart); err != nil {
			return true, err
		}
		t.reader = bufio.NewReaderSize(t.file, 64*1024)
	}
	for {
		chunk, err := t.reader.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			t.pending = append(t.pending, chunk...)
			continue
		}
		if err == io.EOF {
			// A partial line: keep it until its newline is written.
			t.pending = append(t.pending, chunk...)
			return false, nil
		}
		if err != nil {
			return true, err
		}
		line := chunk
		if len(t.pending) > 0 {
			line = append(t.pending, chunk...)
			t.pending = t.pending[:0]
		}
		if out.writeLine(line) {
			return true, nil
		}
	}
}

// Close releases the file.
func (t *fileTailer) Close() error {
	if t.file == nil {
		return nil
	}
	return t.file.Close()
}

// lineWriter applies since, timestamps and limitBytes to the lines it is given.
type lineWriter struct {
	w       http.ResponseWriter
	buf     *bufio.Writer
	q       LogQuery
	written int64
	// cutAt > 0 breaks the response after so many bytes (cut is then set).
	cutAt int64
	cut   bool
}

func newLineWriter(w http.ResponseWriter, q LogQuery) *lineWriter {
	return &lineWriter{w: w, buf: bufio.NewWriterSize(w, 32*1024), q: q}
}

// writeLine writes one "<timestamp> <text>\n" line from the file. It returns
// true once limitBytes is reached or the client is gone.
func (lw *lineWriter) writeLine(raw []byte) (stop bool) {
	ts, text, ok := parseLine(raw)
	if !ok {
		// The kubelet skips lines it cannot parse.
		return false
	}
	if !lw.q.Since.IsZero() && ts.Before(lw.q.Since) {
		return false
	}
	var line []byte
	if lw.q.Timestamps {
		line = ts.AppendFormat(make([]byte, 0, len(timeFormatOut)+1+len(text)+1), timeFormatOut)
		line = append(line, ' ')
	}
	line = append(line, text...)
	line = append(line, '\n')
	if lw.q.LimitBytes > 0 {
		if left := lw.q.LimitBytes - lw.written; int64(len(line)) > left {
			line = line[:left]
		}
	}
	if lw.cutAt > 0 {
		if left := lw.cutAt - lw.written; int64(len(line)) >= left {
			line, lw.cut = line[:left], true
		}
	}
	n, err := lw.buf.Write(line)
	lw.written += int64(n)
	return err != nil || lw.full() || lw.cut
}

func (lw *lineWriter) full() bool {
	return lw.q.LimitBytes > 0 && lw.written >= lw.q.LimitBytes
}

func (lw *lineWriter) flush() {
	if lw.buf.Flush() != nil {
		return
	}
	if f, ok := lw.w.(http.Flusher); ok {
		f.Flush()
	}
}

// parseLine splits "<RFC3339Nano> <text>\n" into its time and text.
func parseLine(raw []byte) (time.Time, []byte, bool) {
	raw = bytes.TrimSuffix(raw, []byte("\n"))
	raw = bytes.TrimSuffix(raw, []byte("\r"))
	sp := bytes.IndexByte(raw, ' ')
	var stamp, text []byte
	if sp < 0 {
		stamp = raw
	} else {
		stamp, text = raw[:sp], raw[sp+1:]
	}
	ts, err := time.Parse(time.RFC3339Nano, string(stamp))
	if err != nil {
		return time.Time{}, nil, false
	}
	return ts, text, true
}

// FormatLine returns the file line for text written at ts.
func FormatLine(ts time.Time, text string) string {
	return fmt.Sprintf("%s %s\n", ts.UTC().Format(time.RFC3339Nano), text)
}

// resolved is the container instance a request reads.
type resolved struct {
	running     bool
	containerID string
	// previousFile: serve <container>.previous.log. A container waiting to
	// restart has no current instance, so the kubelet serves its last run
	// (the current file) with and without previous.
	previousFile bool
}

// resolve checks that the container can serve logs, answering like the kubelet
// (pkg/kubelet/server and kubelet_pods.go validateContainerLogStatus).
func (s *Server) resolve(ctx context.Context, ref ContainerRef, previous bool) (resolved, error) {
	if s.opts.Pods == nil {
		return s.resolveFromFiles(ref, previous)
	}
	pod, err := s.opts.Pods(ctx, ref.Namespace, ref.Pod)
	if err != nil {
		return resolved{}, fmt.Errorf("get pod %s/%s: %w", ref.Namespace, ref.Pod, err)
	}
	if pod == nil {
		return resolved{}, notFound("pod %q does not exist", ref.Pod)
	}
	return validateContainerLogStatus(pod, ref.Container, previous)
}

// resolveFromFiles answers without a PodGetter: a container exists when its
// log file does.
func (s *Server) resolveFromFiles(ref ContainerRef, previous bool) (resolved, error) {
	if _, err := os.Stat(filepath.Join(s.opts.Dir, ref.Namespace, ref.Pod)); err != nil {
		return resolved{}, notFound("pod %q does not exist", ref.Pod)
	}
	if _, err := os.Stat(LogPath(s.opts.Dir, ref, false)); err != nil {
		return resolved{}, notFound("container %q not found in pod %q", ref.Container, ref.Pod)
	}
	if previous {
		if _, err := os.Stat(LogPath(s.opts.Dir, ref, true)); err != nil {
			return resolved{}, badRequest("previous terminated container %q in pod %q not found", ref.Container, ref.Pod)
		}
		return resolved{previousFile: true}, nil
	}
	return resolved{running: true}, nil
}

func (s *Server) stillRunning(ctx context.Context, ref ContainerRef, containerID string) bool {
	pod, err := s.opts.Pods(ctx, ref.Namespace, ref.Pod)
	if err != nil {
		// The API server may be busy: keep following rather than end early.
		return true
	}
	if pod == nil {
		return false
	}
	st, ok := findStatus(pod, ref.Container)
	return ok && st.State.Running != nil && st.ContainerID == containerID
}
