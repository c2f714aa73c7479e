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
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	watchtools "k8s.io/client-go/tools/watch"
)

// PodEvent is a change of a watched pod.
type PodEvent struct {
	Pod     *corev1.Pod
	Deleted bool
}

// PodChange is called with every new version of the watched pod; returning
// true ends the watch.
type PodChange func(pod *corev1.Pod) (done bool, err error)

// ErrPodDeleted is returned when the watched pod goes away.
var ErrPodDeleted = errors.New("pod was deleted")

// relistDelay spaces out lists after a watch failed for a reason other than
// an expired version, so that a failing server is not hammered. A variable so
// tests need not wait.
var relistDelay = time.Second

// WatchPod follows one pod from resourceVersion (that of the pod already
// read), calling onChange for each new version. It returns ErrPodDeleted when
// the pod goes away and ctx.Err() when ctx ends.
func (c *Client) WatchPod(ctx context.Context, namespace, name, resourceVersion string, onChange PodChange) error {
	sel := podSelection{namespace: namespace, fields: fields.OneTermEqualSelector("metadata.name", name).String()}
	known := []types.NamespacedName{{Namespace: namespace, Name: name}}
	return c.watch(ctx, sel, resourceVersion, known, func(ev PodEvent) (bool, error) {
		if ev.Deleted {
			return true, ErrPodDeleted
		}
		return onChange(ev.Pod)
	})
}

// WatchPods sends the pods the query selects, and every change of them,
// until ctx ends (then it returns nil). Pods named by name are watched by
// name, TYPE/NAME and -l by label selector.
func (c *Client) WatchPods(ctx context.Context, q Query, events chan<- PodEvent) error {
	sels, err := c.selections(ctx, q)
	if err != nil {
		return err
	}
	send := func(ev PodEvent) (bool, error) {
		select {
		case events <- ev:
			return false, nil
		case <-ctx.Done():
			return true, nil
		}
	}
	errs := make(chan error, len(sels))
	for _, s := range sels {
		go func() { errs <- c.watch(ctx, s, "", nil, send) }()
	}
	var first error
	for range sels {
		if err := <-errs; err != nil && first == nil && ctx.Err() == nil {
			first = err
		}
	}
	return first
}

// podSelection is what one list or watch request selects.
type podSelection struct{ namespace, labels, fields string }

func (s podSelection) options(resourceVersion string) metav1.ListOptions {
	return metav1.ListOptions{LabelSelector: s.labels, FieldSelector: s.fields, ResourceVersion: resourceVersion}
}

// selections turns a query into list requests: a pod named by name is one
// request by name, a workload or -l one by label selector.
func (c *Client) selections(ctx context.Context, q Query) ([]podSelection, error) {
	ns := q.Namespace
	if q.AllNamespaces {
		ns = metav1.NamespaceAll
	}
	var out []podSelection
	if q.Selector != "" || (q.AllNamespaces && len(q.Names) == 0) {
		out = append(out, podSelection{namespace: ns, labels: q.Selector})
	}
	for _, arg := range q.Names {
		ref, err := ParseRef(arg)
		if err != nil {
			return nil, err
		}
		if ref.Type == "pod" {
			out = append(out, podSelection{namespace: q.Namespace, fields: fields.OneTermEqualSelector("metadata.name", ref.Name).String()})
			continue
		}
		sel, err := c.selectorOf(ctx, q.Namespace, ref)
		if err != nil {
			return nil, explain(err, ref.Type, ref.Name, q.Namespace)
		}
		out = append(out, podSelection{namespace: q.Namespace, labels: sel})
	}
	return out, nil
}

// watch calls handle with every pod sel selects and every change of them,
// from resourceVersion, or from a list when it is "" (known then names the
// pods already seen). client-go's RetryWatcher keeps one watch request open
// and reopens it from the last version seen when the server closes it; when
// that version is gone (410) the pods are listed again, and those missing
// from the list are reported deleted. It returns ctx.Err() when ctx ends.
func (c *Client) watch(ctx context.Context, sel podSelection, resourceVersion string, known []types.NamespacedName, handle func(PodEvent) (bool, error)) error {
	seen := map[types.NamespacedName]bool{}
	for _, k := range known {
		seen[k] = true
	}
	rv := resourceVersion
	for {
		if rv == "" {
			var done bool
			var err error
			if rv, done, err = c.relist(ctx, sel, seen, handle); err != nil || done {
				return err
			}
		}
		gone, done, err := c.watchFrom(ctx, sel, rv, seen, handle)
		switch {
		case err != nil || done:
			return err
		case ctx.Err() != nil:
			return ctx.Err()
		case !gone:
			// Not a version problem: give the server a moment before listing.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(relistDelay):
			}
		}
		rv = ""
	}
}

// relist lists the selected pods, hands each to handle and reports those seen
// before but missing now as deleted. It returns the list's version.
func (c *Client) relist(ctx context.Context, sel podSelection, seen map[types.NamespacedName]bool, handle func(PodEvent) (bool, error)) (string, bool, error) {
	for {
		var list *corev1.PodList
		err := c.Reconnect.Do(ctx, func(ctx context.Context) error {
			var err error
			list, err = c.CS.CoreV1().Pods(sel.namespace).List(ctx, sel.options(""))
			return err
		})
		switch {
		case ctx.Err() != nil:
			return "", false, ctx.Err()
		case errors.Is(err, ErrGaveUp):
			return "", false, err
		case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
			return "", false, explain(err, "pods", "", sel.namespace)
		case err != nil:
			select {
			case <-ctx.Done():
				return "", false, ctx.Err()
			case <-time.After(relistDelay):
			}
			continue
		}
		now := make(map[types.NamespacedName]bool, len(list.Items))
		for i := range list.Items {
			p := &list.Items[i]
			now[keyOf(p)] = true
			if done, err := handle(PodEvent{Pod: p}); err != nil || done {
				return "", done, err
			}
		}
		for key := range seen {
			if now[key] {
				continue
			}
			gone := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
			if done, err := handle(PodEvent{Pod: gone, Deleted: true}); err != nil || done {
				return "", done, err
			}
		}
		clear(seen)
		for key := range now {
			seen[key] = true
		}
		return list.ResourceVersion, false, nil
	}
}

func keyOf(p *corev1.Pod) types.NamespacedName {
	return types.NamespacedName{Namespace: p.Namespace, Name: p.Name}
}

// watchFrom follows the selection from rv with one RetryWatcher until ctx
// ends, handle is done, or the watcher gives up. gone means the version
// expired (a list starts again from now).
func (c *Client) watchFrom(ctx context.Context, sel podSelection, rv string, seen map[types.NamespacedName]bool, handle func(PodEvent) (bool, error)) (gone, done bool, err error) {
	pods := c.CS.CoreV1().Pods(sel.namespace)
	// The RetryWatcher retries a failed watch request for ever, quietly;
	// the reconnector waits for the server instead, with its notes, and its
	// giving up ends the watch.
	ctx, giveUp := context.WithCancelCause(ctx)
	defer giveUp(nil)
	source := c.reconnectingWatcher(giveUp, func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		opts.LabelSelector, opts.FieldSelector = sel.labels, sel.fields
		return pods.Watch(ctx, opts)
	})
	rw, err := watchtools.NewRetryWatcherWithContext(ctx, rv, source)
	if err != nil {
		return false, false, err
	}
	defer func() {
		rw.Stop()
		<-rw.Done()
	}()
	defer func() {
		if cause := context.Cause(ctx); errors.Is(cause, ErrGaveUp) {
			gone, done, err = false, false, cause
		}
	}()
	for ev := range rw.ResultChan() {
		switch ev.Type {
		case watch.Added, watch.Modified, watch.Deleted:
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			key := keyOf(p)
			if ev.Type == watch.Deleted {
				delete(seen, key)
			} else {
				seen[key] = true
			}
			if done, err := handle(PodEvent{Pod: p, Deleted: ev.Type == watch.Deleted}); err != nil || done {
				return false, done, err
			}
		case watch.Error:
			err := apierrors.FromObject(ev.Object)
			switch {
			case isGone(err):
				return true, false, nil
			case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
				return false, false, fmt.Errorf("cannot watch pods: %w", Explain(err))
			}
			// The watcher stopped on something else (an object without a
			// version): list again, as an informer would.
			return false, false, nil
		}
	}
	return false, false, nil
}

// reconnectingWatcher is what a RetryWatcher reopens: each watch request
// waits for an API server that went away through the Reconnector (with its
// notes) instead of the RetryWatcher's quiet, endless retries; when the
// reconnector gives up, giveUp ends the watch with ErrGaveUp as its cause.
// An expired version becomes an error event, so the caller lists again.
func (c *Client) reconnectingWatcher(giveUp context.CancelCauseFunc, open watcherFunc) watcherFunc {
	return func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		var w watch.Interface
		err := c.Reconnect.Do(ctx, func(ctx context.Context) error {
			var err error
			w, err = open(ctx, opts)
			return err
		})
		if errors.Is(err, ErrGaveUp) || (err != nil && ctx.Err() != nil) {
			// An error here would be logged by the RetryWatcher; an ended
			// watch and the cancelled context stop it quietly.
			if errors.Is(err, ErrGaveUp) {
				giveUp(err)
			}
			ended := make(errorWatch)
			close(ended)
			return ended, nil
		}
		if isGone(err) {
			// The API server reports an expired version as an event;
			// a server that fails the request instead is treated alike.
			return expired(err), nil
		}
		return w, err
	}
}

// watcherFunc opens one watch request (of pods or of events): a cache.WatcherWithContext.
type watcherFunc func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)

func (f watcherFunc) WatchWithContext(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return f(ctx, opts)
}

// expired is a watch whose only event is err's status.
func expired(err error) watch.Interface {
	events := make(errorWatch, 1)
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		s := status.Status()
		events <- watch.Event{Type: watch.Error, Object: &s}
	}
	close(events)
	return events
}

type errorWatch chan watch.Event

func (w errorWatch) Stop()                          {}
func (w errorWatch) ResultChan() <-chan watch.Event { return w }

// isGone: the resource version asked for has been compacted away (HTTP 410).
func isGone(err error) bool {
	return err != nil && (apierrors.IsResourceExpired(err) || apierrors.IsGone(err))
}
