package logs

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

// plannedStream is one container instance to read.
type plannedStream struct {
	source      printers.LogSource
	containerID string
	fresh       bool
	key         string // containerKey + "/" + the instance
	// containerKey names the container across its instances:
	// namespace/pod/uid/container.
	containerKey string
	marker       *printers.LogMarker // markers.go
}

// plan picks the pod's containers (filters, roles) and the instances to read.
// It returns the streams and how many containers the filters selected; a
// selected container without logs gets a note on errOut (fresh: only pods
// seen by the watch after the start, which have no notes: they are coming up).
func (r *run) plan(pod *corev1.Pod, fresh bool) ([]plannedStream, int) {
	res := r.classify(pod)
	var out []plannedStream
	selected := 0
	for _, c := range res.Containers {
		if !r.wants(c) {
			continue
		}
		selected++
		st := kube.FindContainerStatus(pod, c.Name)
		name := fmt.Sprintf("pod/%s container %s", r.podName(pod.Namespace, pod.Name), c.Name)
		containerKey := strings.Join([]string{pod.Namespace, pod.Name, string(pod.UID), c.Name}, "/")
		mk := func(previous bool, id string) plannedStream {
			return plannedStream{
				source:       printers.LogSource{Namespace: pod.Namespace, Pod: pod.Name, Container: c.Name, Role: string(c.Role), Previous: previous},
				containerID:  id,
				fresh:        fresh,
				key:          containerKey + "/" + id,
				containerKey: containerKey,
			}
		}
		hasLast := st != nil && st.LastTerminationState.Terminated != nil
		running := st != nil && (st.State.Running != nil || st.State.Terminated != nil)
		if r.cfg.LogOptions.Previous {
			if !hasLast {
				if !fresh {
					fmt.Fprintf(r.errOut, "note: %s has no previous instance (%s), skipped\n", printers.Sanitize(name), restarts(st))
				}
				continue
			}
			out = append(out, mk(true, instanceID(st, true)))
			// While waiting to restart, the kubelet's "current" log is the
			// previous instance: reading both would print it twice.
			if running {
				out = append(out, mk(false, instanceID(st, false)))
			}
			continue
		}
		switch {
		case running:
			out = append(out, mk(false, instanceID(st, false)))
		case hasLast:
			// Waiting to restart (CrashLoopBackOff): the kubelet serves the last instance.
			out = append(out, mk(false, instanceID(st, true)))
		case !fresh:
			fmt.Fprintf(r.errOut, "note: %s has not started (%s), no logs yet\n", printers.Sanitize(name), waitingReason(st))
		}
	}
	return r.markRestarts(pod, out), selected
}

// wants applies -c, --exclude-container and --role.
func (r *run) wants(c classify.Container) bool {
	if len(r.cfg.Containers) > 0 && !matchAny(r.cfg.Containers, c.Name) {
		return false
	}
	if matchAny(r.cfg.ExcludeContainers, c.Name) {
		return false
	}
	if len(r.cfg.Roles) > 0 {
		for _, role := range r.cfg.Roles {
			if string(c.Role) == role {
				return true
			}
		}
		return false
	}
	return true
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

// instanceID names a container instance: its containerID, or the restart
// count when the status has none.
func instanceID(st *corev1.ContainerStatus, last bool) string {
	if last {
		if t := st.LastTerminationState.Terminated; t != nil && t.ContainerID != "" {
			return t.ContainerID
		}
		return fmt.Sprintf("#%d", st.RestartCount-1)
	}
	if st.ContainerID != "" {
		return st.ContainerID
	}
	return fmt.Sprintf("#%d", st.RestartCount)
}

func restarts(st *corev1.ContainerStatus) string {
	if st == nil {
		return "not started"
	}
	if st.RestartCount == 1 {
		return "1 restart"
	}
	return fmt.Sprintf("%d restarts", st.RestartCount)
}

func waitingReason(st *corev1.ContainerStatus) string {
	if st != nil && st.State.Waiting != nil && st.State.Waiting.Reason != "" {
		return printers.Sanitize(st.State.Waiting.Reason)
	}
	return "no status yet"
}

// classify gives the pod's roles, weighed as describe weighs them.
func (r *run) classify(pod *corev1.Pod) classify.Result {
	var cx classify.Context
	if r.cfg.Context != nil {
		cx = r.cfg.Context(pod)
	}
	return classify.ClassifyIn(pod, r.cfg.Rules, cx)
}

func (r *run) noContainersError(pods []*corev1.Pod) error {
	var parts []string
	for _, p := range pods {
		res := r.classify(p)
		var names []string
		for _, c := range res.Containers {
			names = append(names, fmt.Sprintf("%s (%s)", c.Name, c.Role))
		}
		parts = append(parts, fmt.Sprintf("pod %s has %s", p.Name, strings.Join(names, ", ")))
		if len(parts) == 3 && len(pods) > 3 {
			parts = append(parts, fmt.Sprintf("and %d more pods", len(pods)-3))
			break
		}
	}
	return fmt.Errorf("no container matches -c/--exclude-container/--role: %s", printers.Sanitize(strings.Join(parts, "; ")))
}

// onlyPodNames: every name is a pod's (not TYPE/NAME of a workload).
func onlyPodNames(names []string) bool {
	for _, a := range names {
		if ref, err := kube.ParseRef(a); err != nil || ref.Type != "pod" {
			return false
		}
	}
	return true
}
