package framework

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The functions below change a pod's status the way a kubelet reports a
// container's life: scheduled, started, terminated, restarted, in back-off.
// They touch only the named container; call SyncPodStatus afterwards to derive
// the phase and conditions, then write it with Cluster.UpdatePodStatus.

// ContainerID is a stable CRI container ID for one instance of a container.
// Peers such as stern ignore containers whose status has none.
func ContainerID(pod *corev1.Pod, container string, instance int32) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%s/%s/%d", pod.Namespace, pod.Name, pod.UID, container, instance)))
	return "containerd://" + hex.EncodeToString(sum[:])
}

// imageRefs returns what the runtime reports for a spec image: the fully
// qualified image and a digest-pinned image ID.
func imageRefs(image string) (ref, id string) {
	ref = image
	if !strings.Contains(ref, "/") {
		ref = "library/" + ref
	}
	if first, _, _ := strings.Cut(ref, "/"); !strings.ContainsAny(first, ".:") && first != "localhost" {
		ref = "docker.io/" + ref
	}
	name := ref
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name = ref[:i]
	} else {
		ref += ":latest"
	}
	sum := sha256.Sum256([]byte(ref))
	return ref, name + "@sha256:" + hex.EncodeToString(sum[:])
}

type containerRef struct {
	spec      corev1.Container
	init      bool
	ephemeral bool
}

func (r containerRef) sidecar() bool {
	return r.init && r.spec.RestartPolicy != nil && *r.spec.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

func findContainer(pod *corev1.Pod, name string) (containerRef, bool) {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return containerRef{spec: c, init: true}, true
		}
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return containerRef{spec: c}, true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return containerRef{spec: corev1.Container(c.EphemeralContainerCommon), ephemeral: true}, true
		}
	}
	return containerRef{}, false
}

// statusOf returns the container's status entry, creating it if needed.
func statusOf(pod *corev1.Pod, name string) (*corev1.ContainerStatus, containerRef) {
	ref, ok := findContainer(pod, name)
	if !ok {
		panic(fmt.Sprintf("pod %s/%s has no container %q", pod.Namespace, pod.Name, name))
	}
	list := &pod.Status.ContainerStatuses
	switch {
	case ref.init:
		list = &pod.Status.InitContainerStatuses
	case ref.ephemeral:
		list = &pod.Status.EphemeralContainerStatuses
	}
	for i := range *list {
		if (*list)[i].Name == name {
			return &(*list)[i], ref
		}
	}
	// Until the container runs, the kubelet reports the spec's image and no image ID.
	*list = append(*list, corev1.ContainerStatus{Name: name, Image: ref.spec.Image})
	return &(*list)[len(*list)-1], ref
}

// SchedulePod is the kubelet's first report: every container waits, the
// first init container (or the containers, without inits) being created.
func SchedulePod(pod *corev1.Pod, at time.Time) {
	pod.Status = corev1.PodStatus{
		Phase:     corev1.PodPending,
		HostIP:    "127.0.0.1",
		HostIPs:   []corev1.HostIP{{IP: "127.0.0.1"}},
		StartTime: ptrTime(at),
		QOSClass:  corev1.PodQOSBestEffort,
	}
	ip := podIP(pod)
	pod.Status.PodIP = ip
	pod.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	for _, c := range pod.Spec.InitContainers {
		WaitContainer(pod, c.Name, "PodInitializing", "")
	}
	reason := "ContainerCreating"
	if len(pod.Spec.InitContainers) > 0 {
		reason = "PodInitializing"
	}
	for _, c := range pod.Spec.Containers {
		WaitContainer(pod, c.Name, reason, "")
	}
	SyncPodStatus(pod, at)
}

func podIP(pod *corev1.Pod) string {
	sum := sha256.Sum256([]byte(pod.Namespace + "/" + pod.Name))
	return fmt.Sprintf("10.244.%d.%d", sum[0]%250+1, sum[1]%250+2)
}

// WaitContainer puts the container in the waiting state.
func WaitContainer(pod *corev1.Pod, name, reason, message string) {
	st, _ := statusOf(pod, name)
	st.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}
	st.Ready = false
	st.Started = new(bool)
}

// StartContainer runs a new instance of the container from at. Regular
// containers and native sidecars are ready at once (no probes); a classic init
// container is not ready while it runs.
func StartContainer(pod *corev1.Pod, name string, at time.Time) {
	st, ref := statusOf(pod, name)
	st.Image, st.ImageID = imageRefs(ref.spec.Image)
	st.ContainerID = ContainerID(pod, name, st.RestartCount)
	st.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at)}}
	st.Started = ptrBool(true)
	st.Ready = !ref.init || ref.sidecar()
}

// TerminateContainer ends the running instance with exitCode at time at. A
// classic init container that exits 0 counts as ready, as the kubelet reports.
func TerminateContainer(pod *corev1.Pod, name string, exitCode int32, at time.Time) {
	st, ref := statusOf(pod, name)
	started := at
	if st.State.Running != nil {
		started = st.State.Running.StartedAt.Time
	}
	reason := "Completed"
	if exitCode != 0 {
		reason = "Error"
	}
	st.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode:    exitCode,
		Reason:      reason,
		StartedAt:   metav1.NewTime(started),
		FinishedAt:  metav1.NewTime(at),
		ContainerID: st.ContainerID,
	}}
	st.Started = ptrBool(false)
	st.Ready = ref.init && !ref.sidecar() && exitCode == 0
}

// RestartContainer starts the next instance at time at: the terminated one
// becomes lastState and restartCount grows.
func RestartContainer(pod *corev1.Pod, name string, at time.Time) {
	st, _ := statusOf(pod, name)
	if st.State.Terminated != nil {
		st.LastTerminationState = corev1.ContainerState{Terminated: st.State.Terminated}
	}
	st.RestartCount++
	StartContainer(pod, name, at)
}

// BackOffContainer is the kubelet waiting to restart a failed container: the
// terminated instance becomes lastState and the state CrashLoopBackOff;
// restartCount grows only when the next instance starts.
func BackOffContainer(pod *corev1.Pod, name string, backoff time.Duration) {
	st, _ := statusOf(pod, name)
	if st.State.Terminated != nil {
		st.LastTerminationState = corev1.ContainerState{Terminated: st.State.Terminated}
	}
	st.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
		Reason:  "CrashLoopBackOff",
		Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", backoff, name, pod.Name, pod.Namespace, pod.UID),
	}}
	st.Started = ptrBool(false)
	st.Ready = false
}

// StartPod plays a healthy start from at: init containers one after another
// (each runs step, a native sidecar counts once started), then the containers
// one step apart. It returns when the last container started.
func StartPod(pod *corev1.Pod, at time.Time, step time.Duration) time.Time {
	SchedulePod(pod, at)
	t := at
	for _, c := range pod.Spec.InitContainers {
		t = t.Add(step)
		StartContainer(pod, c.Name, t)
		ref, _ := findContainer(pod, c.Name)
		if !ref.sidecar() {
			t = t.Add(step)
			TerminateContainer(pod, c.Name, 0, t)
		}
	}
	for _, c := range pod.Spec.Containers {
		t = t.Add(step)
		StartContainer(pod, c.Name, t)
	}
	SyncPodStatus(pod, t)
	return t
}

// SyncPodStatus derives the phase and the conditions from the container
// statuses, as the kubelet's status manager does. Transition times change only
// when a condition's status does.
func SyncPodStatus(pod *corev1.Pod, now time.Time) {
	var notInitialized, notReady []string
	for _, c := range pod.Spec.InitContainers {
		st, ref := statusOf(pod, c.Name)
		switch {
		case ref.sidecar():
			if st.Started == nil || !*st.Started {
				notInitialized = append(notInitialized, c.Name)
			}
			if !st.Ready {
				notReady = append(notReady, c.Name)
			}
		case st.State.Terminated == nil || st.State.Terminated.ExitCode != 0:
			notInitialized = append(notInitialized, c.Name)
		}
	}
	running, terminated, succeeded := 0, 0, 0
	for _, c := range pod.Spec.Containers {
		st, _ := statusOf(pod, c.Name)
		if !st.Ready {
			notReady = append(notReady, c.Name)
		}
		switch {
		case st.State.Running != nil:
			running++
		case st.State.Waiting != nil && st.LastTerminationState.Terminated != nil:
			// Waiting to restart: the pod has been running.
			running++
		case st.State.Terminated != nil:
			terminated++
			if st.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		}
	}

	initialized := len(notInitialized) == 0
	switch {
	case !initialized:
		pod.Status.Phase = corev1.PodPending
	case terminated == len(pod.Spec.Containers) && pod.Spec.RestartPolicy != corev1.RestartPolicyAlways:
		if succeeded == terminated {
			pod.Status.Phase = corev1.PodSucceeded
		} else {
			pod.Status.Phase = corev1.PodFailed
		}
	case running > 0 || terminated > 0:
		pod.Status.Phase = corev1.PodRunning
	default:
		pod.Status.Phase = corev1.PodPending
	}

	setCondition(pod, corev1.PodScheduled, true, "", "", now)
	setCondition(pod, corev1.PodReadyToStartContainers, true, "", "", now)
	if initialized {
		setCondition(pod, corev1.PodInitialized, true, "", "", now)
	} else {
		setCondition(pod, corev1.PodInitialized, false, "ContainersNotInitialized",
			fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(notInitialized, " ")), now)
	}
	if len(notReady) == 0 {
		setCondition(pod, corev1.ContainersReady, true, "", "", now)
		setCondition(pod, corev1.PodReady, true, "", "", now)
	} else {
		msg := fmt.Sprintf("containers with unready status: [%s]", strings.Join(notReady, " "))
		setCondition(pod, corev1.ContainersReady, false, "ContainersNotReady", msg, now)
		setCondition(pod, corev1.PodReady, false, "ContainersNotReady", msg, now)
	}
}

func setCondition(pod *corev1.Pod, typ corev1.PodConditionType, ok bool, reason, message string, now time.Time) {
	status := corev1.ConditionFalse
	if ok {
		status = corev1.ConditionTrue
	}
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		if c.Type != typ {
			continue
		}
		if c.Status != status {
			c.LastTransitionTime = metav1.NewTime(now)
		}
		c.Status, c.Reason, c.Message = status, reason, message
		return
	}
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{
		Type: typ, Status: status, Reason: reason, Message: message, LastTransitionTime: metav1.NewTime(now),
	})
}

func ptrBool(b bool) *bool { return &b }

func ptrTime(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t)
	return &mt
}
