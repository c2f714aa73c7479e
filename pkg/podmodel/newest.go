package podmodel

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// NewestTime is the latest instant the pod's status records: its start, a
// condition's transition or probe, a container's start or end, this run's or
// the last one's. A saved manifest is measured up to it rather than to the
// clock, which has moved on since. Zero when the status records no time.
func NewestTime(pod *corev1.Pod) time.Time {
	var newest time.Time
	see := func(t time.Time) {
		if t.After(newest) {
			newest = t
		}
	}
	if pod.Status.StartTime != nil {
		see(pod.Status.StartTime.Time)
	}
	for _, c := range pod.Status.Conditions {
		see(c.LastTransitionTime.Time)
		see(c.LastProbeTime.Time)
	}
	state := func(s corev1.ContainerState) {
		if s.Running != nil {
			see(s.Running.StartedAt.Time)
		}
		if s.Terminated != nil {
			see(s.Terminated.StartedAt.Time)
			see(s.Terminated.FinishedAt.Time)
		}
	}
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses, pod.Status.EphemeralContainerStatuses} {
		for _, cs := range list {
			state(cs.State)
			state(cs.LastTerminationState)
		}
	}
	return newest
}
