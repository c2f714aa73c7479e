package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
)

// ContainerLog is the log of one container instance. Open and Resume make it
// a logmerge.Source.
type ContainerLog struct {
	Client    *Client
	Namespace string
	Pod       string
	// ContainerID is the instance being read ("" when the status has none):
	// a stream is reopened only while the same instance runs.
	ContainerID string
	// Options is the request, Container included. After a cut the stream is
	// reopened from its last line instead of --tail and --since.
	Options corev1.PodLogOptions
	// MessageLimit is --limit-bytes when the request asks for timestamps the
	// user does not see: the API counts the limit over what it sends, kubectl
	// over the messages, so it is applied here (Options.LimitBytes is nil).
	MessageLimit *int64
	// Fresh means the instance started after the command did: all of its
	// lines are new, so --tail and --since do not apply.
	Fresh bool

	// Until is when the command started: without follow, a read that got a
	// line later than it has everything that was logged before.
	Until time.Time
	// Reopens counts the requests made after the first.
	Reopens int

	lastResume time.Time
	exited     bool // the instance was seen terminated before the last read
}

// Open requests the log; since (after a cut) replaces --tail and --since.
func (l *ContainerLog) Open(ctx context.Context, since time.Time) (io.ReadCloser, error) {
	o := l.Options
	if !since.IsZero() || l.Fresh {
		o.SinceSeconds, o.SinceTime, o.TailLines = nil, nil, nil
	}
	if !since.IsZero() {
		o.SinceTime = &metav1.Time{Time: since}
	}
	rc, err := l.stream(ctx, &o)
	if err == nil && !since.IsZero() && o.Follow && l.ContainerID != "" {
		rc, err = l.sameInstance(ctx, rc, o)
	}
	if err != nil {
		return nil, err
	}
	if l.MessageLimit != nil {
		return &messageLimiter{rc: rc, left: *l.MessageLimit, inStamp: true}, nil
	}
	return rc, nil
}

func (l *ContainerLog) stream(ctx context.Context, o *corev1.PodLogOptions) (io.ReadCloser, error) {
	var rc io.ReadCloser
	what := fmt.Sprintf("reading the logs of pod/%s container %s", l.Pod, l.Options.Container)
	err := l.Client.Reconnect.DoFor(ctx, what, func(ctx context.Context) error {
		var err error
		rc, err = l.Client.CS.CoreV1().Pods(l.Namespace).GetLogs(l.Pod, o).Stream(ctx)
		return err
	})
	if err != nil && !errors.Is(err, ErrGaveUp) {
		err = Explain(err)
	}
	return rc, err
}

// sameInstance makes sure a reopened follow reads the instance it was
// reading. The kubelet serves whichever instance runs when the request
// arrives; had the container restarted between the status check (Resume)
// and the reopen, this stream would print the new instance's lines, which
// the pod watch also attaches as a stream of their own: each printed twice.
// So the status is read again once the stream is open: if another instance
// runs now, the stream is replaced by a read of the previous instance (the
// one this stream was following) from the same time, without follow, and
// Resume then ends it (its instance is gone).
func (l *ContainerLog) sameInstance(ctx context.Context, rc io.ReadCloser, o corev1.PodLogOptions) (io.ReadCloser, error) {
	pod, err := l.getPod(ctx)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return rc, nil
		}
		_ = rc.Close()
		if errors.Is(err, ErrGaveUp) {
			return nil, err
		}
		return nil, explain(err, "pod", l.Pod, l.Namespace)
	}
	st := FindContainerStatus(pod, l.Options.Container)
	if st == nil || st.ContainerID == l.ContainerID {
		return rc, nil
	}
	_ = rc.Close()
	o.Follow, o.Previous = false, true
	return l.stream(ctx, &o)
}

// getPod reads the stream's pod, waiting out an API server that went away.
func (l *ContainerLog) getPod(ctx context.Context) (*corev1.Pod, error) {
	var pod *corev1.Pod
	err := l.Client.Reconnect.Do(ctx, func(ctx context.Context) error {
		var err error
		pod, err = l.Client.CS.CoreV1().Pods(l.Namespace).Get(ctx, l.Pod, metav1.GetOptions{})
		return err
	})
	return pod, err
}

// messageLimiter ends a timestamped log after limit bytes of messages
// (newlines included, timestamps and their space not), as the kubelet's
// limitBytes does for a log read without timestamps.
type messageLimiter struct {
	rc      io.ReadCloser
	left    int64
	inStamp bool
}

func (m *messageLimiter) Read(p []byte) (int, error) {
	if m.left <= 0 {
		return 0, io.EOF
	}
	n, err := m.rc.Read(p)
	for i := 0; i < n; i++ {
		if m.inStamp {
			m.inStamp = p[i] != ' '
			continue
		}
		m.left--
		if p[i] == '\n' {
			m.inStamp = true
		}
		if m.left == 0 {
			return i + 1, nil
		}
	}
	return n, err
}

func (m *messageLimiter) Close() error { return m.rc.Close() }

// Resume tells whether a stream that ended is read again from its last
// line. The API server hides a broken kubelet stream behind a clean end, with
// or without follow, so an end proves nothing by itself; a reopen that brings
// no new line confirms it. A read that ends on purpose (a byte limit) or
// without timestamps to reopen from is never resumed.
func (l *ContainerLog) Resume(ctx context.Context, end logmerge.StreamEnd) (bool, error) {
	if l.Options.LimitBytes != nil || l.MessageLimit != nil || !l.Options.Timestamps {
		return false, nil
	}
	if !l.Options.Follow || l.Options.Previous {
		return l.confirmEnd(end), nil
	}
	return l.followOn(ctx, end)
}

// confirmEnd decides for a read without follow: read again until a reopen
// brings nothing, or until a line later than the command's start (Until)
// has been read: whatever was logged before it was read too.
func (l *ContainerLog) confirmEnd(end logmerge.StreamEnd) bool {
	switch {
	case end.Last.IsZero():
		return false
	case end.Reopened && end.NewLines == 0:
		return false
	case !l.Until.IsZero() && !end.Last.Before(l.Until):
		return false
	}
	l.Reopens++
	return true
}

// followOn decides for a followed stream: reopen it while the same instance
// runs, and after it exited until a read that began after the exit brings
// nothing (what it wrote between a cut and its end). A new instance is left
// to the pod watch, which attaches it as a stream of its own.
func (l *ContainerLog) followOn(ctx context.Context, end logmerge.StreamEnd) (bool, error) {
	// A stream that keeps ending at once must not spin.
	if l.Reopens > 0 && time.Since(l.lastResume) < time.Second {
		select {
		case <-time.After(time.Duration(min(l.Reopens, 10)) * 200 * time.Millisecond):
		case <-ctx.Done():
			return false, nil
		}
	}
	pod, err := l.getPod(ctx)
	if err != nil {
		if apierrors.IsNotFound(err) || ctx.Err() != nil {
			return false, nil
		}
		if errors.Is(err, ErrGaveUp) {
			return false, err
		}
		return false, explain(err, "pod", l.Pod, l.Namespace)
	}
	st := FindContainerStatus(pod, l.Options.Container)
	if st == nil || (l.ContainerID != "" && st.ContainerID != l.ContainerID) {
		return false, nil
	}
	switch {
	case st.State.Running != nil:
	case st.State.Terminated != nil:
		if l.exited && end.NewLines == 0 {
			return false, nil
		}
		l.exited = true
	default:
		return false, nil
	}
	l.Reopens++
	l.lastResume = time.Now()
	return true, nil
}

// FindContainerStatus returns the status of a container of any kind, or nil.
func FindContainerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses, pod.Status.EphemeralContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}
