package kube

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	watchtools "k8s.io/client-go/tools/watch"
)

// EventChange is called with each event of a watched pod as it is created
// or updated (a repeated event comes back with a higher count).
type EventChange func(e *corev1.Event) error

// podEventSelector selects the events about one pod, as kubectl describe does.
func podEventSelector(p *corev1.Pod) string {
	return fields.Set{
		"involvedObject.kind":      "Pod",
		"involvedObject.name":      p.Name,
		"involvedObject.namespace": p.Namespace,
		"involvedObject.uid":       string(p.UID),
	}.AsSelector().String()
}

// PodEvents lists the events of one pod and the version of the list, from
// which WatchPodEvents follows them.
func (c *Client) PodEvents(ctx context.Context, p *corev1.Pod) ([]corev1.Event, string, error) {
	list, err := c.CS.CoreV1().Events(p.Namespace).List(ctx, metav1.ListOptions{FieldSelector: podEventSelector(p)})
	if err != nil {
		return nil, "", explain(err, "events", "", p.Namespace)
	}
	return list.Items, list.ResourceVersion, nil
}

// WatchPodEvents follows the events of one pod from resourceVersion with one
// watch request (client-go's RetryWatcher reopens it from the last version
// seen when the server closes it, as WatchPod does) until ctx ends; then it
// returns nil. When
// the version has expired the events are listed again and all handed to
// onEvent, which tells new occurrences from those it has seen.
func (c *Client) WatchPodEvents(ctx context.Context, p *corev1.Pod, resourceVersion string, onEvent EventChange) error {
	rv := resourceVersion
	for {
		if rv == "" || rv == "0" {
			items, listRV, err := c.PodEvents(ctx, p)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return err
			}
			for i := range items {
				if err := onEvent(&items[i]); err != nil {
					return err
				}
			}
			rv = listRV
		}
		err := c.watchEventsFrom(ctx, p, rv, onEvent)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		rv = ""
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(relistDelay):
		}
	}
}

// watchEventsFrom reads one RetryWatcher until ctx ends or it stops (an
// expired version, or an error it does not retry).
func (c *Client) watchEventsFrom(ctx context.Context, p *corev1.Pod, rv string, onEvent EventChange) error {
	events := c.CS.CoreV1().Events(p.Namespace)
	sel := podEventSelector(p)
	source := watcherFunc(func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		opts.FieldSelector = sel
		w, err := events.Watch(ctx, opts)
		if isGone(err) {
			return expired(err), nil // as the pod watch does: list again
		}
		return w, err
	})
	rw, err := watchtools.NewRetryWatcherWithContext(ctx, rv, source)
	if err != nil {
		return fmt.Errorf("cannot watch events: %w", err)
	}
	defer func() {
		rw.Stop()
		<-rw.Done()
	}()
	for ev := range rw.ResultChan() {
		switch ev.Type {
		case watch.Added, watch.Modified:
			if e, ok := ev.Object.(*corev1.Event); ok {
				if err := onEvent(e); err != nil {
					return err
				}
			}
		case watch.Error:
			err := apierrors.FromObject(ev.Object)
			if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
				return fmt.Errorf("cannot watch events: %w", Explain(err))
			}
			return nil // expired or stopped: list again
		}
	}
	return nil
}
