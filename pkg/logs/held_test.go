package logs

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// clock is a time that tests move by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func webEvent(uid string, at time.Time) *corev1.Event {
	return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: uid, UID: types.UID(uid),
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-1"},
		FirstTimestamp: metav1.NewTime(at), LastTimestamp: metav1.NewTime(at), Count: 1}
}

func uids(evs []*corev1.Event) []types.UID {
	var out []types.UID
	for _, e := range evs {
		out = append(out, e.UID)
	}
	return out
}

func heldCount(h *heldEvents) (pods, events int) {
	for _, p := range h.byPod {
		events += len(p.events)
	}
	return len(h.byPod), events
}

func TestHeldEventsAreTakenInTimeOrder(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	h := newHeldEvents(c.now)
	at := func(s int) time.Time { return c.t.Add(time.Duration(s) * time.Second) }
	h.hold("default/web-1", webEvent("pulled", at(2)))
	h.hold("default/web-1", webEvent("scheduled", at(0)))
	h.hold("default/web-2", webEvent("other", at(1)))
	// A repeat counted on a held event replaces it.
	again := webEvent("pulled", at(2))
	again.Count = 2
	h.hold("default/web-1", again)

	got := h.take("default/web-1")
	assert.Equal(t, []types.UID{"scheduled", "pulled"}, uids(got))
	assert.Equal(t, int32(2), got[1].Count)
	assert.Nil(t, got[0].ManagedFields, "held without managed fields")
	assert.Empty(t, h.take("default/web-1"), "taken once")
	pods, events := heldCount(h)
	assert.Equal(t, 1, pods)
	assert.Equal(t, 1, events)
}

// A pod never seen costs nothing after holdFor, and at most maxHeldPerPod
// events for each of at most maxHeldPods pods meanwhile.
func TestHeldEventsAreBounded(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	h := newHeldEvents(c.now)
	for i := range maxHeldPerPod + 5 {
		h.hold("default/web-1", webEvent(fmt.Sprintf("e%d", i), c.t))
	}
	got := h.take("default/web-1")
	require.Len(t, got, maxHeldPerPod)
	assert.Equal(t, types.UID("e0"), got[0].UID, "a pod's first events are kept")

	for i := range maxHeldPods + 3 {
		c.t = c.t.Add(time.Millisecond)
		h.hold(fmt.Sprintf("default/pod-%d", i), webEvent(fmt.Sprintf("p%d", i), c.t))
	}
	pods, _ := heldCount(h)
	assert.Equal(t, maxHeldPods, pods)
	assert.Empty(t, h.take("default/pod-0"), "the pod held longest made room")
	assert.NotEmpty(t, h.take(fmt.Sprintf("default/pod-%d", maxHeldPods+2)))

	c.t = c.t.Add(holdFor)
	h.hold("default/late", webEvent("late", c.t))
	pods, events := heldCount(h)
	assert.Equal(t, 1, pods, "the pods never seen were dropped after %s", holdFor)
	assert.Equal(t, 1, events)
	c.t = c.t.Add(holdFor)
	assert.Empty(t, h.take("default/late"))
	pods, _ = heldCount(h)
	assert.Zero(t, pods)
}
