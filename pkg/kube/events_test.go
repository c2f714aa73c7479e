package kube

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// The events of a pod are followed from the version listed; when that
// version has expired (410) they are listed again and followed from the new
// list, and every event reaches the handler.
func TestWatchPodEventsRelistsWhenGone(t *testing.T) {
	noDelay(t)
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "nx", Namespace: "default", UID: "u1"}}
	cs := fake.NewClientset()
	lists := 0
	cs.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
		lists++
		return true, &corev1.EventList{ListMeta: metav1.ListMeta{ResourceVersion: "20"}, Items: []corev1.Event{
			{ObjectMeta: metav1.ObjectMeta{Name: "listed", ResourceVersion: "19"}, Reason: "Pulling"}}}, nil
	})
	var mu sync.Mutex
	var rvs, selectors []string
	fw := watch.NewFakeWithChanSize(1, false)
	cs.PrependWatchReactor("events", func(a k8stesting.Action) (bool, watch.Interface, error) {
		mu.Lock()
		defer mu.Unlock()
		r := a.(k8stesting.WatchActionImpl).WatchRestrictions
		rvs = append(rvs, r.ResourceVersion)
		selectors = append(selectors, r.Fields.String())
		if len(rvs) == 1 {
			return true, nil, apierrors.NewResourceExpired("too old resource version")
		}
		return true, fw, nil
	})
	fw.Add(&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "watched", ResourceVersion: "21"}, Reason: "Pulled"})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []string
	err := (&Client{CS: cs}).WatchPodEvents(ctx, p, "10", func(e *corev1.Event) error {
		got = append(got, e.Name)
		if e.Name == "watched" {
			cancel()
		}
		return nil
	})
	require.NoError(t, err, "ctx ended: no error")
	assert.Equal(t, []string{"listed", "watched"}, got)
	assert.Equal(t, 1, lists)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"10", "20"}, rvs)
	for _, s := range selectors {
		assert.Contains(t, s, "involvedObject.uid=u1")
	}
}
