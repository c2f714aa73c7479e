package kube

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	watchtools "k8s.io/client-go/tools/watch"
)

// EventQuery selects pods' events in one namespace ("" for all of them):
// those of one pod when Pod is set, by field selector; else those of every
// pod, for the caller to filter (field selectors cannot say "one of").
type EventQuery struct {
	Namespace string
	Pod       string
	// UID narrows Pod to one incarnation of the name.
	UID string
}

func (q EventQuery) options(resourceVersion string) metav1.ListOptions {
	set := fields.Set{"involvedObject.kind": "Pod"}
	if q.Pod != "" {
		set["involvedObject.name"] = q.Pod
	}
	if q.UID != "" {
		set["involvedObject.uid"] = q.UID
	}
	return metav1.ListOptions{FieldSelector: set.AsSelector().String(), ResourceVersion: resourceVersion}
}

// ListEvents returns the events the query selects and the list's version,
// to watch from.
func (c *Client) ListEvents(ctx context.Context, q EventQuery) ([]corev1.Event, string, error) {
	list, err := c.CS.CoreV1().Events(q.Namespace).List(ctx, q.options(""))
	if err != nil {
		return nil, "", explain(err, "events", "", q.Namespace)
	}
	return list.Items, list.ResourceVersion, nil
}

// WatchEvents hands every event the query selects that is added or changed
// after resourceVersion to handle, through one watch request that
// client-go's RetryWatcher reopens when the server closes it. When the
// version has expired the events are listed again and all handed over:
// handle must drop what it has shown. It returns nil when ctx ends.
func (c *Client) WatchEvents(ctx context.Context, q EventQuery, resourceVersion string, handle func(*corev1.Event) error) error {
	rv := resourceVersion
	for {
		if rv == "" || rv == "0" {
			items, listRV, err := c.ListEvents(ctx, q)
			switch {
			case ctx.Err() != nil:
				return nil
			case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
				return err
			case err != nil:
				if !sleepCtx(ctx, relistDelay) {
					return nil
				}
				continue
			}
			for i := range items {
				if err := handle(&items[i]); err != nil {
					return err
				}
			}
			rv = listRV
		}
		gone, err := c.watchEventsFrom(ctx, q, rv, handle)
		if err != nil || ctx.Err() != nil {
			return err
		}
		if !gone && !sleepCtx(ctx, relistDelay) {
			return nil
		}
		rv = ""
	}
}

// watchEventsFrom follows the query from rv until ctx ends, handle fails or
// the watcher stops; gone means the version expired.
func (c *Client) watchEventsFrom(ctx context.Context, q EventQuery, rv string, handle func(*corev1.Event) error) (gone bool, err error) {
	events := c.CS.CoreV1().Events(q.Namespace)
	ctx, giveUp := context.WithCancelCause(ctx)
	defer giveUp(nil)
	source := c.reconnectingWatcher(giveUp, func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		opts.FieldSelector = q.options("").FieldSelector
		return events.Watch(ctx, opts)
	})
	rw, err := watchtools.NewRetryWatcherWithContext(ctx, rv, source)
	if err != nil {
		return false, err
	}
	defer func() {
		rw.Stop()
		<-rw.Done()
	}()
	defer func() {
		if cause := context.Cause(ctx); errors.Is(cause, ErrGaveUp) {
			gone, err = false, cause
		}
	}()
	for ev := range rw.ResultChan() {
		switch ev.Type {
		case watch.Added, watch.Modified:
			if e, ok := ev.Object.(*corev1.Event); ok {
				if err := handle(e); err != nil {
					return false, err
				}
			}
		case watch.Error:
			err := apierrors.FromObject(ev.Object)
			switch {
			case isGone(err):
				return true, nil
			case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
				return false, fmt.Errorf("cannot watch events: %w", Explain(err))
			}
			return false, nil
		}
	}
	return false, nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}
