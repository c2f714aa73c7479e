// Package podstatus computes the STATUS, READY and RESTARTS columns exactly as
// `kubectl get pod` prints them, so that users see the strings they already know.
package podstatus

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Summary holds the columns kubectl prints for a pod.
type Summary struct {
	Status        string
	ReadyCount    int
	TotalCount    int
	Restarts      int
	LastRestartAt time.Time
}

// Ready is the READY column, e.g. "2/2".
func (s Summary) Ready() string { return fmt.Sprintf("%d/%d", s.ReadyCount, s.TotalCount) }

// IsSidecar reports whether an init container is a native sidecar: only
// restartPolicy Always makes one (container restart rules since 1.34 do not).
func IsSidecar(c *corev1.Container) bool {
	return c != nil && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// Summarize computes the columns the way kubectl 1.37's printPod does
// (k8s.io/kubernetes pkg/printers/internalversion), step by step:
//  1. the pod's own reason: phase, status.reason, SchedulingGated;
//  2. init containers in order, up to the first that blocks initialization;
//  3. once initialized, regular containers from last to first;
//  4. a "Completed" result gives way to a running or a failed container;
//  5. a pod being deleted is Terminating (Unknown on a lost node), unless it
//     already ended.
func Summarize(pod *corev1.Pod) Summary {
	s := Summary{TotalCount: countContainers(pod), Status: podReason(pod)}

	inits := scanInitContainers(pod)
	s.ReadyCount = inits.ready
	restarts := inits.all
	if inits.blocked {
		s.Status = inits.status
	}

	// kubectl scans the regular containers even while an init container
	// blocks, if the pod says it is initialized: a native sidecar that
	// crashes after start-up keeps its Init:* status beside running containers.
	if !inits.blocked || podInitialized(pod) {
		main := scanContainers(pod)
		s.ReadyCount += main.ready
		// Classic init containers' restarts no longer count once the pod runs;
		// native sidecars' still do.
		restarts = inits.sidecars
		restarts.add(main.restarts)
		if main.status != "" {
			s.Status = main.status
		}
		s.Status = settleCompleted(s.Status, main, podReady(pod))
	}

	s.Status = deletionStatus(pod, s.Status)
	s.Restarts, s.LastRestartAt = restarts.count, restarts.last
	return s
}

// countContainers is READY's denominator: regular containers and native sidecars.
func countContainers(pod *corev1.Pod) int {
	n := len(pod.Spec.Containers)
	for i := range pod.Spec.InitContainers {
		if IsSidecar(&pod.Spec.InitContainers[i]) {
			n++
		}
	}
	return n
}

// podReason is the status before any container is looked at.
func podReason(pod *corev1.Pod) string {
	reason := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			reason = corev1.PodReasonSchedulingGated
		}
	}
	return reason
}

// restartTally counts restarts and keeps the newest termination among them,
// the "(5m ago)" of RESTARTS.
type restartTally struct {
	count int
	last  time.Time
}

func (t *restartTally) addStatus(cs *corev1.ContainerStatus) {
	t.count += int(cs.RestartCount)
	if term := cs.LastTerminationState.Terminated; term != nil && term.FinishedAt.After(t.last) {
		t.last = term.FinishedAt.Time
	}
}

func (t *restartTally) add(o restartTally) {
	t.count += o.count
	if o.last.After(t.last) {
		t.last = o.last
	}
}

// initScan is what the init containers say about the pod.
type initScan struct {
	blocked  bool   // an init container holds initialization up
	status   string // Init:... when blocked
	ready    int    // started native sidecars that are ready, up to the blocker
	all      restartTally
	sidecars restartTally
}

// scanInitContainers walks the init container statuses in order. An init
// container that exited 0, or a native sidecar that started, lets the walk go
// on; the first other one blocks and names the status. Containers after the
// blocker are not looked at, not even for their restarts, as in kubectl.
func scanInitContainers(pod *corev1.Pod) initScan {
	specs := make(map[string]*corev1.Container, len(pod.Spec.InitContainers))
	for i := range pod.Spec.InitContainers {
		specs[pod.Spec.InitContainers[i].Name] = &pod.Spec.InitContainers[i]
	}
	var out initScan
	for i := range pod.Status.InitContainerStatuses {
		cs := &pod.Status.InitContainerStatuses[i]
		sidecar := IsSidecar(specs[cs.Name])
		out.all.addStatus(cs)
		if sidecar {
			out.sidecars.addStatus(cs)
		}
		term, wait := cs.State.Terminated, cs.State.Waiting
		switch {
		case term != nil && term.ExitCode == 0:
			continue
		case sidecar && cs.Started != nil && *cs.Started:
			if cs.Ready {
				out.ready++
			}
			continue
		case term != nil:
			out.status = "Init:" + terminatedReason(term)
		case wait != nil && wait.Reason != "" && wait.Reason != "PodInitializing":
			out.status = "Init:" + wait.Reason
		default:
			out.status = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		out.blocked = true
		break
	}
	return out
}

// containerScan is what the regular containers say about the pod.
type containerScan struct {
	status      string // reason of the first container (in spec order) that has one
	errorReason string // reason of the first container that exited non-zero
	running     bool   // some container runs and is ready
	ready       int
	restarts    restartTally
}

// scanContainers walks the regular container statuses from last to first, so
// the first container with a waiting or terminated reason names the status.
func scanContainers(pod *corev1.Pod) containerScan {
	var out containerScan
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		cs := &pod.Status.ContainerStatuses[i]
		out.restarts.addStatus(cs)
		term, wait := cs.State.Terminated, cs.State.Waiting
		switch {
		case wait != nil && wait.Reason != "":
			out.status = wait.Reason
		case term != nil:
			out.status = terminatedReason(term)
			if term.ExitCode != 0 {
				out.errorReason = out.status
			}
		case cs.Ready && cs.State.Running != nil:
			out.running = true
			out.ready++
		}
	}
	return out
}

// settleCompleted keeps one container's "Completed" from hiding the others: a
// ready pod with a running container is Running, a failed container names the
// status (since kubectl 1.37), and a running container of a pod that is not
// ready makes it NotReady.
func settleCompleted(status string, main containerScan, ready bool) string {
	if status != "Completed" {
		return status
	}
	switch {
	case main.running && ready:
		return "Running"
	case main.errorReason != "":
		return main.errorReason
	case main.running:
		return "NotReady"
	}
	return status
}

// deletionStatus applies deletionTimestamp: the node controller's NodeLost
// shows as Unknown; a pod that has not ended yet is Terminating.
func deletionStatus(pod *corev1.Pod, status string) string {
	switch {
	case pod.DeletionTimestamp == nil:
		return status
	case pod.Status.Reason == "NodeLost":
		return "Unknown"
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		return status
	}
	return "Terminating"
}

// RestartsString is the RESTARTS column: "3 (5m ago)" once a restart is known.
func (s Summary) RestartsString(now time.Time) string {
	if s.Restarts == 0 || s.LastRestartAt.IsZero() {
		return fmt.Sprintf("%d", s.Restarts)
	}
	return fmt.Sprintf("%d (%s ago)", s.Restarts, duration.HumanDuration(now.Sub(s.LastRestartAt)))
}

func terminatedReason(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("Signal:%d", t.Signal)
	default:
		return fmt.Sprintf("ExitCode:%d", t.ExitCode)
	}
}

// podInitialized reads the first Initialized condition, as kubectl does.
func podInitialized(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodInitialized {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podReady is true when any Ready condition is True, as kubectl reads it.
func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
