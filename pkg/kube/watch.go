package kube

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
)

// PodChange is called with every new version of the watched pod; returning
// true ends the watch.
type PodChange func(pod *corev1.Pod) (done bool, err error)

// ErrPodDeleted is returned when the watched pod goes away.
var ErrPodDeleted = errors.New("pod was deleted")

// resumeDelay spaces out re-opened watches so that a server that closes
// them at once is not hammered. A variable so tests need not wait.
var resumeDelay = time.Second

// WatchPod follows one pod with a single watch request from resourceVersion
// (that of the pod already read), calling onChange for each new version. A
// watch the server closes (timeouts, restarts) is re-opened from the last
// version seen; when that version is too old (410 Gone) the pod is read
// again and followed from there, so no change is lost or replayed. It returns
// ctx.Err() when ctx ends, and stops its watch before it returns.
func (c *Client) WatchPod(ctx context.Context, namespace, name, resourceVersion string, onChange PodChange) error {
	rv := resourceVersion
	pods := c.CS.CoreV1().Pods(namespace)
	for {
		if rv == "" {
			// Nothing to resume from: read the pod and follow it from there.
			p, err := pods.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return explain(err, "pod", name, namespace)
			}
			rv = p.ResourceVersion
			if done, err := onChange(p); err != nil || done {
				return err
			}
		}
		w, err := pods.Watch(ctx, metav1.ListOptions{
			FieldSelector:       fields.OneTermEqualSelector("metadata.name", name).String(),
			ResourceVersion:     rv,
			AllowWatchBookmarks: true,
		})
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case isGone(err):
			rv = ""
			continue
		case err != nil:
			return fmt.Errorf("cannot watch pod %q: %w", name, Explain(err))
		}
		next, done, err := consume(ctx, w, &rv, onChange)
		w.Stop()
		if err != nil || done {
			return err
		}
		if next == relist {
			rv = ""
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(resumeDelay):
		}
	}
}

type resume int

const (
	reopen resume = iota // the server closed the watch: open it again from rv
	relist               // rv is too old: read the pod again
)

// consume reads one watch until it ends, keeping rv at the last version seen.
func consume(ctx context.Context, w watch.Interface, rv *string, onChange PodChange) (resume, bool, error) {
	for {
		select {
		case <-ctx.Done():
			return reopen, false, ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return reopen, false, nil
			}
			switch ev.Type {
			case watch.Added, watch.Modified:
				p, ok := ev.Object.(*corev1.Pod)
				if !ok {
					continue
				}
				*rv = p.ResourceVersion
				if done, err := onChange(p); err != nil || done {
					return reopen, done, err
				}
			case watch.Bookmark:
				if m, err := meta.Accessor(ev.Object); err == nil && m.GetResourceVersion() != "" {
					*rv = m.GetResourceVersion()
				}
			case watch.Deleted:
				return reopen, false, ErrPodDeleted
			case watch.Error:
				err := apierrors.FromObject(ev.Object)
				if isGone(err) {
					return relist, false, nil
				}
				return reopen, false, fmt.Errorf("watch failed: %w", Explain(err))
			}
		}
	}
}

// isGone: the resource version asked for has been compacted away (HTTP 410).
func isGone(err error) bool {
	return err != nil && (apierrors.IsResourceExpired(err) || apierrors.IsGone(err))
}
