// Package statuscases holds pods that walk every branch of kubectl 1.37's
// printPod (k8s.io/kubernetes pkg/printers/internalversion), each with the
// STATUS, READY and RESTARTS kubectl prints for it. The unit tests of
// podstatus and the e2e suite (which stores each pod in a real API server and
// asks kubectl) share them, so our reading of printPod is checked against
// kubectl itself.
package statuscases

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Case is one pod and what `kubectl get pod` prints for it.
type Case struct {
	Branch   string      // the printPod branch the pod walks
	Pod      *corev1.Pod // a non-nil DeletionTimestamp means "being deleted"
	Status   string
	Ready    string
	Restarts string // as printed at the now given to Cases
}

// Restarts happened 10h20m and 30h before now: kubectl prints "10h" and "30h"
// for the whole next 40 minutes, so a slow run still compares equal.
const (
	recentExit = 10*time.Hour + 20*time.Minute
	olderExit  = 30 * time.Hour
)

// Cases returns the pods with times relative to now.
func Cases(now time.Time) []Case {
	b := builder{now: now}
	return []Case{
		{Branch: "phase: no status.reason, no containers reported",
			Pod: b.pod("phase-pending", corev1.PodPending, []string{"app"}, nil, nil), Status: "Pending", Ready: "0/1", Restarts: "0"},
		{Branch: "status.reason replaces the phase",
			Pod: b.withReason(b.pod("reason-evicted", corev1.PodFailed, []string{"app"}, nil, nil), "Evicted"), Status: "Evicted", Ready: "0/1", Restarts: "0"},
		{Branch: "PodScheduled condition with reason SchedulingGated",
			Pod:    b.withCondition(b.pod("scheduling-gated", corev1.PodPending, []string{"app"}, nil, nil), corev1.PodScheduled, false, corev1.PodReasonSchedulingGated),
			Status: "SchedulingGated", Ready: "0/1", Restarts: "0"},
		{Branch: "NodeLost without deletionTimestamp is passed through",
			Pod:    b.withReason(b.pod("node-lost", corev1.PodRunning, []string{"app"}, nil, []corev1.ContainerStatus{b.running("app", true)}), "NodeLost"),
			Status: "NodeLost", Ready: "1/1", Restarts: "0"},

		{Branch: "init: waiting PodInitializing falls to Init:i/n",
			Pod: b.pod("init-first", corev1.PodPending, []string{"app"}, []corev1.ContainerStatus{b.waiting("setup", "PodInitializing"), b.waiting("migrate", "PodInitializing")},
				[]corev1.ContainerStatus{b.waiting("app", "PodInitializing")}, b.initContainer("setup"), b.initContainer("migrate")),
			Status: "Init:0/2", Ready: "0/1", Restarts: "0"},
		{Branch: "init: exit 0 passes, a running one is Init:i/n",
			Pod: b.pod("init-second", corev1.PodPending, []string{"app"}, []corev1.ContainerStatus{b.exited("setup", 0, "Completed"), b.running("migrate", false)},
				[]corev1.ContainerStatus{b.waiting("app", "PodInitializing")}, b.initContainer("setup"), b.initContainer("migrate")),
			Status: "Init:1/2", Ready: "0/1", Restarts: "0"},
		{Branch: "init: waiting reason is Init:<reason>; restarts of every init container so far count",
			Pod: b.pod("init-crashloop", corev1.PodPending, []string{"app"},
				[]corev1.ContainerStatus{b.restarted(b.exited("setup", 0, "Completed"), 2, olderExit), b.restarted(b.waiting("migrate", "CrashLoopBackOff"), 3, recentExit)},
				[]corev1.ContainerStatus{b.waiting("app", "PodInitializing")}, b.initContainer("setup"), b.initContainer("migrate")),
			Status: "Init:CrashLoopBackOff", Ready: "0/1", Restarts: "5 (10h ago)"},
		{Branch: "init: terminated with a reason is Init:<reason>",
			Pod: b.never(b.pod("init-error", corev1.PodFailed, []string{"app"}, []corev1.ContainerStatus{b.exited("setup", 1, "Error")},
				[]corev1.ContainerStatus{b.waiting("app", "PodInitializing")}, b.initContainer("setup"))),
			Status: "Init:Error", Ready: "0/1", Restarts: "0"},
		{Branch: "init: terminated without reason, with a signal, is Init:Signal:N",
			Pod: b.never(b.pod("init-signal", corev1.PodFailed, []string{"app"}, []corev1.ContainerStatus{b.signalled("setup", 137, 9)},
				[]corev1.ContainerStatus{b.waiting("app", "PodInitializing")}, b.initContainer("setup"))),
			Status: "Init:Signal:9", Ready: "0/1", Restarts: "0"},
		{Branch: "init: terminated without reason or signal is Init:ExitCode:N",
			Pod: b.never(b.pod("init-exit-code", corev1.PodFailed, []string{"app"}, []corev1.ContainerStatus{b.exited("setup", 3, "")},
				[]corev1.ContainerStatus{b.waiting("app", "PodInitializing")}, b.initContainer("setup"))),
			Status: "Init:ExitCode:3", Ready: "0/1", Restarts: "0"},
		{Branch: "init: a started native sidecar passes and counts in READY when ready",
			Pod: b.pod("sidecar-started", corev1.PodPending, []string{"app"},
				[]corev1.ContainerStatus{b.exited("setup", 0, "Completed"), b.running("proxy", true), b.running("migrate", false)},
				[]corev1.ContainerStatus{b.waiting("app", "PodInitializing")}, b.initContainer("setup"), b.sidecar("proxy"), b.initContainer("migrate")),
			Status: "Init:2/3", Ready: "1/2", Restarts: "0"},
		{Branch: "init: a started native sidecar that is not ready passes but is not counted",
			Pod: b.pod("sidecar-unready", corev1.PodPending, []string{"app"},
				[]corev1.ContainerStatus{b.exited("setup", 0, "Completed"), b.running("proxy", false), b.running("migrate", false)},
				[]corev1.ContainerStatus{b.waiting("app", "PodInitializing")}, b.initContainer("setup"), b.sidecar("proxy"), b.initContainer("migrate")),
			Status: "Init:2/3", Ready: "0/2", Restarts: "0"},
		{Branch: "init: a native sidecar that has not started blocks like any init container",
			Pod: b.pod("sidecar-not-started", corev1.PodPending, []string{"app"},
				[]corev1.ContainerStatus{b.exited("setup", 0, "Completed"), b.notStarted(b.running("proxy", false)), b.waiting("migrate", "PodInitializing")},
				[]corev1.ContainerStatus{b.waiting("app", "PodInitializing")}, b.initContainer("setup"), b.sidecar("proxy"), b.initContainer("migrate")),
			Status: "Init:1/3", Ready: "0/2", Restarts: "0"},
		{Branch: "init blocked but Initialized=True: containers are scanned, the Init:* status stays beside running ones; " +
			"sidecars after the blocker are neither ready nor counted, classic init restarts drop",
			Pod: b.withCondition(b.pod("sidecar-crash-after-init", corev1.PodRunning, []string{"app"},
				[]corev1.ContainerStatus{b.restarted(b.exited("setup", 0, "Completed"), 1, olderExit), b.restarted(b.waiting("proxy", "CrashLoopBackOff"), 4, recentExit), b.restarted(b.running("log", true), 2, olderExit)},
				[]corev1.ContainerStatus{b.running("app", true)}, b.initContainer("setup"), b.sidecar("proxy"), b.sidecar("log")),
				corev1.PodInitialized, true, ""),
			Status: "Init:CrashLoopBackOff", Ready: "1/3", Restarts: "4 (10h ago)"},

		{Branch: "container: waiting reason",
			Pod:    b.pod("waiting-reason", corev1.PodPending, []string{"app"}, nil, []corev1.ContainerStatus{b.waiting("app", "ImagePullBackOff")}),
			Status: "ImagePullBackOff", Ready: "0/1", Restarts: "0"},
		{Branch: "container: waiting without reason keeps the phase",
			Pod:    b.pod("waiting-no-reason", corev1.PodPending, []string{"app"}, nil, []corev1.ContainerStatus{b.waiting("app", "")}),
			Status: "Pending", Ready: "0/1", Restarts: "0"},
		{Branch: "container: terminated reason",
			Pod:    b.never(b.pod("terminated-reason", corev1.PodFailed, []string{"app"}, nil, []corev1.ContainerStatus{b.exited("app", 137, "OOMKilled")})),
			Status: "OOMKilled", Ready: "0/1", Restarts: "0"},
		{Branch: "container: terminated without reason, with a signal, is Signal:N",
			Pod:    b.never(b.pod("terminated-signal", corev1.PodFailed, []string{"app"}, nil, []corev1.ContainerStatus{b.signalled("app", 143, 15)})),
			Status: "Signal:15", Ready: "0/1", Restarts: "0"},
		{Branch: "container: terminated without reason or signal is ExitCode:N",
			Pod:    b.never(b.pod("terminated-exit-code", corev1.PodFailed, []string{"app"}, nil, []corev1.ContainerStatus{b.exited("app", 2, "")})),
			Status: "ExitCode:2", Ready: "0/1", Restarts: "0"},
		{Branch: "container: scanned last to first, so the first with a reason names the status",
			Pod: b.pod("first-reason-wins", corev1.PodRunning, []string{"web", "worker"}, nil,
				[]corev1.ContainerStatus{b.waiting("web", "ErrImagePull"), b.restarted(b.waiting("worker", "CrashLoopBackOff"), 3, recentExit)}),
			Status: "ErrImagePull", Ready: "0/2", Restarts: "3 (10h ago)"},
		{Branch: "container: running and ready counts; a pod not Ready with running containers is still Running",
			Pod: b.withCondition(b.pod("running-not-ready", corev1.PodRunning, []string{"web", "worker"}, nil,
				[]corev1.ContainerStatus{b.running("web", true), b.running("worker", false)}), corev1.PodReady, false, "ContainersNotReady"),
			Status: "Running", Ready: "1/2", Restarts: "0"},
		{Branch: "restarts: native sidecars' and containers' restarts add up, the newest last exit is shown",
			Pod: b.withCondition(b.pod("restarts", corev1.PodRunning, []string{"app"},
				[]corev1.ContainerStatus{b.restarted(b.exited("setup", 0, "Completed"), 1, recentExit), b.restarted(b.running("proxy", true), 2, olderExit)},
				[]corev1.ContainerStatus{b.restarted(b.running("app", true), 3, recentExit)}, b.initContainer("setup"), b.sidecar("proxy")),
				corev1.PodInitialized, true, ""),
			Status: "Running", Ready: "2/2", Restarts: "5 (10h ago)"},
		{Branch: "restarts: a count without a last termination has no age",
			Pod: b.pod("restarts-no-last-state", corev1.PodRunning, []string{"app"}, nil,
				[]corev1.ContainerStatus{b.restartCount(b.running("app", true), 2)}),
			Status: "Running", Ready: "1/1", Restarts: "2"},

		{Branch: "Completed beside a running container of a Ready pod is Running",
			Pod: b.withCondition(b.pod("completed-running-ready", corev1.PodRunning, []string{"a", "b"}, nil,
				[]corev1.ContainerStatus{b.exited("a", 0, "Completed"), b.running("b", true)}), corev1.PodReady, true, ""),
			Status: "Running", Ready: "1/2", Restarts: "0"},
		{Branch: "Completed beside a failed container is the failure (issue 16)",
			Pod: b.never(b.pod("completed-error", corev1.PodFailed, []string{"a", "b"}, nil,
				[]corev1.ContainerStatus{b.exited("a", 0, "Completed"), b.exited("b", 1, "Error")})),
			Status: "Error", Ready: "0/2", Restarts: "0"},
		{Branch: "Completed beside a failure without reason is ExitCode:N",
			Pod: b.never(b.pod("completed-exit-code", corev1.PodFailed, []string{"a", "b"}, nil,
				[]corev1.ContainerStatus{b.exited("a", 0, "Completed"), b.exited("b", 1, "")})),
			Status: "ExitCode:1", Ready: "0/2", Restarts: "0"},
		{Branch: "Completed beside several failures is the first failure in spec order",
			Pod: b.never(b.pod("completed-first-failure", corev1.PodFailed, []string{"a", "b", "c"}, nil,
				[]corev1.ContainerStatus{b.exited("a", 0, "Completed"), b.exited("b", 1, "Error"), b.exited("c", 137, "OOMKilled")})),
			Status: "Error", Ready: "0/3", Restarts: "0"},
		{Branch: "Completed beside a failure and a running container of a pod not Ready is the failure",
			Pod: b.withCondition(b.pod("completed-error-running", corev1.PodRunning, []string{"a", "b", "c"}, nil,
				[]corev1.ContainerStatus{b.exited("a", 0, "Completed"), b.exited("b", 1, "Error"), b.running("c", true)}), corev1.PodReady, false, "ContainersNotReady"),
			Status: "Error", Ready: "1/3", Restarts: "0"},
		{Branch: "Completed beside a running container of a pod not Ready is NotReady",
			Pod: b.withCondition(b.pod("completed-not-ready", corev1.PodRunning, []string{"a", "b"}, nil,
				[]corev1.ContainerStatus{b.exited("a", 0, "Completed"), b.running("b", true)}), corev1.PodReady, false, "ContainersNotReady"),
			Status: "NotReady", Ready: "1/2", Restarts: "0"},
		{Branch: "Completed with nothing running or failed stays Completed",
			Pod: b.never(b.pod("all-completed", corev1.PodSucceeded, []string{"a", "b"}, nil,
				[]corev1.ContainerStatus{b.exited("a", 0, "Completed"), b.exited("b", 0, "Completed")})),
			Status: "Completed", Ready: "0/2", Restarts: "0"},

		{Branch: "deletionTimestamp on a pod that has not ended is Terminating",
			Pod:    b.deleting(b.pod("terminating", corev1.PodRunning, []string{"app"}, nil, []corev1.ContainerStatus{b.running("app", true)})),
			Status: "Terminating", Ready: "1/1", Restarts: "0"},
		{Branch: "deletionTimestamp on a Succeeded pod keeps its status",
			Pod: b.deleting(b.never(b.pod("terminating-succeeded", corev1.PodSucceeded, []string{"app"}, nil,
				[]corev1.ContainerStatus{b.exited("app", 0, "Completed")}))),
			Status: "Completed", Ready: "0/1", Restarts: "0"},
		{Branch: "deletionTimestamp on a Failed pod keeps its status",
			Pod: b.deleting(b.never(b.pod("terminating-failed", corev1.PodFailed, []string{"app"}, nil,
				[]corev1.ContainerStatus{b.exited("app", 1, "Error")}))),
			Status: "Error", Ready: "0/1", Restarts: "0"},
		{Branch: "deletionTimestamp with status.reason NodeLost is Unknown",
			Pod:    b.deleting(b.withReason(b.pod("terminating-node-lost", corev1.PodRunning, []string{"app"}, nil, []corev1.ContainerStatus{b.running("app", true)}), "NodeLost")),
			Status: "Unknown", Ready: "1/1", Restarts: "0"},
	}
}

type builder struct{ now time.Time }

const image = "registry.k8s.io/pause:3.10"

func (b builder) pod(name string, phase corev1.PodPhase, containers []string, inits, statuses []corev1.ContainerStatus, initSpecs ...corev1.Container) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.PodSpec{InitContainers: initSpecs},
		Status:     corev1.PodStatus{Phase: phase, InitContainerStatuses: inits, ContainerStatuses: statuses},
	}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: image})
	}
	return p
}

func (b builder) initContainer(name string) corev1.Container {
	return corev1.Container{Name: name, Image: image}
}

func (b builder) sidecar(name string) corev1.Container {
	always := corev1.ContainerRestartPolicyAlways
	return corev1.Container{Name: name, Image: image, RestartPolicy: &always}
}

// never gives the pod restartPolicy Never, as a pod that ended has.
func (b builder) never(p *corev1.Pod) *corev1.Pod {
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	return p
}

func (b builder) withReason(p *corev1.Pod, reason string) *corev1.Pod {
	p.Status.Reason = reason
	return p
}

func (b builder) withCondition(p *corev1.Pod, typ corev1.PodConditionType, ok bool, reason string) *corev1.Pod {
	status := corev1.ConditionFalse
	if ok {
		status = corev1.ConditionTrue
	}
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{
		Type: typ, Status: status, Reason: reason, LastTransitionTime: metav1.NewTime(b.now.Add(-time.Hour)),
	})
	return p
}

func (b builder) deleting(p *corev1.Pod) *corev1.Pod {
	at := metav1.NewTime(b.now)
	p.DeletionTimestamp = &at
	return p
}

func (b builder) running(name string, ready bool) corev1.ContainerStatus {
	started := true
	return corev1.ContainerStatus{
		Name: name, Image: image, Ready: ready, Started: &started,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(b.now.Add(-time.Hour))}},
	}
}

func (b builder) notStarted(cs corev1.ContainerStatus) corev1.ContainerStatus {
	started := false
	cs.Started = &started
	return cs
}

func (b builder) waiting(name, reason string) corev1.ContainerStatus {
	started := false
	return corev1.ContainerStatus{
		Name: name, Image: image, Started: &started,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}},
	}
}

func (b builder) exited(name string, code int32, reason string) corev1.ContainerStatus {
	started := false
	return corev1.ContainerStatus{
		Name: name, Image: image, Started: &started, Ready: false,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: code, Reason: reason,
			StartedAt: metav1.NewTime(b.now.Add(-2 * time.Hour)), FinishedAt: metav1.NewTime(b.now.Add(-90 * time.Minute)),
		}},
	}
}

func (b builder) signalled(name string, code, signal int32) corev1.ContainerStatus {
	cs := b.exited(name, code, "")
	cs.State.Terminated.Signal = signal
	return cs
}

// restarted gives the container n restarts, the last instance having failed ago before now.
func (b builder) restarted(cs corev1.ContainerStatus, n int32, ago time.Duration) corev1.ContainerStatus {
	cs.RestartCount = n
	cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: 1, Reason: "Error",
		StartedAt: metav1.NewTime(b.now.Add(-ago - time.Minute)), FinishedAt: metav1.NewTime(b.now.Add(-ago)),
	}}
	return cs
}

func (b builder) restartCount(cs corev1.ContainerStatus, n int32) corev1.ContainerStatus {
	cs.RestartCount = n
	return cs
}
