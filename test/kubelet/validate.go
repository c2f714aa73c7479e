package kubelet

import (
	corev1 "k8s.io/api/core/v1"
)

// validateContainerLogStatus decides, from the pod the API server holds, whether
// the container has logs to serve and which instance, with the kubelet's
// messages and status codes: 404 for a container the spec does not have, 400
// for one that has not started or has no previous instance.
func validateContainerLogStatus(pod *corev1.Pod, container string, previous bool) (resolved, error) {
	if !specHasContainer(pod, container) {
		return resolved{}, notFound("container %q not found in pod %q", container, pod.Name)
	}
	st, ok := findStatus(pod, container)
	if !ok {
		return resolved{}, badRequest("container %q in pod %q is not available", container, pod.Name)
	}
	last := st.LastTerminationState.Terminated
	waiting, running, terminated := st.State.Waiting, st.State.Running, st.State.Terminated
	switch {
	case previous:
		if last == nil || last.ContainerID == "" {
			return resolved{}, badRequest("previous terminated container %q in pod %q not found", container, pod.Name)
		}
		return resolved{containerID: last.ContainerID, previousFile: running != nil || terminated != nil}, nil
	case running != nil:
		return resolved{running: true, containerID: st.ContainerID}, nil
	case terminated != nil:
		if terminated.ContainerID != "" {
			return resolved{containerID: terminated.ContainerID}, nil
		}
		if last != nil && last.ContainerID != "" {
			return resolved{containerID: last.ContainerID}, nil
		}
		return resolved{}, badRequest("container %q in pod %q is terminated", container, pod.Name)
	case last != nil:
		// Waiting to restart after a run: the kubelet serves the last run's logs.
		if last.ContainerID == "" {
			return resolved{}, badRequest("container %q in pod %q is terminated", container, pod.Name)
		}
		return resolved{containerID: last.ContainerID}, nil
	case waiting != nil:
		switch waiting.Reason {
		case "ErrImagePull":
			return resolved{}, badRequest("container %q in pod %q is waiting to start: image can't be pulled", container, pod.Name)
		case "ImagePullBackOff":
			return resolved{}, badRequest("container %q in pod %q is waiting to start: trying and failing to pull image", container, pod.Name)
		default:
			return resolved{}, badRequest("container %q in pod %q is waiting to start: %s", container, pod.Name, waiting.Reason)
		}
	default:
		return resolved{}, badRequest("container %q in pod %q is waiting to start - no logs yet", container, pod.Name)
	}
}

func specHasContainer(pod *corev1.Pod, name string) bool {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}

func findStatus(pod *corev1.Pod, name string) (corev1.ContainerStatus, bool) {
	for _, list := range [][]corev1.ContainerStatus{
		pod.Status.ContainerStatuses,
		pod.Status.InitContainerStatuses,
		pod.Status.EphemeralContainerStatuses,
	} {
		for _, st := range list {
			if st.Name == name {
				return st, true
			}
		}
	}
	return corev1.ContainerStatus{}, false
}
