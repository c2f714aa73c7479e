package kube

import (
	"context"

	corev1 "k8s.io/api/core/v1"
)

// EventChange is called with each event of a watched pod as it is created
// or updated (a repeated event comes back with a higher count).
type EventChange func(e *corev1.Event) error

// podEvents selects the events about one pod, as kubectl describe does.
func podEvents(p *corev1.Pod) EventQuery {
	return EventQuery{Namespace: p.Namespace, Pod: p.Name, UID: string(p.UID)}
}

// PodEvents lists the events of one pod and the version of the list, from
// which WatchPodEvents follows them.
func (c *Client) PodEvents(ctx context.Context, p *corev1.Pod) ([]corev1.Event, string, error) {
	return c.ListEvents(ctx, podEvents(p))
}

// WatchPodEvents follows the events of one pod from resourceVersion (see
// WatchEvents) until ctx ends; then it returns nil.
func (c *Client) WatchPodEvents(ctx context.Context, p *corev1.Pod, resourceVersion string, onEvent EventChange) error {
	return c.WatchEvents(ctx, podEvents(p), resourceVersion, onEvent)
}
