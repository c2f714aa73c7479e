// Package kubelet is the e2e tests' stand-in for the one kubelet endpoint the
// plugin reaches through the API server: GET /containerLogs/{ns}/{pod}/{container},
// which kube-apiserver proxies `pods/log` requests to.
//
// Logs are files of CRI-like lines, "<RFC3339Nano timestamp> <text>", laid out as
//
//	<dir>/<namespace>/<pod>/<container>.log           current instance
//	<dir>/<namespace>/<pod>/<container>.previous.log  previous instance (?previous=true)
//
// Appending to a file while a follow=true request is open streams the new lines.
// Cut (or POST /control/cut/{ns}/{pod}/{container}) breaks the open streams of a
// container mid-response, the way a crashing or restarting kubelet would.
// Hold (POST /control/hold/...) makes the container's next log request wait
// until Release, before the container is looked up: a test changes the
// container in between, at the one moment a client cannot see.
//
// With a PodGetter the server checks containers the way the kubelet does (spec, then
// status: waiting, terminated, previous instance) and ends a follow once the
// container stops running; without one it serves whatever files exist.
package kubelet

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// PodGetter returns the pod as the API server stores it, or (nil, nil) when it
// does not exist.
type PodGetter func(ctx context.Context, namespace, name string) (*corev1.Pod, error)

// Options configures a Server.
type Options struct {
	// Dir holds the log files, <Dir>/<namespace>/<pod>/<container>.log.
	Dir string
	// Pods, when set, makes the server validate containers against the pod's
	// spec and status like the kubelet does.
	Pods PodGetter
	// PollInterval is how often a follow looks for appended lines (default 50ms).
	PollInterval time.Duration
	// StatusInterval is how often an idle follow asks Pods whether the container
	// still runs (default 1s).
	StatusInterval time.Duration
	// Now returns the current time; sinceSeconds is relative to it (default time.Now).
	Now func() time.Time
}

// Server serves container logs from files. Create it with NewServer.
type Server struct {
	opts Options

	mu      sync.Mutex
	streams map[ContainerRef]map[*stream]struct{}
	// cutAfter breaks every later response of a container after so many bytes.
	cutAfter map[ContainerRef]int64
	// holds make the next log request of a container wait (Hold).
	holds map[ContainerRef]*hold
}

// hold is one Hold: armed until a request takes it, which then waits for
// release.
type hold struct {
	armed   bool
	held    int
	release chan struct{}
}

// ContainerRef names one container of one pod.
type ContainerRef struct {
	Namespace, Pod, Container string
}

func (r ContainerRef) String() string {
	return r.Namespace + "/" + r.Pod + "/" + r.Container
}

// stream is one open log response; closing cut makes it drop its connection.
type stream struct {
	cut  chan struct{}
	once sync.Once
}

func (s *stream) cutOff() { s.once.Do(func() { close(s.cut) }) }

// NewServer returns a Server for opts, with defaults filled in.
func NewServer(opts Options) *Server {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 50 * time.Millisecond
	}
	if opts.StatusInterval <= 0 {
		opts.StatusInterval = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts, streams: map[ContainerRef]map[*stream]struct{}{}, cutAfter: map[ContainerRef]int64{},
		holds: map[ContainerRef]*hold{}}
}

// Handler returns the HTTP handler:
//
//	GET  /containerLogs/{namespace}/{pod}/{container}    kubelet log endpoint
//	POST /control/cut/{namespace}/{pod}/{container}      break open streams; body: count cut
//	POST /control/cut-after/{namespace}/{pod}/{container}?bytes=N
//	                                                     break every later response after N bytes (0: never)
//	POST /control/hold/{namespace}/{pod}/{container}     make the next log request wait; body: 1
//	GET  /control/held/{namespace}/{pod}/{container}     count of requests waiting
//	POST /control/release/{namespace}/{pod}/{container}  let them go on; body: count released
//	GET  /control/streams/{namespace}/{pod}/{container}  count of open streams
//	GET  /healthz                                        "ok"
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", s.serveContainerLogs)
	mux.HandleFunc("POST /control/cut/{namespace}/{pod}/{container}", func(w http.ResponseWriter, r *http.Request) {
		n := s.Cut(refFromPath(r))
		fmt.Fprintln(w, n)
	})
	mux.HandleFunc("POST /control/cut-after/{namespace}/{pod}/{container}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.ParseInt(r.URL.Query().Get("bytes"), 10, 64)
		if err != nil || n < 0 {
			writeError(w, badRequest("bytes must be a number >= 0"))
			return
		}
		s.CutAfter(refFromPath(r), n)
		fmt.Fprintln(w, n)
	})
	mux.HandleFunc("POST /control/hold/{namespace}/{pod}/{container}", func(w http.ResponseWriter, r *http.Request) {
		s.Hold(refFromPath(r))
		fmt.Fprintln(w, 1)
	})
	mux.HandleFunc("GET /control/held/{namespace}/{pod}/{container}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, s.Held(refFromPath(r)))
	})
	mux.HandleFunc("POST /control/release/{namespace}/{pod}/{container}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, s.Release(refFromPath(r)))
	})
	mux.HandleFunc("GET /control/streams/{namespace}/{pod}/{container}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, s.ActiveStreams(refFromPath(r)))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return mux
}

func refFromPath(r *http.Request) ContainerRef {
	return ContainerRef{
		Namespace: r.PathValue("namespace"),
		Pod:       r.PathValue("pod"),
		Container: r.PathValue("container"),
	}
}

// Cut breaks every open log stream of the container: the client sees the
// connection end without the end of the response. It returns how many it cut.
func (s *Server) Cut(ref ContainerRef) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for st := range s.streams[ref] {
		st.cutOff()
	}
	return len(s.streams[ref])
}

// CutAfter makes every later response for the container break after n bytes
// of log, mid-line if it falls there, as a kubelet that crashes while
// serving a long log would; n = 0 lets them end normally again.
func (s *Server) CutAfter(ref ContainerRef, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n == 0 {
		delete(s.cutAfter, ref)
		return
	}
	s.cutAfter[ref] = n
}

func (s *Server) cutAfterOf(ref ContainerRef) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cutAfter[ref]
}

// Hold makes the container's next log request wait, before the container is
// looked up, until Release: whatever changes meanwhile (a restart) is what
// the request finds. Later requests are not held.
func (s *Server) Hold(ref ContainerRef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.holds[ref]
	if h == nil {
		h = &hold{release: make(chan struct{})}
		s.holds[ref] = h
	}
	h.armed = true
}

// Held returns how many log requests of the container are waiting.
func (s *Server) Held(ref ContainerRef) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.holds[ref]; h != nil {
		return h.held
	}
	return 0
}

// Release lets the held requests of the container go on and disarms a Hold
// no request has taken. It returns how many it let go.
func (s *Server) Release(ref ContainerRef) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.holds[ref]
	if h == nil {
		return 0
	}
	delete(s.holds, ref)
	close(h.release)
	return h.held
}

// waitIfHeld takes an armed Hold and waits for Release, or for the client to
// go away (false).
func (s *Server) waitIfHeld(ctx context.Context, ref ContainerRef) bool {
	s.mu.Lock()
	h := s.holds[ref]
	if h == nil || !h.armed {
		s.mu.Unlock()
		return true
	}
	h.armed = false
	h.held++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		h.held--
		s.mu.Unlock()
	}()
	select {
	case <-h.release:
		return true
	case <-ctx.Done():
		return false
	}
}

// ActiveStreams returns how many log responses for the container are open.
func (s *Server) ActiveStreams(ref ContainerRef) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams[ref])
}

func (s *Server) register(ref ContainerRef) *stream {
	st := &stream{cut: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams[ref] == nil {
		s.streams[ref] = map[*stream]struct{}{}
	}
	s.streams[ref][st] = struct{}{}
	return st
}

func (s *Server) unregister(ref ContainerRef, st *stream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.streams[ref], st)
	if len(s.streams[ref]) == 0 {
		delete(s.streams, ref)
	}
}

// httpError is an error with the status code the kubelet answers it with.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{code: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	if he, ok := err.(*httpError); ok {
		code = he.code
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprint(w, err.Error())
}

func parseBool(q map[string][]string, name string) (bool, error) {
	v := firstValue(q, name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("invalid %s %q: must be true or false", name, v)
	}
	return b, nil
}

func parseInt(q map[string][]string, name string) (*int64, error) {
	v := firstValue(q, name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, badRequest("invalid %s %q: must be an integer", name, v)
	}
	return &n, nil
}

func firstValue(q map[string][]string, name string) string {
	if vs := q[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}
