package kube

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
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
//
// A request about one thing behind the API server (DoFor: a container's log,
// which the server proxies to the node's kubelet) that the server answers with
// a 5xx is that thing's outage, not the server's: it gets notes of its own,
// and the server's other requests going through do not end it.
type Reconnector struct {
	// Timeout is how long the server may stay away.
	Timeout time.Duration
	// Note prints a line for the user (stderr).
	Note func(msg string)
	// Backoff is the wait between tries; zero means 200ms doubling to 5s.
	Backoff wait.Backoff

	mu      sync.Mutex
	outages map[string]*outage // "" is the API server itself
}

// outage is one thing away: since when, and back, closed when it ends. Every
// request waiting out its backoff then tries again at once, so that the
// streams of a follow reopen together and their lines are merged in order,
// not one stream up to the backoff's cap (5s) after the others.
type outage struct {
	since time.Time
	back  chan struct{}
}

// Do runs op until it succeeds, fails for another reason than an unreachable
// server, ctx ends, or the server has been away for Timeout; then it returns
// an error wrapping ErrGaveUp.
func (r *Reconnector) Do(ctx context.Context, op func(context.Context) error) error {
	return r.DoFor(ctx, "", op)
}

// DoFor is Do for a request about what (e.g. "reading the logs of pod/nx
// container app"): a 5xx answered for it is noted as what failing.
func (r *Reconnector) DoFor(ctx context.Context, what string, op func(context.Context) error) error {
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
			r.up("")
			if what != "" {
				r.up(what)
			}
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !Unreachable(err):
			return err
		}
		key := ""
		if answered(err) {
			key = what
		}
		back, gaveUp := r.down(key, err)
		if gaveUp != nil {
			return gaveUp
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-back:
		case <-time.After(backoff.Step()):
		}
	}
}

// down records that a request found what (or the server, "") away: the
// first one prints the note. It returns the channel closed when the outage
// ends, and the give-up error once Timeout has passed.
func (r *Reconnector) down(what string, err error) (<-chan struct{}, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.outages[what]
	if o == nil {
		if r.outages == nil {
			r.outages = map[string]*outage{}
		}
		o = &outage{since: time.Now(), back: make(chan struct{})}
		r.outages[what] = o
		if what == "" {
			r.note(fmt.Sprintf("note: lost the Kubernetes API (%s); reconnecting for up to %s", reason(err), r.Timeout))
		} else {
			r.note(fmt.Sprintf("note: %s fails (%s); retrying for up to %s", what, detail(err), r.Timeout))
		}
	}
	away := time.Since(o.since)
	if away < r.Timeout {
		return o.back, nil
	}
	if what == "" {
		return o.back, fmt.Errorf("%w: the Kubernetes API has been unreachable for %s (--reconnect-timeout=%s): %s",
			ErrGaveUp, away.Round(time.Second), r.Timeout, reason(err))
	}
	return o.back, fmt.Errorf("%w: %s has failed for %s (--reconnect-timeout=%s): %s",
		ErrGaveUp, what, away.Round(time.Second), r.Timeout, detail(err))
}

// up records that a request about what (or the server, "") went through:
// after an outage it prints the note that it is back.
func (r *Reconnector) up(what string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.outages[what]
	if o == nil {
		return
	}
	delete(r.outages, what)
	close(o.back)
	away := time.Since(o.since).Round(100 * time.Millisecond)
	if what == "" {
		r.note(fmt.Sprintf("note: the Kubernetes API is back after %s", away))
	} else {
		r.note(fmt.Sprintf("note: %s works again after %s", what, away))
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

// answered tells an error the API server answered (a status) from one of a
// server that could not be reached.
func answered(err error) bool {
	var status apierrors.APIStatus
	return errors.As(err, &status)
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
		code := int(status.Status().Code)
		why := string(status.Status().Reason)
		if why == "" {
			why = http.StatusText(code)
		}
		return strings.TrimSpace(fmt.Sprintf("%d %s", code, why))
	}
	return Explain(err).Error()
}

// detail is reason with the server's message, which for a proxied request
// names what behind the server failed (e.g. the kubelet's address refusing).
func detail(err error) string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return reason(err)
	}
	msg := strings.TrimSpace(status.Status().Message)
	if msg == "" {
		return reason(err)
	}
	return reason(err) + ": " + msg
}
