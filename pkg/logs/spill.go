package logs

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
)

// spillStore lets a run read more streams than --max-log-requests without
// following: at most that many are read at once, each into a temporary file
// to its end, and the merger reads the files. The lines wait on disk, not in
// memory, so memory stays flat however many streams there are; a merge
// prints its first line only once every stream is on disk.
type spillStore struct {
	dir   string
	slots chan struct{}
}

// spillOverCap decides how the planned streams are read: all at once when
// --max-log-requests allows, else through a spill store. A follow keeps
// every stream open to its end, so it cannot wait its turn: over the cap it
// is an error that names the number needed.
func (r *run) spillOverCap(streams int) error {
	if streams <= r.cfg.MaxLogRequests {
		return nil
	}
	if r.cfg.LogOptions.Follow {
		return fmt.Errorf("following keeps every stream open: this needs %d log streams, more than --max-log-requests=%d: "+
			"raise it to %d, or narrow with -c, --role or -l", streams, r.cfg.MaxLogRequests, streams)
	}
	dir, err := os.MkdirTemp("", "kubectl-pods-pattern-logs-")
	if err != nil {
		return fmt.Errorf("more streams (%d) than --max-log-requests=%d are read through temporary files, which cannot be made: %w",
			streams, r.cfg.MaxLogRequests, err)
	}
	r.spill = &spillStore{dir: dir, slots: make(chan struct{}, r.cfg.MaxLogRequests)}
	return nil
}

// close removes what is left of the files (Run defers it, so Ctrl-C,
// which ends Run through its context, removes them too).
func (s *spillStore) close() error {
	if s == nil {
		return nil
	}
	return os.RemoveAll(s.dir)
}

// spilledSource reads its stream to a temporary file once a slot is free,
// and gives the merger the file.
type spilledSource struct {
	logmerge.Source
	store *spillStore
}

func (s *spilledSource) Open(ctx context.Context, since time.Time) (io.ReadCloser, error) {
	select {
	case s.store.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	f, err := s.fill(ctx, since)
	<-s.store.slots
	return f, err
}

func (s *spilledSource) fill(ctx context.Context, since time.Time) (*os.File, error) {
	f, err := os.CreateTemp(s.store.dir, "stream-")
	if err != nil {
		return nil, err
	}
	// Unlinked at once where the system allows it: the open file stays
	// readable and is gone when closed, even if the process is killed.
	_ = os.Remove(f.Name())
	rc, err := s.Source.Open(ctx, since)
	if err != nil {
		f.Close()
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = rc.Close() })
	_, err = io.Copy(f, rc)
	stop()
	_ = rc.Close()
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return f, nil
}
