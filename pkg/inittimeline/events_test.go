package inittimeline_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/inittimeline"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func mt(sec float64) metav1.Time {
	return metav1.NewTime(t0.Add(time.Duration(sec * float64(time.Second))))
}

// nxPod is the seed lab's nx: init-index fills the page, nginx serves it,
// started at t0 and scheduled at once.
func nxPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nx", Namespace: "default", UID: "uid-nx", CreationTimestamp: mt(0)},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init-index", Image: "busybox:1.28"}},
			Containers:     []corev1.Container{{Name: "nginx", Image: "nginx:1.27"}},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			StartTime:  ptr(mt(0)),
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: mt(0)}},
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "init-index", Ready: true, ImageID: "sha256:1",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: mt(59), FinishedAt: mt(60)}}}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "nginx", Ready: true, Started: ptr(true), ImageID: "sha256:2",
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: mt(61)}}}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

func event(container, reason, msg string, first, last float64, count int32) corev1.Event {
	path := "spec.containers{" + container + "}"
	if container == "init-index" || container == "proxy" || container == "wait" {
		path = "spec.initContainers{" + container + "}"
	}
	return corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: container + "." + reason},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "nx", Namespace: "default", FieldPath: path},
		Reason:         reason, Message: msg, Count: count, FirstTimestamp: mt(first), LastTimestamp: mt(last),
	}
}

func buildWith(p *corev1.Pod, events []corev1.Event, now float64) inittimeline.Timeline {
	return inittimeline.Build(p, events, classify.Classify(p, classify.BuiltinRules()), t0.Add(time.Duration(now*float64(time.Second))))
}

func TestColdPullDominates(t *testing.T) {
	events := []corev1.Event{
		event("init-index", "Pulling", `Pulling image "busybox:1.28"`, 1, 1, 1),
		event("init-index", "Pulled", `Successfully pulled image "busybox:1.28" in 58.012s (58.012s including waiting)`, 59, 59, 1),
		event("nginx", "Pulled", `Container image "nginx:1.27" already present on machine`, 60, 60, 1),
	}
	tl := buildWith(nxPod(), events, 300)
	assert.Equal(t, `initialised in 60s, 58.0s of it pulling busybox:1.28 for "init-index"; "nginx" running`, tl.Verdict)
	init := tl.Steps[0]
	require.NotNil(t, init.Pull)
	require.NotNil(t, init.PullSeconds)
	assert.InDelta(t, 58, *init.PullSeconds, 0.001)
	assert.Equal(t, "busybox:1.28", init.Pull.Image)
	assert.Equal(t, t0.Add(time.Second), *init.Pull.StartedAt)
	assert.False(t, init.Pull.AlreadyPresent)

	// "already present": no pull, no seconds, nothing in the verdict.
	app := tl.Steps[1]
	require.NotNil(t, app.Pull)
	assert.True(t, app.Pull.AlreadyPresent)
	assert.Nil(t, app.PullSeconds)

	// A pull that is a small part of the time is not named.
	events[1] = event("init-index", "Pulled", "Successfully pulled", 2, 2, 1)
	tl = buildWith(nxPod(), events, 300)
	assert.Equal(t, `initialised in 60s; "nginx" running`, tl.Verdict)
	assert.InDelta(t, 1, *tl.Steps[0].PullSeconds, 0.001)
}

func TestAlreadyPresent(t *testing.T) {
	events := []corev1.Event{
		event("init-index", "Pulled", `Container image "busybox:1.28" already present on machine`, 1, 1, 1),
	}
	tl := buildWith(nxPod(), events, 300)
	require.NotNil(t, tl.Steps[0].Pull)
	assert.True(t, tl.Steps[0].Pull.AlreadyPresent)
	assert.Nil(t, tl.Steps[0].PullSeconds)
	assert.Equal(t, `initialised in 60s; "nginx" running`, tl.Verdict)
	// No events for nginx: nothing is said about its pull.
	assert.Nil(t, tl.Steps[1].Pull)
}

func TestNoEventsSayNothingAboutPulls(t *testing.T) {
	tl := buildWith(nxPod(), nil, 300)
	for _, s := range tl.Steps {
		assert.Nil(t, s.Pull, s.Name)
		assert.Nil(t, s.PullSeconds, s.Name)
	}
	assert.Equal(t, `initialised in 60s; "nginx" running`, tl.Verdict)
}

func TestPullInProgressBlocks(t *testing.T) {
	p := nxPod()
	p.Status.Phase = corev1.PodPending
	p.Status.InitContainerStatuses[0] = corev1.ContainerStatus{Name: "init-index",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}}
	p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "nginx",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}}
	events := []corev1.Event{event("init-index", "Pulling", `Pulling image "busybox:1.28"`, 1, 1, 1)}
	tl := buildWith(p, events, 46)
	assert.Equal(t, `at init 1/1 "init-index": pulling busybox:1.28 for 45.0s; the app containers have not started`, tl.Verdict)
	require.NotNil(t, tl.Steps[0].Pull)
	assert.True(t, tl.Steps[0].Pull.Ongoing)
	assert.InDelta(t, 45, *tl.Steps[0].PullSeconds, 0.001)
}

// sidecarPod: a native sidecar "proxy" with a startup probe, then "wait",
// then the app.
func sidecarPod() *corev1.Pod {
	always := corev1.ContainerRestartPolicyAlways
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nx", Namespace: "default", UID: "uid-nx", CreationTimestamp: mt(0)},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{
				{Name: "proxy", Image: "envoyproxy/envoy:v1.31", RestartPolicy: &always,
					StartupProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready"}}}},
				{Name: "wait", Image: "busybox:1.28"},
			},
			Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27"}},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			StartTime:  ptr(mt(0)),
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: mt(0)}},
			InitContainerStatuses: []corev1.ContainerStatus{
				{Name: "proxy", Ready: true, Started: ptr(true), ImageID: "sha256:0",
					State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: mt(1)}}},
				{Name: "wait", Ready: true, ImageID: "sha256:1",
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: mt(17), FinishedAt: mt(18)}}},
			},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "nginx", Ready: true, Started: ptr(true), ImageID: "sha256:2",
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: mt(19)}}}},
		},
	}
}

func TestSidecarStartupProbeFailures(t *testing.T) {
	events := []corev1.Event{
		event("proxy", "Unhealthy", "Startup probe failed: HTTP probe failed with statuscode: 503", 6, 14, 3),
		event("wait", "Pulled", `Container image "busybox:1.28" already present on machine`, 16, 16, 1),
		event("wait", "Pulling", `Pulling image "busybox:1.28"`, 16, 16, 1),
		event("wait", "Pulled", `Successfully pulled image "busybox:1.28"`, 16.5, 16.5, 1),
		event("proxy", "Unhealthy", "Readiness probe failed: not yet", 3, 3, 1),
	}
	tl := buildWith(sidecarPod(), events, 120)
	proxy := tl.Steps[0]
	require.NotNil(t, proxy.Startup)
	require.NotNil(t, proxy.Startup.FailedProbes)
	assert.Equal(t, 3, *proxy.Startup.FailedProbes, "readiness failures are not startup failures")
	require.NotNil(t, proxy.StartupSeconds)
	// From the sidecar's start to the first sign of the next step: its pull at +16s.
	assert.InDelta(t, 15, *proxy.StartupSeconds, 0.001)
	assert.Equal(t, `initialised in 18.0s, 15.0s of it waiting for sidecar "proxy"'s startup probe (3 failures); 1 sidecar started; "nginx" running`, tl.Verdict)

	// Still probing: the sidecar blocks, and the verdict counts the failures.
	p := sidecarPod()
	p.Status.Phase = corev1.PodPending
	p.Status.InitContainerStatuses[0].Started = ptr(false)
	p.Status.InitContainerStatuses[0].Ready = false
	p.Status.InitContainerStatuses[1] = corev1.ContainerStatus{Name: "wait",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}}
	p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "nginx",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}}
	tl = buildWith(p, events[:1], 16)
	assert.Equal(t, `at init 1/2 sidecar "proxy": running 15.0s, waiting for its startup probe (3 failures); "wait" has not run`, tl.Verdict)
	require.NotNil(t, tl.Steps[0].Startup)
	assert.True(t, tl.Steps[0].Startup.Ongoing)
	assert.InDelta(t, 15, *tl.Steps[0].StartupSeconds, 0.001)

	// Without events the startup is not guessed from the next step's start.
	tl = buildWith(sidecarPod(), nil, 120)
	assert.Nil(t, tl.Steps[0].Startup)
	assert.Equal(t, `initialised in 18.0s; 1 sidecar started; "nginx" running`, tl.Verdict)
}

func TestScheduling(t *testing.T) {
	p := nxPod()
	p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled,
		Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient cpu.", LastTransitionTime: mt(0)}}}
	tl := buildWith(p, []corev1.Event{}, 120)
	assert.Equal(t, "not scheduled for 2m: Unschedulable 0/3 nodes are available: 3 Insufficient cpu.", tl.Verdict)
	assert.True(t, tl.Unscheduled)
	require.NotNil(t, tl.ScheduledSeconds)
	assert.InDelta(t, 120, *tl.ScheduledSeconds, 0.001)

	// Scheduled after 40s, initialised 60s later: the wait for a node is named.
	p = nxPod()
	p.CreationTimestamp = mt(-40)
	tl = buildWith(p, nil, 300)
	require.NotNil(t, tl.ScheduledSeconds)
	assert.InDelta(t, 40, *tl.ScheduledSeconds, 0.001)
	assert.Equal(t, `scheduled after 40.0s; initialised in 60s; "nginx" running`, tl.Verdict)

	// Scheduled at once: nothing to say.
	tl = buildWith(nxPod(), nil, 300)
	assert.InDelta(t, 0, *tl.ScheduledSeconds, 0.001)
	assert.NotContains(t, tl.Verdict, "scheduled")
}

func TestAggregateComparesPulls(t *testing.T) {
	cold := []corev1.Event{
		event("init-index", "Pulling", `Pulling image "busybox:1.28"`, 1, 1, 1),
		event("init-index", "Pulled", "Successfully pulled", 59, 59, 1),
	}
	warm := []corev1.Event{event("init-index", "Pulled", `Container image "busybox:1.28" already present on machine`, 1, 1, 1)}
	var tls []inittimeline.Timeline
	for i, evs := range [][]corev1.Event{warm, cold, warm} {
		p := nxPod()
		p.Name = []string{"nx-a", "nx-b", "nx-c"}[i]
		tls = append(tls, buildWith(p, evs, 300))
	}
	stats := inittimeline.Aggregate(tls)
	require.Len(t, stats, 2)
	pull := stats[0]
	assert.Equal(t, inittimeline.KindPull, pull.Kind)
	assert.Equal(t, "init-index", pull.Name)
	assert.Equal(t, 3, pull.Pods)
	assert.InDelta(t, 0, pull.Min, 0.001)
	assert.InDelta(t, 0, pull.Median, 0.001)
	assert.InDelta(t, 58, pull.Max, 0.001)
	assert.Equal(t, "nx-b", pull.MaxPod, "the pod on the cold node")
	assert.Equal(t, "", stats[1].Kind)

	// No pod pulled: no pull row.
	tls = tls[:0]
	for range 2 {
		tls = append(tls, buildWith(nxPod(), warm, 300))
	}
	for _, st := range inittimeline.Aggregate(tls) {
		assert.NotEqual(t, inittimeline.KindPull, st.Kind)
	}
}
