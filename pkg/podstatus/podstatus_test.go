package podstatus_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

func TestFixtures(t *testing.T) {
	for _, f := range testutil.Fixtures(t) {
		s := podstatus.Summarize(f.Pod)
		assert.Equal(t, f.Expected.Status, s.Status, f.Name)
		assert.Equal(t, f.Expected.Ready, s.Ready(), f.Name)
	}
}

var always = corev1.ContainerRestartPolicyAlways

func TestStatuses(t *testing.T) {
	started, notStarted := true, false
	term := func(code int32, reason string) corev1.ContainerState {
		return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason}}
	}
	wait := func(reason string) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
	}
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	spec := corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "a"}, {Name: "side", RestartPolicy: &always}, {Name: "b"}},
		Containers:     []corev1.Container{{Name: "app"}},
	}
	cases := []struct {
		name   string
		inits  []corev1.ContainerStatus
		ctrs   []corev1.ContainerStatus
		status string
		ready  string
	}{
		{"first init running", []corev1.ContainerStatus{{Name: "a", State: running}, {Name: "side", State: wait("PodInitializing")}, {Name: "b", State: wait("PodInitializing")}},
			[]corev1.ContainerStatus{{Name: "app", State: wait("PodInitializing")}}, "Init:0/3", "0/2"},
		{"sidecar started counts as done", []corev1.ContainerStatus{{Name: "a", State: term(0, "Completed")}, {Name: "side", State: running, Started: &started, Ready: true}, {Name: "b", State: running}},
			[]corev1.ContainerStatus{{Name: "app", State: wait("PodInitializing")}}, "Init:2/3", "1/2"},
		{"sidecar not started", []corev1.ContainerStatus{{Name: "a", State: term(0, "Completed")}, {Name: "side", State: running, Started: &notStarted}, {Name: "b", State: wait("PodInitializing")}},
			[]corev1.ContainerStatus{{Name: "app", State: wait("PodInitializing")}}, "Init:1/3", "0/2"},
		{"init crashloop", []corev1.ContainerStatus{{Name: "a", State: wait("CrashLoopBackOff"), RestartCount: 4}},
			nil, "Init:CrashLoopBackOff", "0/2"},
		{"init error without reason", []corev1.ContainerStatus{{Name: "a", State: term(3, "")}}, nil, "Init:ExitCode:3", "0/2"},
		{"init signal", []corev1.ContainerStatus{{Name: "a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Signal: 9}}}}, nil, "Init:Signal:9", "0/2"},
		{"image pull", []corev1.ContainerStatus{{Name: "a", State: term(0, "Completed")}, {Name: "side", State: running, Started: &started, Ready: true}, {Name: "b", State: term(0, "Completed")}},
			[]corev1.ContainerStatus{{Name: "app", State: wait("ImagePullBackOff")}}, "ImagePullBackOff", "1/2"},
	}
	for _, c := range cases {
		p := &corev1.Pod{Spec: spec, Status: corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: c.inits, ContainerStatuses: c.ctrs}}
		s := podstatus.Summarize(p)
		assert.Equal(t, c.status, s.Status, c.name)
		assert.Equal(t, c.ready, s.Ready(), c.name)
	}
}

func TestTerminatingAndRestarts(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &metav1.Time{Time: now}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "app", Ready: true, RestartCount: 2,
			State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: metav1.Time{Time: now.Add(-5 * time.Minute)}}},
		}}},
	}
	s := podstatus.Summarize(p)
	assert.Equal(t, "Terminating", s.Status)
	assert.Equal(t, "2 (5m ago)", s.RestartsString(now))
}
