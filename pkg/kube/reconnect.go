package kube

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"
)

// DefaultReconnectTimeout is how long a follow or watch waits for an API
// server that went away (--reconnect-timeout).
const DefaultReconnectTimeout = 5 * time.Minute

// ErrGaveUp marks the error of a follow or watch that waited
// --reconnect-timeout for the API server in vain: it ends the command even
// with --ignore-errors.
var ErrGaveUp = errors.New("gave up reconnecting")

// Reconnector waits out an API server that went away (a restart, an upgrade
// of a managed control plane): requests that fail because the server cannot
// be reached are retried with backoff until it is back or Timeout has passed
// since it went away. Every stream and watch of one command shares one, so
// the user gets one note when the outage starts and one when it ends.
type Reconnector struct {
	// Timeout is how long the server may stay away.
	Timeout time.Duration
	// Note prints a line for the user (stderr).
	Note func(msg string)
	// Backoff is the wait between tries; zero means 200ms doubling to 5s.
	Backoff wait.Backoff

	mu    sync.Mutex
	down  bool
	since time.Time
}

// Do runs op until it succeeds, fails for another reason than an unreachable
// server, ctx ends, or the server has been away for Timeout; then it returns
// an error wrapping ErrGaveUp.
func (r *Reconnector) Do(ctx context.Context, op func(context.Context) error) error {
	if r == nil {
		return op(ctx)
	}
	backoff := r.Backoff
	if backoff.Duration == 0 {
		backoff = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: math.MaxInt32, Cap: 5 * time.Second}
	}
	for {
		err := op(ctx)
		switch {
		case err == nil:
			r.Up()
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !Unreachable(err):
			return err
		}
		if gaveUp := r.Down(err); gaveUp != nil {
			return gaveUp
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff.Step()):
		}
	}
}

// Down records that a request found the server away: the first one prints
// the note. It returns the give-up error once Timeout has passed.
func (r *Reconnector) Down(err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.down {
		r.down, r.since = true, time.Now()
		r.note(fmt.Sprintf("note: lost the Kubernetes API (%s); reconnecting for up to %s", reason(err), r.Timeout))
	}
	if away := time.Since(r.since); away >= r.Timeout {
		return fmt.Errorf("%w: the Kubernetes API has been unreachable for %s (--reconnect-timeout=%s): %s",
			ErrGaveUp, away.Round(time.Second), r.Timeout, reason(err))
	}
	return nil
}

// Up records that a request went through: after an outage it prints the
// note that the server is back.
func (r *Reconnector) Up() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		r.down = false
		r.note(fmt.Sprintf("note: the Kubernetes API is back after %s", time.Since(r.since).Round(100*time.Millisecond)))
	}
}

func (r *Reconnector) note(msg string) {
	if r.Note != nil {
		r.Note(msg)
	}
}

// Unreachable tells the errors of a server that went away, or is going or
// coming back, from those of a server that answered: connection refused or
// reset, a connection closed early or by GOAWAY, a timeout, a 5xx or 429.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		code := status.Status().Code
		return code >= 500 || code == 429
	}
	return utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) ||
		utilnet.IsHTTP2ConnectionLost(err) || utilnet.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded)
}

// reason is the short cause of an unreachable server, for the notes.
func reason(err error) string {
	switch {
	case utilnet.IsConnectionRefused(err):
		return "connection refused"
	case utilnet.IsConnectionReset(err):
		return "connection reset"
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return fmt.Sprintf("%d %s", status.Status().Code, status.Status().Reason)
	}
	return Explain(err).Error()
}
