package framework

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var start = time.Date(2025, 9, 15, 8, 20, 37, 0, time.UTC)

func TestImageRefs(t *testing.T) {
	tests := []struct {
		image, wantRef, wantName string
	}{
		{"nginx", "docker.io/library/nginx:latest", "docker.io/library/nginx"},
		{"busybox:1.28", "docker.io/library/busybox:1.28", "docker.io/library/busybox"},
		{"fluent/fluent-bit:3.1", "docker.io/fluent/fluent-bit:3.1", "docker.io/fluent/fluent-bit"},
		{"gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1", "gcr.io/cloud-sql-connectors/cloud-sql-proxy"},
		{"localhost:5000/app", "localhost:5000/app:latest", "localhost:5000/app"},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			ref, id := imageRefs(tt.image)
			assert.Equal(t, tt.wantRef, ref)
			assert.Regexp(t, "^"+regexp.QuoteMeta(tt.wantName)+"@sha256:[0-9a-f]{64}$", id)
		})
	}
}

func task2Pod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nx", Namespace: "task2", UID: "u1"},
		Spec: corev1.PodSpec{
			RestartPolicy:  corev1.RestartPolicyAlways,
			InitContainers: []corev1.Container{{Name: "init-index", Image: "busybox:1.28"}},
			Containers:     []corev1.Container{{Name: "nginx", Image: "nginx"}},
		},
	}
}

func condition(pod *corev1.Pod, typ corev1.PodConditionType) corev1.PodCondition {
	for _, c := range pod.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return corev1.PodCondition{}
}

var containerIDPattern = regexp.MustCompile(`^containerd://[0-9a-f]{64}$`)

func TestStartPodRunsInitsThenContainers(t *testing.T) {
	pod := task2Pod()
	end := StartPod(pod, start, time.Second)

	assert.Equal(t, start.Add(3*time.Second), end)
	assert.Equal(t, corev1.PodRunning, pod.Status.Phase)
	for _, typ := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
		assert.Equal(t, corev1.ConditionTrue, condition(pod, typ).Status, typ)
	}
	assert.Equal(t, start.Add(3*time.Second), condition(pod, corev1.PodReady).LastTransitionTime.Time)

	require.Len(t, pod.Status.InitContainerStatuses, 1)
	initSt := pod.Status.InitContainerStatuses[0]
	require.NotNil(t, initSt.State.Terminated)
	assert.Equal(t, "Completed", initSt.State.Terminated.Reason)
	assert.Equal(t, start.Add(time.Second), initSt.State.Terminated.StartedAt.Time)
	assert.Equal(t, start.Add(2*time.Second), initSt.State.Terminated.FinishedAt.Time)
	assert.True(t, initSt.Ready, "a completed init container is ready")
	assert.False(t, *initSt.Started)
	assert.Regexp(t, containerIDPattern, initSt.ContainerID)
	assert.Equal(t, initSt.ContainerID, initSt.State.Terminated.ContainerID)
	assert.Equal(t, "docker.io/library/busybox:1.28", initSt.Image)

	require.Len(t, pod.Status.ContainerStatuses, 1)
	nginx := pod.Status.ContainerStatuses[0]
	require.NotNil(t, nginx.State.Running)
	assert.Equal(t, start.Add(3*time.Second), nginx.State.Running.StartedAt.Time)
	assert.True(t, nginx.Ready)
	assert.True(t, *nginx.Started)
	assert.Regexp(t, containerIDPattern, nginx.ContainerID)
	assert.NotEqual(t, initSt.ContainerID, nginx.ContainerID)
	assert.NotEmpty(t, nginx.ImageID)
}

func TestNativeSidecarCountsAsInitializedOnceStarted(t *testing.T) {
	pod := task2Pod()
	always := corev1.ContainerRestartPolicyAlways
	pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{Name: "proxy", Image: "envoy", RestartPolicy: &always})
	StartPod(pod, start, time.Second)

	require.Len(t, pod.Status.InitContainerStatuses, 2)
	proxy := pod.Status.InitContainerStatuses[1]
	require.NotNil(t, proxy.State.Running, "a native sidecar keeps running")
	assert.True(t, proxy.Ready)
	assert.Equal(t, corev1.ConditionTrue, condition(pod, corev1.PodInitialized).Status)
	assert.Equal(t, corev1.PodRunning, pod.Status.Phase)
}

func TestInitCrashLoop(t *testing.T) {
	pod := task2Pod()
	SchedulePod(pod, start)
	nginx := pod.Status.ContainerStatuses[0]
	require.NotNil(t, nginx.State.Waiting)
	assert.Equal(t, "PodInitializing", nginx.State.Waiting.Reason)
	assert.Empty(t, nginx.ContainerID)

	StartContainer(pod, "init-index", start.Add(time.Second))
	first := pod.Status.InitContainerStatuses[0].ContainerID
	TerminateContainer(pod, "init-index", 1, start.Add(2*time.Second))
	RestartContainer(pod, "init-index", start.Add(12*time.Second))
	second := pod.Status.InitContainerStatuses[0].ContainerID
	TerminateContainer(pod, "init-index", 1, start.Add(13*time.Second))
	BackOffContainer(pod, "init-index", 20*time.Second)
	SyncPodStatus(pod, start.Add(13*time.Second))

	st := pod.Status.InitContainerStatuses[0]
	assert.NotEqual(t, first, second, "each instance has its own container ID")
	assert.Equal(t, int32(1), st.RestartCount)
	require.NotNil(t, st.State.Waiting)
	assert.Equal(t, "CrashLoopBackOff", st.State.Waiting.Reason)
	assert.Equal(t, "back-off 20s restarting failed container=init-index pod=nx_task2(u1)", st.State.Waiting.Message)
	require.NotNil(t, st.LastTerminationState.Terminated)
	assert.Equal(t, int32(1), st.LastTerminationState.Terminated.ExitCode)
	assert.Equal(t, "Error", st.LastTerminationState.Terminated.Reason)
	assert.Equal(t, second, st.LastTerminationState.Terminated.ContainerID)

	assert.Equal(t, corev1.PodPending, pod.Status.Phase)
	initialized := condition(pod, corev1.PodInitialized)
	assert.Equal(t, corev1.ConditionFalse, initialized.Status)
	assert.Equal(t, "containers with incomplete status: [init-index]", initialized.Message)
	assert.Equal(t, "containers with unready status: [nginx]", condition(pod, corev1.PodReady).Message)
	assert.Equal(t, start, condition(pod, corev1.PodReady).LastTransitionTime.Time, "unchanged status keeps its transition time")
}
