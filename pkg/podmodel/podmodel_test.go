package podmodel_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podmodel"
)

var always = corev1.ContainerRestartPolicyAlways

func running() corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC))}}
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func exited(code int32, reason string) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason}}
}

// pod has init "a", native sidecar "side", init "b" and container "app".
func pod(phase corev1.PodPhase, a, side, b, app corev1.ContainerStatus) *corev1.Pod {
	a.Name, side.Name, b.Name, app.Name = "a", "side", "b", "app"
	return &corev1.Pod{
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "a"}, {Name: "side", RestartPolicy: &always}, {Name: "b"}},
			Containers:     []corev1.Container{{Name: "app"}},
		},
		Status: corev1.PodStatus{Phase: phase,
			InitContainerStatuses: []corev1.ContainerStatus{a, side, b},
			ContainerStatuses:     []corev1.ContainerStatus{app}},
	}
}

func build(p *corev1.Pod) podmodel.Pod {
	return podmodel.Build(p, classify.Classify(p, classify.BuiltinRules()))
}

func blocker(p *corev1.Pod) string {
	m := build(p)
	if b := m.Blocker(); b != nil {
		return b.Name
	}
	return ""
}

func TestBlocker(t *testing.T) {
	yes := true
	done := corev1.ContainerStatus{State: exited(0, "Completed")}
	up := corev1.ContainerStatus{State: running(), Started: &yes, Ready: true}
	init := corev1.ContainerStatus{State: waiting("PodInitializing")}
	crash := corev1.ContainerStatus{State: waiting("CrashLoopBackOff"), RestartCount: 3,
		LastTerminationState: exited(1, "Error")}
	cases := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"first init runs", pod(corev1.PodPending, corev1.ContainerStatus{State: running()}, init, init, init), "a"},
		{"init crash-loops", pod(corev1.PodPending, done, up, crash, init), "b"},
		{"sidecar has not started", pod(corev1.PodPending, done, corev1.ContainerStatus{State: running()}, init, init), "side"},
		{"all done", pod(corev1.PodRunning, done, up, done, corev1.ContainerStatus{State: running()}), ""},
		{"sidecar crashes after init: the app ran, no blocker", pod(corev1.PodRunning, done, crash, done, corev1.ContainerStatus{State: running()}), ""},
		{"sidecar crashes while a later init runs", pod(corev1.PodPending, done, crash, corev1.ContainerStatus{State: running()}, init), "b"},
		{"app crash-loops after init", pod(corev1.PodRunning, done, up, done, crash), ""},
		{"no statuses reported yet: the first step", &corev1.Pod{
			Spec:   corev1.PodSpec{InitContainers: []corev1.Container{{Name: "a"}}, Containers: []corev1.Container{{Name: "app"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}}}, "a"},
		{"not scheduled: no init step blocks", &corev1.Pod{
			Spec:   corev1.PodSpec{InitContainers: []corev1.Container{{Name: "a"}}, Containers: []corev1.Container{{Name: "app"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable"}}}}, ""},
		{"manifest without status", &corev1.Pod{
			Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "a"}}, Containers: []corev1.Container{{Name: "app"}}}}, ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, blocker(c.pod), c.name)
	}
}

func TestFailing(t *testing.T) {
	yes := true
	cases := []struct {
		name string
		st   corev1.ContainerStatus
		want bool
	}{
		{"running", corev1.ContainerStatus{State: running()}, false},
		{"running again after a failure", corev1.ContainerStatus{State: running(), RestartCount: 2, LastTerminationState: exited(1, "Error")}, false},
		{"exited 0", corev1.ContainerStatus{State: exited(0, "Completed")}, false},
		{"exited 0 after a failed run", corev1.ContainerStatus{State: exited(0, "Completed"), RestartCount: 1, LastTerminationState: exited(1, "Error")}, false},
		{"exited 1", corev1.ContainerStatus{State: exited(1, "Error")}, true},
		{"OOMKilled", corev1.ContainerStatus{State: exited(137, "OOMKilled")}, true},
		{"crash loop", corev1.ContainerStatus{State: waiting("CrashLoopBackOff"), RestartCount: 4, LastTerminationState: exited(1, "Error")}, true},
		{"waiting to restart after exit 2", corev1.ContainerStatus{State: waiting("ContainerCreating"), RestartCount: 1, LastTerminationState: exited(2, "Error")}, true},
		{"waiting to restart after exit 0", corev1.ContainerStatus{State: waiting("ContainerCreating"), RestartCount: 1, LastTerminationState: exited(0, "Completed")}, false},
		{"image pull", corev1.ContainerStatus{State: waiting("ImagePullBackOff")}, false},
		{"started sidecar", corev1.ContainerStatus{State: running(), Started: &yes}, false},
	}
	for _, c := range cases {
		p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}, {Name: "other"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{c.st, {Name: "other", State: running()}}}}
		p.Status.ContainerStatuses[0].Name = "app"
		m := build(p)
		assert.Equal(t, c.want, m.Find("app").Failing(), c.name)
	}
}

func TestSidecarShutdown(t *testing.T) {
	done := corev1.ContainerStatus{State: exited(0, "Completed")}
	cases := []struct {
		name      string
		phase     corev1.PodPhase
		side, app corev1.ContainerStatus
		finished  bool
		shutdown  bool
	}{
		{"143 after the app completed", corev1.PodRunning, corev1.ContainerStatus{State: exited(143, "Error")}, done, true, true},
		{"137 after the app failed", corev1.PodRunning, corev1.ContainerStatus{State: exited(137, "Error")}, corev1.ContainerStatus{State: exited(1, "Error")}, true, true},
		{"137 in a succeeded pod", corev1.PodSucceeded, corev1.ContainerStatus{State: exited(137, "Error")}, corev1.ContainerStatus{State: waiting("")}, true, true},
		{"137 while the app runs: a crash", corev1.PodRunning, corev1.ContainerStatus{State: exited(137, "Error")}, corev1.ContainerStatus{State: running()}, false, false},
		{"exit 1 after the app completed: a failure", corev1.PodRunning, corev1.ContainerStatus{State: exited(1, "Error")}, done, true, false},
	}
	for _, c := range cases {
		p := pod(c.phase, done, c.side, done, c.app)
		m := build(p)
		assert.Equal(t, c.finished, m.AppsFinished(), c.name)
		side := m.Find("side")
		require.NotNil(t, side)
		assert.Equal(t, c.shutdown, side.Shutdown, c.name)
		assert.Equal(t, !c.shutdown, side.Failing(), c.name)
	}
	// A regular container stopped with 143 is not a sidecar shutdown.
	m := build(pod(corev1.PodSucceeded, done, done, done, corev1.ContainerStatus{State: exited(143, "Error")}))
	assert.False(t, m.Find("app").Shutdown)
	assert.True(t, m.Find("app").Failing())
	assert.False(t, build(&corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}}).AppsFinished(), "no app containers")
}

func TestBuildReadsState(t *testing.T) {
	start := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC))
	end := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 3, 0, time.UTC))
	yes := true
	p := pod(corev1.PodPending,
		corev1.ContainerStatus{ImageID: "sha256:1", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: start, FinishedAt: end}}},
		corev1.ContainerStatus{State: running(), Started: &yes, Ready: true, RestartCount: 1,
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled", StartedAt: start, FinishedAt: end}}},
		corev1.ContainerStatus{State: waiting("PodInitializing")},
		corev1.ContainerStatus{})
	m := build(p)
	require.Len(t, m.Containers, 4)
	assert.True(t, m.HasStatus)
	assert.Equal(t, 3, m.InitSteps)
	a := m.Containers[0]
	assert.Equal(t, podmodel.StateTerminated, a.State)
	assert.True(t, a.ImagePulled)
	assert.Equal(t, int32(0), *a.ExitCode)
	assert.Equal(t, start.UTC(), *a.StartedAt)
	assert.Equal(t, end.UTC(), *a.FinishedAt)
	side := m.Containers[1]
	assert.Equal(t, classify.KindSidecar, side.Kind)
	assert.True(t, side.Started && side.Ready)
	require.NotNil(t, side.LastState)
	assert.Equal(t, int32(137), side.LastState.ExitCode)
	assert.Equal(t, "OOMKilled", side.LastState.Reason)
	assert.Equal(t, podmodel.StateWaiting, m.Containers[2].State)
	assert.Equal(t, "PodInitializing", m.Containers[2].Reason)
	assert.Equal(t, podmodel.StateUnknown, m.Containers[3].State, "a status without a state")
	assert.False(t, podmodel.HasStatus(&corev1.Pod{}))
}

func TestNewestTime(t *testing.T) {
	at := func(s int) metav1.Time { return metav1.NewTime(time.Date(2025, 9, 15, 8, 0, s, 0, time.UTC)) }
	start := at(0)
	p := &corev1.Pod{Status: corev1.PodStatus{
		StartTime:  &start,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, LastTransitionTime: at(20)}},
		InitContainerStatuses: []corev1.ContainerStatus{{Name: "a",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{StartedAt: at(1), FinishedAt: at(9)}}}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "app",
			State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: at(10)}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{StartedAt: at(30), FinishedAt: at(42)}}}},
	}}
	assert.Equal(t, at(42).Time, podmodel.NewestTime(p))
	p.Status.ContainerStatuses = nil
	assert.Equal(t, at(20).Time, podmodel.NewestTime(p))
	assert.True(t, podmodel.NewestTime(&corev1.Pod{}).IsZero())
}
