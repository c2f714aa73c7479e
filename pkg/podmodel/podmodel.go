// Package podmodel reads the state of a pod's containers once: kind, role
// and order from the classification; state, exit, restarts, times from the
// status. The decisions every command must agree on are made here and only
// here: which init step blocks the pod, whether a container is failing,
// whether a native sidecar was stopped at pod shutdown. It is pure: a pod
// in, a Pod out.
package podmodel

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

// State is the container's state as the kubelet reports it.
type State string

// States of a container.
const (
	StateWaiting    State = "waiting"
	StateRunning    State = "running"
	StateTerminated State = "terminated"
	// StateUnknown: the pod has no status for the container, or one without a state.
	StateUnknown State = "unknown"
)

// Exit codes a process gets when the kubelet stops it: 128+SIGTERM, 128+SIGKILL.
const (
	ExitSIGTERM = 143
	ExitSIGKILL = 137
)

// Termination is one finished run of a container.
type Termination struct {
	Reason     string     `json:"reason"`
	ExitCode   int32      `json:"exitCode"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
}

// Container is one container of the pod with its classification and state.
type Container struct {
	Name    string
	Image   string
	Kind    classify.Kind
	Role    classify.Role
	Order   int
	Reasons []string
	// Spec and Status point into the pod; Status is nil when the pod has none for the container.
	Spec   *corev1.Container
	Status *corev1.ContainerStatus

	State   State
	Reason  string
	Message string
	// ExitCode is set when the container is terminated.
	ExitCode *int32
	Restarts int32
	Started  bool
	Ready    bool
	// ImagePulled is false while the kubelet has no image for the container yet.
	ImagePulled bool
	// StartedAt and FinishedAt are of the current state.
	StartedAt  *time.Time
	FinishedAt *time.Time
	// LastState is the previous run of a restarted container.
	LastState *Termination
	// Shutdown: a native sidecar the kubelet stopped after the app containers finished.
	Shutdown bool
}

// Pod is a pod's containers in start order: init containers and native
// sidecars by order, then regular containers, then ephemeral ones.
type Pod struct {
	Namespace string
	Name      string
	// HasStatus tells a pod read from a cluster (or a manifest with a status
	// block) from a bare spec or template.
	HasStatus bool
	Phase     corev1.PodPhase
	// Status, Ready and Restarts are the columns of kubectl get pod; Status is empty without a status.
	Status   string
	Ready    string
	Restarts int
	// LastRestartAt is when the newest restart counted in Restarts ended the run before it.
	LastRestartAt *time.Time
	// StartTime is status.startTime.
	StartTime *time.Time
	// NotScheduled is the scheduler's reason and message while the pod waits for a node.
	NotScheduled string
	// Unscheduled is true while the scheduler has not placed the pod.
	Unscheduled bool
	// InitSteps is the number of init containers and native sidecars.
	InitSteps  int
	Containers []Container
}

// Build reads the state of every classified container of the pod.
func Build(pod *corev1.Pod, cls classify.Result) Pod {
	sum := podstatus.Summarize(pod)
	p := Pod{Namespace: pod.Namespace, Name: pod.Name, HasStatus: HasStatus(pod), Phase: pod.Status.Phase,
		Ready: sum.Ready(), Restarts: sum.Restarts}
	if p.HasStatus {
		p.Status = sum.Status
		p.LastRestartAt = TimePtr(sum.LastRestartAt)
	}
	if pod.Status.StartTime != nil {
		p.StartTime = TimePtr(pod.Status.StartTime.Time)
	}
	if !sum.LastRestartAt.IsZero() {
		p.LastRestartAt = TimePtr(sum.LastRestartAt)
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			p.Unscheduled = true
			p.NotScheduled = strings.TrimSpace(c.Reason + " " + c.Message)
		}
	}
	specs, statuses := containerSpecs(pod), containerStatuses(pod)
	for _, cc := range cls.Containers {
		c := readContainer(cc, specs[cc.Name], statuses[cc.Name])
		if c.IsInit() {
			p.InitSteps++
		}
		p.Containers = append(p.Containers, c)
	}
	finished := p.AppsFinished()
	for i := range p.Containers {
		c := &p.Containers[i]
		c.Shutdown = finished && c.Kind == classify.KindSidecar && c.State == StateTerminated &&
			(*c.ExitCode == ExitSIGTERM || *c.ExitCode == ExitSIGKILL)
	}
	return p
}

// HasStatus tells a pod read from a cluster (or a manifest with a status
// block) from a bare spec or template.
func HasStatus(pod *corev1.Pod) bool {
	s := pod.Status
	return s.Phase != "" || len(s.ContainerStatuses) > 0 || len(s.InitContainerStatuses) > 0 || len(s.Conditions) > 0
}

func readContainer(cc classify.Container, spec *corev1.Container, st *corev1.ContainerStatus) Container {
	c := Container{Name: cc.Name, Image: cc.Image, Kind: cc.Kind, Role: cc.Role, Order: cc.Order, Reasons: cc.Reasons,
		Spec: spec, Status: st, State: StateUnknown}
	if st == nil {
		return c
	}
	c.Restarts, c.Ready = st.RestartCount, st.Ready
	c.Started = st.Started != nil && *st.Started
	c.ImagePulled = st.ImageID != ""
	switch s := st.State; {
	case s.Running != nil:
		c.State = StateRunning
		c.StartedAt = TimePtr(s.Running.StartedAt.Time)
	case s.Terminated != nil:
		c.State, c.Reason, c.Message = StateTerminated, s.Terminated.Reason, s.Terminated.Message
		code := s.Terminated.ExitCode
		c.ExitCode = &code
		c.StartedAt = TimePtr(s.Terminated.StartedAt.Time)
		c.FinishedAt = TimePtr(s.Terminated.FinishedAt.Time)
	case s.Waiting != nil:
		c.State, c.Reason, c.Message = StateWaiting, s.Waiting.Reason, s.Waiting.Message
	}
	if t := st.LastTerminationState.Terminated; t != nil {
		c.LastState = &Termination{Reason: t.Reason, ExitCode: t.ExitCode,
			StartedAt: TimePtr(t.StartedAt.Time), FinishedAt: TimePtr(t.FinishedAt.Time)}
	}
	return c
}

// Find returns the named container or nil.
func (p Pod) Find(name string) *Container {
	for i := range p.Containers {
		if p.Containers[i].Name == name {
			return &p.Containers[i]
		}
	}
	return nil
}

// IsInit tells whether the container runs before the regular containers.
func (c *Container) IsInit() bool {
	return c.Kind == classify.KindInit || c.Kind == classify.KindSidecar
}

// LetsNextRun tells whether an init step, by its own state, lets the next
// one start: an init container that exited 0, a native sidecar that has
// started (it keeps running).
func (c *Container) LetsNextRun() bool {
	switch c.Kind {
	case classify.KindInit:
		return c.State == StateTerminated && *c.ExitCode == 0
	case classify.KindSidecar:
		return c.Started
	}
	return false
}

// HasRun tells whether the container runs or has run at least once.
func (c *Container) HasRun() bool {
	return c.State == StateRunning || c.State == StateTerminated || c.Restarts > 0 || c.LastState != nil
}

// Blocker is the init step that holds the pod back, or nil. Init steps run
// one at a time in order, so the first one that has not let the next run
// blocks the rest. A step whose successors have run has let go whatever its
// state says now: a native sidecar that crashes after the pod initialised is
// restarted on its own and the kubelet does not re-run the init containers.
// A pod without status, or not scheduled yet, has no blocking step.
func (p Pod) Blocker() *Container {
	if !p.HasStatus || p.Unscheduled {
		return nil
	}
	for i := range p.Containers {
		c := &p.Containers[i]
		if !c.IsInit() {
			return nil
		}
		if !p.Passed(i) {
			return c
		}
	}
	return nil
}

// StepsAfter names the init steps after c, in order: those a blocking c holds back.
func (p Pod) StepsAfter(c *Container) []string {
	var out []string
	for i := range p.Containers {
		if later := &p.Containers[i]; later.IsInit() && later.Order > c.Order {
			out = append(out, later.Name)
		}
	}
	return out
}

// Passed tells whether the i-th container has let the init sequence go on:
// by its own state, or because a container after it has run.
func (p Pod) Passed(i int) bool {
	if p.Containers[i].LetsNextRun() {
		return true
	}
	for j := i + 1; j < len(p.Containers); j++ {
		if c := &p.Containers[j]; c.Kind != classify.KindEphemeral && c.HasRun() {
			return true
		}
	}
	return false
}

// Failing tells whether the container is failing: it exited non-zero (but
// not as a native sidecar stopped at pod shutdown), it is in
// CrashLoopBackOff, or it waits to be restarted after a non-zero exit. A
// container that runs again after a failure, or exited 0, is not failing.
func (c *Container) Failing() bool {
	switch c.State {
	case StateTerminated:
		return *c.ExitCode != 0 && !c.Shutdown
	case StateWaiting:
		return c.Reason == "CrashLoopBackOff" || (c.LastState != nil && c.LastState.ExitCode != 0)
	}
	return false
}

// AppsFinished tells whether the pod's regular containers have all
// finished (or the pod has ended), after which the kubelet stops the native
// sidecars with SIGTERM, then SIGKILL (KEP-753).
func (p Pod) AppsFinished() bool {
	if p.Phase == corev1.PodSucceeded || p.Phase == corev1.PodFailed {
		return true
	}
	any := false
	for i := range p.Containers {
		c := &p.Containers[i]
		if c.Kind != classify.KindContainer {
			continue
		}
		any = true
		if c.State != StateTerminated {
			return false
		}
	}
	return any
}

var pullErrors = map[string]bool{
	"ErrImagePull": true, "ImagePullBackOff": true, "InvalidImageName": true,
	"ErrImageNeverPull": true, "RegistryUnavailable": true,
}

var createErrors = map[string]bool{
	"CreateContainerConfigError": true, "CreateContainerError": true,
	"RunContainerError": true, "PreStartHookError": true, "PostStartHookError": true,
}

// CannotPull tells whether the container waits because its image cannot be pulled.
func (c *Container) CannotPull() bool { return c.State == StateWaiting && pullErrors[c.Reason] }

// CannotCreate tells whether the container waits because the kubelet cannot create or start it.
func (c *Container) CannotCreate() bool { return c.State == StateWaiting && createErrors[c.Reason] }

func containerSpecs(pod *corev1.Pod) map[string]*corev1.Container {
	out := map[string]*corev1.Container{}
	for i := range pod.Spec.InitContainers {
		out[pod.Spec.InitContainers[i].Name] = &pod.Spec.InitContainers[i]
	}
	for i := range pod.Spec.Containers {
		out[pod.Spec.Containers[i].Name] = &pod.Spec.Containers[i]
	}
	for i := range pod.Spec.EphemeralContainers {
		c := corev1.Container(pod.Spec.EphemeralContainers[i].EphemeralContainerCommon)
		out[c.Name] = &c
	}
	return out
}

func containerStatuses(pod *corev1.Pod) map[string]*corev1.ContainerStatus {
	out := map[string]*corev1.ContainerStatus{}
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses, pod.Status.EphemeralContainerStatuses} {
		for i := range list {
			out[list[i].Name] = &list[i]
		}
	}
	return out
}

// TimePtr is t in UTC for a JSON field, nil for the zero time (not known).
func TimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
