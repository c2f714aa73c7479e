package logs

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

// follow attaches the containers that start later: restarts, init containers
// reaching their turn, new pods of a selector or workload. With pods named by
// name it ends the input once they are all finished or gone.
func (r *run) follow(ctx context.Context, pods []*corev1.Pod) {
	q := r.cfg.Query
	byName := q.Selector == "" && onlyPodNames(q.Names)
	pending := map[string]bool{} // named pods not finished yet
	for _, p := range pods {
		if !podFinished(p) {
			pending[p.Namespace+"/"+p.Name] = true
		}
	}
	if byName && len(pending) == 0 {
		r.closeInput(0)
		return
	}
	events := make(chan kube.PodEvent, 16)
	werr := make(chan error, 1)
	go func() { werr <- r.client.WatchPods(ctx, q, events) }()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-werr:
			if errors.Is(err, kube.ErrGaveUp) {
				r.fail(err)
				return
			}
			if err != nil {
				fmt.Fprintf(r.errOut, "warning: new containers are not followed: %s\n", printers.Sanitize(err.Error()))
			}
			if byName {
				r.closeInput(0)
			}
			return
		case ev := <-events:
			key := ev.Pod.Namespace + "/" + ev.Pod.Name
			if ev.Deleted {
				r.podDeleted(ev.Pod.Namespace, ev.Pod.Name)
			} else {
				r.trackForEvents(ev.Pod)
				streams, _ := r.plan(ev.Pod, true)
				for _, p := range streams {
					r.attach(p)
				}
			}
			if byName && (ev.Deleted || podFinished(ev.Pod)) && pending[key] {
				delete(pending, key)
				if len(pending) == 0 {
					// They just finished: their last events may be on their way.
					r.closeInput(eventsGrace)
					return
				}
			}
		}
	}
}

func podFinished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// podDeleted closes a deleted pod's streams, with a note when it had any.
func (r *run) podDeleted(namespace, name string) {
	r.mu.Lock()
	_, followed := r.gone[namespace+"/"+name]
	r.mu.Unlock()
	if !followed {
		return
	}
	r.closePod(namespace, name)
	fmt.Fprintf(r.errOut, "note: pod/%s was deleted; its streams are closed\n", printers.Sanitize(r.podName(namespace, name)))
}
