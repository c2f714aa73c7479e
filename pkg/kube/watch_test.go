package kube

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func pod(rv string, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "nx", Namespace: "default", ResourceVersion: rv},
		Status: corev1.PodStatus{Phase: phase}}
}

// watches serves the given fake watchers, one per Watch call, and records
// what each call asked for.
type watches struct {
	mu       sync.Mutex
	servers  []*watch.FakeWatcher
	rvs      []string
	selector []string
}

func (w *watches) react(action k8stesting.Action) (bool, watch.Interface, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := action.(k8stesting.WatchActionImpl).WatchRestrictions
	w.rvs = append(w.rvs, r.ResourceVersion)
	w.selector = append(w.selector, r.Fields.String())
	if len(w.rvs) > len(w.servers) {
		return true, nil, errors.New("unexpected extra watch")
	}
	return true, w.servers[len(w.rvs)-1], nil
}

func noDelay(t *testing.T) {
	old := resumeDelay
	resumeDelay = 0
	t.Cleanup(func() { resumeDelay = old })
}

func TestWatchPodResumesAndRelists(t *testing.T) {
	noDelay(t)
	cs := fake.NewClientset(pod("30", corev1.PodPending))
	first := watch.NewFakeWithChanSize(4, false)
	second := watch.NewFakeWithChanSize(4, false)
	third := watch.NewFakeWithChanSize(4, false)
	w := &watches{servers: []*watch.FakeWatcher{first, second, third}}
	cs.PrependWatchReactor("pods", w.react)

	// The server sends one change, then closes the watch (a timeout).
	first.Modify(pod("11", corev1.PodPending))
	first.Stop()
	// Resumed from 11, but the server has compacted it: 410 Gone.
	second.Error(&metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonExpired, Message: "too old resource version: 11 (25)"})
	// After the re-list the pod runs.
	third.Modify(pod("31", corev1.PodRunning))

	var seen []string
	err := (&Client{CS: cs}).WatchPod(context.Background(), "default", "nx", "10", func(p *corev1.Pod) (bool, error) {
		seen = append(seen, p.ResourceVersion)
		return p.Status.Phase == corev1.PodRunning, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"11", "30", "31"}, seen, "the change, the re-listed pod, the final change")
	assert.Equal(t, []string{"10", "11", "30"}, w.rvs, "each watch starts where the last one left off")
	for _, s := range w.selector {
		assert.Equal(t, "metadata.name=nx", s)
	}
	assert.True(t, third.IsStopped(), "the last watch is stopped")
}

func TestWatchPodIsOneRequestWhileItLasts(t *testing.T) {
	noDelay(t)
	cs := fake.NewClientset()
	only := watch.NewFakeWithChanSize(8, false)
	w := &watches{servers: []*watch.FakeWatcher{only}}
	cs.PrependWatchReactor("pods", w.react)
	for _, rv := range []string{"2", "3", "4", "5"} {
		only.Modify(pod(rv, corev1.PodPending))
	}
	only.Action(watch.Bookmark, pod("6", ""))
	only.Modify(pod("7", corev1.PodSucceeded))
	n := 0
	err := (&Client{CS: cs}).WatchPod(context.Background(), "default", "nx", "1", func(p *corev1.Pod) (bool, error) {
		n++
		return p.Status.Phase == corev1.PodSucceeded, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	assert.Len(t, w.rvs, 1)
	for _, a := range cs.Fake.Actions() {
		assert.Equal(t, "watch", a.GetVerb(), "no polling")
	}
}

func TestWatchPodEndsOnCancelWithoutLeaks(t *testing.T) {
	noDelay(t)
	cs := fake.NewClientset()
	quiet := watch.NewFake()
	w := &watches{servers: []*watch.FakeWatcher{quiet}}
	cs.PrependWatchReactor("pods", w.react)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- (&Client{CS: cs}).WatchPod(ctx, "default", "nx", "1", func(*corev1.Pod) (bool, error) { return false, nil })
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("WatchPod did not return after cancel")
	}
	assert.True(t, quiet.IsStopped(), "the watch is stopped")
	// Polled by hand: assert.Eventually runs its condition in goroutines of its own.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left behind")
}

func TestWatchPodDeletedAndErrors(t *testing.T) {
	noDelay(t)
	t.Run("deleted", func(t *testing.T) {
		cs := fake.NewClientset()
		fw := watch.NewFakeWithChanSize(1, false)
		cs.PrependWatchReactor("pods", (&watches{servers: []*watch.FakeWatcher{fw}}).react)
		fw.Delete(pod("5", corev1.PodPending))
		err := (&Client{CS: cs}).WatchPod(context.Background(), "default", "nx", "1", func(*corev1.Pod) (bool, error) { return false, nil })
		assert.ErrorIs(t, err, ErrPodDeleted)
	})
	t.Run("forbidden", func(t *testing.T) {
		cs := fake.NewClientset()
		fw := watch.NewFakeWithChanSize(1, false)
		cs.PrependWatchReactor("pods", (&watches{servers: []*watch.FakeWatcher{fw}}).react)
		fw.Error(&metav1.Status{Status: metav1.StatusFailure, Code: 403, Reason: metav1.StatusReasonForbidden, Message: `pods "nx" is forbidden: User "dev" cannot watch resource "pods"`})
		err := (&Client{CS: cs}).WatchPod(context.Background(), "default", "nx", "1", func(*corev1.Pod) (bool, error) { return false, nil })
		require.Error(t, err)
		assert.Contains(t, err.Error(), `cannot watch resource "pods"`)
	})
	t.Run("callback error stops", func(t *testing.T) {
		cs := fake.NewClientset()
		fw := watch.NewFakeWithChanSize(1, false)
		cs.PrependWatchReactor("pods", (&watches{servers: []*watch.FakeWatcher{fw}}).react)
		fw.Modify(pod("2", corev1.PodPending))
		boom := errors.New("boom")
		err := (&Client{CS: cs}).WatchPod(context.Background(), "default", "nx", "1", func(*corev1.Pod) (bool, error) { return false, boom })
		assert.ErrorIs(t, err, boom)
		assert.True(t, fw.IsStopped())
	})
}
