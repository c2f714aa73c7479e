package logs

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
)

// A pod deleted while followed may leave its streams open (the kubelet has
// not stopped its containers yet, or never will, as when its node is gone):
// the watch's word that it was deleted closes them.

// podGoneLocked returns the context that ends when the pod is reported deleted.
// The caller holds r.mu.
func (r *run) podGoneLocked(namespace, name string) context.Context {
	key := namespace + "/" + name
	if g, ok := r.gone[key]; ok {
		return g.ctx
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.gone[key] = goneCtx{ctx, cancel}
	return ctx
}

// closePod closes the streams of a deleted pod. A pod of the same name
// created later gets streams of its own.
func (r *run) closePod(namespace, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := namespace + "/" + name
	if g, ok := r.gone[key]; ok {
		g.cancel()
		delete(r.gone, key)
	}
}

type goneCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// podSource ends its stream, as a clean end, once its pod is deleted.
type podSource struct {
	logmerge.Source
	gone context.Context
}

func (s *podSource) Open(ctx context.Context, since time.Time) (io.ReadCloser, error) {
	if s.gone.Err() != nil {
		return io.NopCloser(strings.NewReader("")), nil
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.gone, cancel)
	rc, err := s.Source.Open(ctx, since)
	if err != nil {
		stop()
		cancel()
		if s.gone.Err() != nil {
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, err
	}
	return &podReader{rc: rc, gone: s.gone, release: func() { stop(); cancel() }}, nil
}

func (s *podSource) Resume(ctx context.Context, end logmerge.StreamEnd) (bool, error) {
	if s.gone.Err() != nil {
		return false, nil
	}
	return s.Source.Resume(ctx, end)
}

// podReader turns the error of a read cut by the pod's deletion into an end.
type podReader struct {
	rc      io.ReadCloser
	gone    context.Context
	release func()
}

func (p *podReader) Read(b []byte) (int, error) {
	n, err := p.rc.Read(b)
	if err != nil && p.gone.Err() != nil {
		err = io.EOF
	}
	return n, err
}

func (p *podReader) Close() error {
	p.release()
	return p.rc.Close()
}
