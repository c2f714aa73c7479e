package logs

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Bounds of the events held for pods not seen yet (heldEvents). The pod
// watch is usually behind the events watch by milliseconds, seconds when
// it reconnects; a pod not seen within holdFor is taken for one the
// selector does not match.
const (
	holdFor       = 30 * time.Second
	maxHeldPerPod = 32
	maxHeldPods   = 256
)

// heldEvents keeps, while following a selector, the events of pods that
// the pod watch has not shown yet. The two watches are separate streams:
// a new pod's first events (Scheduled, Pulling) can come before the pod,
// and the filter would drop them as events of a pod not being read. They
// wait here, per pod name, until the pod is seen (take) or too long
// (dropped). Memory is bounded: maxHeldPerPod events for each of at most
// maxHeldPods pods, each for at most holdFor. Not safe for concurrent use.
type heldEvents struct {
	now    func() time.Time
	byPod  map[string]*heldPod // namespace/name
	pruned time.Time
}

type heldPod struct {
	first  time.Time // when its first event was held: the oldest pod goes first
	events []heldEvent
}

type heldEvent struct {
	at time.Time // when it was held
	e  *corev1.Event
}

func newHeldEvents(now func() time.Time) *heldEvents {
	return &heldEvents{now: now, byPod: map[string]*heldPod{}}
}

// hold keeps e for the pod key. A later version of an event held (a repeat
// counted) replaces it; beyond maxHeldPerPod a pod's later events are
// dropped (its first ones tell how it began), and beyond maxHeldPods the
// pod held longest makes room.
func (h *heldEvents) hold(key string, e *corev1.Event) {
	now := h.now()
	h.prune(now)
	p := h.byPod[key]
	if p == nil {
		if len(h.byPod) >= maxHeldPods {
			h.evictOldest()
		}
		p = &heldPod{first: now}
		h.byPod[key] = p
	}
	// A copy without managed fields: a pointer into a listed page would keep
	// the whole page alive.
	c := *e
	c.ManagedFields = nil
	for i := range p.events {
		if sameEvent(p.events[i].e, &c) {
			p.events[i].e = &c
			return
		}
	}
	if len(p.events) < maxHeldPerPod {
		p.events = append(p.events, heldEvent{at: now, e: &c})
	}
}

func sameEvent(a, b *corev1.Event) bool {
	if a.UID != "" || b.UID != "" {
		return a.UID == b.UID
	}
	return a.Namespace == b.Namespace && a.Name == b.Name
}

// take returns the events held for the pod key, in the order they happened,
// and forgets them.
func (h *heldEvents) take(key string) []*corev1.Event {
	h.prune(h.now())
	p := h.byPod[key]
	if p == nil {
		return nil
	}
	delete(h.byPod, key)
	out := make([]*corev1.Event, len(p.events))
	for i := range p.events {
		out[i] = p.events[i].e
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, _, _ := eventTimes(out[i])
		b, _, _ := eventTimes(out[j])
		return a.Before(b)
	})
	return out
}

// prune drops the events held longer than holdFor, and the pods left
// without any; at most once a second, as a busy namespace brings many.
func (h *heldEvents) prune(now time.Time) {
	if now.Sub(h.pruned) < time.Second {
		return
	}
	h.pruned = now
	for key, p := range h.byPod {
		kept := p.events[:0]
		for _, he := range p.events {
			if now.Sub(he.at) < holdFor {
				kept = append(kept, he)
			}
		}
		clear(p.events[len(kept):])
		p.events = kept
		if len(kept) == 0 {
			delete(h.byPod, key)
		}
	}
}

func (h *heldEvents) evictOldest() {
	var oldest string
	var at time.Time
	for key, p := range h.byPod {
		if oldest == "" || p.first.Before(at) {
			oldest, at = key, p.first
		}
	}
	delete(h.byPod, oldest)
}
