package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
)

func TestUnreachable(t *testing.T) {
	refused := &url.Error{Op: "Get", URL: "https://127.0.0.1:6443/api", Err: syscall.ECONNREFUSED}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"GOAWAY", errors.New("http2: server sent GOAWAY and closed the connection; LastStreamID=1"), true},
		{"closed early", io.ErrUnexpectedEOF, true},
		{"503", apierrors.NewServiceUnavailable("shutting down"), true},
		{"500", apierrors.NewInternalError(errors.New("etcd")), true},
		{"429", apierrors.NewTooManyRequests("slow down", 1), true},
		{"not found", apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "nx"), false},
		{"forbidden", apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "nx", errors.New("no")), false},
		{"other", errors.New("bad request"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, Unreachable(c.err)) })
	}
}

func fastReconnector(timeout time.Duration, notes *[]string) *Reconnector {
	return &Reconnector{Timeout: timeout, Note: func(m string) { *notes = append(*notes, m) },
		Backoff: wait.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 1 << 30}}
}

func TestReconnectorWaitsForTheServer(t *testing.T) {
	var notes []string
	r := fastReconnector(time.Minute, &notes)
	calls := 0
	refused := &url.Error{Op: "Get", URL: "https://127.0.0.1:6443/api", Err: syscall.ECONNREFUSED}
	err := r.Do(context.Background(), func(context.Context) error {
		calls++
		if calls < 4 {
			return refused
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 4, calls)
	require.Len(t, notes, 2, "one note when it goes, one when it is back")
	assert.Equal(t, "note: lost the Kubernetes API (connection refused); reconnecting for up to 1m0s", notes[0])
	assert.Regexp(t, `^note: the Kubernetes API is back after \S+$`, notes[1])

	// A request the server answered is not retried.
	calls = 0
	notFound := apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "nx")
	err = r.Do(context.Background(), func(context.Context) error { calls++; return notFound })
	assert.Equal(t, notFound, err)
	assert.Equal(t, 1, calls)
	assert.Len(t, notes, 2)
}

func TestReconnectorGivesUp(t *testing.T) {
	var notes []string
	r := fastReconnector(50*time.Millisecond, &notes)
	err := r.Do(context.Background(), func(context.Context) error { return apierrors.NewServiceUnavailable("down") })
	require.ErrorIs(t, err, ErrGaveUp)
	assert.Regexp(t, `^gave up reconnecting: the Kubernetes API has been unreachable for 0s \(--reconnect-timeout=50ms\): 503 ServiceUnavailable$`, err.Error())
	assert.Len(t, notes, 1)
}

func TestReconnectorStopsWithItsContext(t *testing.T) {
	var notes []string
	r := fastReconnector(time.Hour, &notes)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := r.Do(ctx, func(context.Context) error {
		if calls++; calls == 3 {
			cancel()
		}
		return io.EOF
	})
	require.ErrorIs(t, err, context.Canceled)
}

func TestNilReconnectorRunsOnce(t *testing.T) {
	var r *Reconnector
	calls := 0
	err := r.Do(context.Background(), func(context.Context) error { calls++; return io.EOF })
	assert.Equal(t, io.EOF, err)
	assert.Equal(t, 1, calls)
}

// The API server proxies a log read to the kubelet; a kubelet that cannot be
// reached comes back as a 500 with the dial error in its message. That is
// the container's log failing, not the API server lost, and the server's
// other requests going through meanwhile do not end it.
func TestReconnectorTellsAFailingLogFromALostServer(t *testing.T) {
	var notes []string
	r := fastReconnector(time.Minute, &notes)
	kubeletDown := apierrors.NewInternalError(errors.New(`Get "https://127.0.0.1:10250/containerLogs/ns/nx/app": dial tcp 127.0.0.1:10250: connect: connection refused`))
	kubeletDown.ErrStatus.Reason = "" // as kube-apiserver sends it for a proxied log
	kubeletDown.ErrStatus.Message = `Get "https://127.0.0.1:10250/containerLogs/ns/nx/app": dial tcp 127.0.0.1:10250: connect: connection refused`
	what := "reading the logs of pod/nx container app"
	calls := 0
	err := r.DoFor(context.Background(), what, func(context.Context) error {
		calls++
		if calls < 4 {
			// The pod check of another stream goes through in between.
			require.NoError(t, r.Do(context.Background(), func(context.Context) error { return nil }))
			return kubeletDown
		}
		return nil
	})
	require.NoError(t, err)
	require.Len(t, notes, 2, "%q", notes)
	assert.Equal(t, `note: reading the logs of pod/nx container app fails (500 Internal Server Error: Get "https://127.0.0.1:10250/containerLogs/ns/nx/app": dial tcp 127.0.0.1:10250: connect: connection refused); retrying for up to 1m0s`, notes[0])
	assert.Regexp(t, `^note: reading the logs of pod/nx container app works again after \S+$`, notes[1])

	// Not answered at all: the server itself is lost, whatever the request.
	notes = nil
	refused := &url.Error{Op: "Get", URL: "https://127.0.0.1:6443/api", Err: syscall.ECONNREFUSED}
	calls = 0
	err = r.DoFor(context.Background(), what, func(context.Context) error {
		if calls++; calls < 2 {
			return refused
		}
		return nil
	})
	require.NoError(t, err)
	require.Len(t, notes, 2, "%q", notes)
	assert.Equal(t, "note: lost the Kubernetes API (connection refused); reconnecting for up to 1m0s", notes[0])
	assert.Regexp(t, `^note: the Kubernetes API is back after \S+$`, notes[1])
}

func TestReconnectorGivesUpOnAFailingLog(t *testing.T) {
	var notes []string
	r := fastReconnector(50*time.Millisecond, &notes)
	err := r.DoFor(context.Background(), "reading the logs of pod/nx container app", func(context.Context) error {
		return apierrors.NewServiceUnavailable("kubelet restarting")
	})
	require.ErrorIs(t, err, ErrGaveUp)
	assert.Regexp(t, `^gave up reconnecting: reading the logs of pod/nx container app has failed for 0s \(--reconnect-timeout=50ms\): 503 ServiceUnavailable: kubelet restarting$`, err.Error())
	assert.Len(t, notes, 1)
}
