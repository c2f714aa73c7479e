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

// Summarize follows kubectl's printPod rules: the first init container that
// has neither succeeded nor (as a sidecar) started decides an Init:* status;
// otherwise regular containers are scanned from last to first and the last
// one scanned with a waiting/terminated reason wins.
func Summarize(pod *corev1.Pod) Summary {
	s := Summary{TotalCount: len(pod.Spec.Containers), Status: string(pod.Status.Phase)}
	if pod.Status.Reason != "" {
		s.Status = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.Status = corev1.PodReasonSchedulingGated
		}
	}

	initSpecs := map[string]*corev1.Container{}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		initSpecs[c.Name] = c
		if IsSidecar(c) {
			s.TotalCount++
		}
	}

	var sidecarRestarts int
	var sidecarLast time.Time
	initializing := false
	for i, cs := range pod.Status.InitContainerStatuses {
		s.Restarts += int(cs.RestartCount)
		s.LastRestartAt = later(s.LastRestartAt, cs.LastTerminationState)
		sidecar := IsSidecar(initSpecs[cs.Name])
		if sidecar {
			sidecarRestarts += int(cs.RestartCount)
			sidecarLast = later(sidecarLast, cs.LastTerminationState)
		}
		st := cs.State
		if st.Terminated != nil && st.Terminated.ExitCode == 0 {
			continue
		}
		if sidecar && cs.Started != nil && *cs.Started {
			if cs.Ready {
				s.ReadyCount++
			}
			continue
		}
		initializing = true
		switch {
		case st.Terminated != nil:
			s.Status = "Init:" + terminatedReason(st.Terminated)
		case st.Waiting != nil && st.Waiting.Reason != "" && st.Waiting.Reason != "PodInitializing":
			s.Status = "Init:" + st.Waiting.Reason
		default:
			s.Status = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		break
	}

	if !initializing || conditionTrue(pod, corev1.PodInitialized) {
		s.Restarts = sidecarRestarts
		s.LastRestartAt = sidecarLast
		hasRunning := false
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			cs := pod.Status.ContainerStatuses[i]
			s.Restarts += int(cs.RestartCount)
			s.LastRestartAt = later(s.LastRestartAt, cs.LastTerminationState)
			st := cs.State
			switch {
			case st.Waiting != nil && st.Waiting.Reason != "":
				s.Status = st.Waiting.Reason
			case st.Terminated != nil:
				s.Status = terminatedReason(st.Terminated)
			case cs.Ready && st.Running != nil:
				hasRunning = true
				s.ReadyCount++
			}
		}
		// A completed container beside a running one does not make the pod Completed.
		if s.Status == "Completed" && hasRunning {
			if conditionTrue(pod, corev1.PodReady) {
				s.Status = "Running"
			} else {
				s.Status = "NotReady"
			}
		}
	}

	if pod.DeletionTimestamp != nil {
		switch {
		case pod.Status.Reason == "NodeLost":
			s.Status = "Unknown"
		case pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
			s.Status = "Terminating"
		}
	}
	return s
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

func later(cur time.Time, last corev1.ContainerState) time.Time {
	if last.Terminated != nil && last.Terminated.FinishedAt.Time.After(cur) {
		return last.Terminated.FinishedAt.Time
	}
	return cur
}

func conditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
