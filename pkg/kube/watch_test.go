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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
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
	old := relistDelay
	relistDelay = 0
	t.Cleanup(func() { relistDelay = old })
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

	list, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	cs.ClearActions()

	var seen []string
	err = (&Client{CS: cs}).WatchPod(context.Background(), "default", "nx", "10", func(p *corev1.Pod) (bool, error) {
		seen = append(seen, p.ResourceVersion)
		return p.Status.Phase == corev1.PodRunning, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"11", "30", "31"}, seen, "the change, the re-listed pod, the final change")
	assert.Equal(t, []string{"10", "11", list.ResourceVersion}, w.rvs, "each watch starts where the last one left off, or at the list")
	var verbs []string
	for _, a := range cs.Actions() {
		verbs = append(verbs, a.GetVerb())
	}
	assert.Equal(t, []string{"watch", "watch", "list", "watch"}, verbs, "one list, after the 410")
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
		// RBAC refuses the request itself, before any event.
		cs := fake.NewClientset()
		cs.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "nx", errors.New(`User "dev" cannot watch resource "pods"`))
		})
		err := (&Client{CS: cs}).WatchPod(context.Background(), "default", "nx", "1", func(*corev1.Pod) (bool, error) { return false, nil })
		require.Error(t, err)
		assert.Contains(t, err.Error(), `cannot watch resource "pods"`)
	})
	t.Run("gone after a 410", func(t *testing.T) {
		// The version expired and the list no longer has the pod: it was
		// deleted while nobody watched.
		cs := fake.NewClientset()
		fw := watch.NewFakeWithChanSize(1, false)
		cs.PrependWatchReactor("pods", (&watches{servers: []*watch.FakeWatcher{fw}}).react)
		fw.Error(&metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonExpired})
		err := (&Client{CS: cs}).WatchPod(context.Background(), "default", "nx", "1", func(*corev1.Pod) (bool, error) { return false, nil })
		assert.ErrorIs(t, err, ErrPodDeleted)
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

func webPod(name, rv string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", ResourceVersion: rv, Labels: map[string]string{"app": "web"}}}
}

// logs -f: the pods of a selector are listed, then watched; a closed watch
// resumes from the last version, a 410 (as an event, or refusing the request)
// lists again and reports the pods that went away meanwhile.
func TestWatchPodsListsResumesAndRelists(t *testing.T) {
	for _, refused := range []bool{false, true} {
		t.Run(map[bool]string{false: "410 event", true: "410 refusal"}[refused], func(t *testing.T) {
			noDelay(t)
			cs := fake.NewClientset(webPod("a", "5"), webPod("b", "6"))
			first := watch.NewFakeWithChanSize(4, false)
			first.Modify(webPod("a", "7"))
			first.Stop() // the server's timeout
			second := watch.NewFakeWithChanSize(4, false)
			second.Error(&metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonExpired, Message: "too old resource version"})
			third := watch.NewFakeWithChanSize(4, false)
			third.Add(webPod("c", "9"))
			gvr := corev1.SchemeGroupVersion.WithResource("pods")
			var mu sync.Mutex
			var rvs, selectors []string
			cs.PrependWatchReactor("pods", func(action k8stesting.Action) (bool, watch.Interface, error) {
				mu.Lock()
				defer mu.Unlock()
				r := action.(k8stesting.WatchActionImpl).WatchRestrictions
				rvs = append(rvs, r.ResourceVersion)
				selectors = append(selectors, r.Labels.String())
				switch len(rvs) {
				case 1:
					return true, first, nil
				case 2:
					// b is deleted while the watch is down.
					require.NoError(t, cs.Tracker().Delete(gvr, "default", "b"))
					if refused {
						return true, nil, apierrors.NewResourceExpired("too old resource version: 7 (20)")
					}
					return true, second, nil
				case 3:
					return true, third, nil
				}
				return true, nil, errors.New("unexpected extra watch")
			})

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			events := make(chan PodEvent)
			done := make(chan error, 1)
			go func() {
				done <- (&Client{CS: cs}).WatchPods(ctx, Query{Namespace: "default", Selector: "app=web"}, events)
			}()
			var got []string
			for len(got) < 6 {
				select {
				case ev := <-events:
					s := ev.Pod.Name + "@" + ev.Pod.ResourceVersion
					if ev.Deleted {
						s = ev.Pod.Name + " deleted"
					}
					got = append(got, s)
				case <-time.After(5 * time.Second):
					t.Fatalf("events so far: %v", got)
				}
			}
			cancel()
			require.NoError(t, <-done, "ctx's end is no error")
			assert.Equal(t, []string{"a@5", "b@6", "a@7", "a@5", "b deleted", "c@9"}, got,
				"the list, the change, the re-list with b gone, the new pod")
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, rvs, 3)
			assert.Equal(t, "7", rvs[1], "the closed watch resumes from the last version")
			assert.NotEqual(t, "7", rvs[2], "after the 410 the watch starts at the new list")
			for _, s := range selectors {
				assert.Equal(t, "app=web", s)
			}
		})
	}
}
