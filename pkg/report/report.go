// Package report turns a pod (and its events) into what `describe` shows:
// containers with kind, role and evidence, status, shared volumes and
// findings. It is pure: no API access, no printing.
package report

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

// Pod is the report of one pod. Its JSON form is the documented schema of
// `describe -o json` (see docs/describe-schema.md): change it with care.
type Pod struct {
	Namespace  string      `json:"namespace"`
	Name       string      `json:"name"`
	Source     string      `json:"source,omitempty"`
	Node       string      `json:"node,omitempty"`
	Phase      string      `json:"phase,omitempty"`
	Status     string      `json:"status"`
	Ready      string      `json:"ready"`
	Restarts   int         `json:"restarts"`
	HasStatus  bool        `json:"hasStatus"`
	StartedAt  *time.Time  `json:"startedAt,omitempty"`
	Main       string      `json:"main"`
	Containers []Container `json:"containers"`
	Volumes    []Volume    `json:"volumes"`
	Findings   []Finding   `json:"findings"`
	Events     []Event     `json:"events"`

	// LastRestartAt is when the newest restart counted in Restarts ended: with
	// it, RESTARTS reads "3 (5m ago)" as in kubectl.
	LastRestartAt *time.Time `json:"lastRestartAt,omitempty"`
}

// Container is one container of the pod.
type Container struct {
	Name       string        `json:"name"`
	Image      string        `json:"image"`
	Kind       classify.Kind `json:"kind"`
	Role       classify.Role `json:"role"`
	Order      int           `json:"order"`
	Reasons    []string      `json:"reasons"`
	State      string        `json:"state"`
	Reason     string        `json:"reason,omitempty"`
	Message    string        `json:"message,omitempty"`
	ExitCode   *int32        `json:"exitCode"`
	Restarts   int32         `json:"restarts"`
	Ready      bool          `json:"ready"`
	Started    bool          `json:"started"`
	StartedAt  *time.Time    `json:"startedAt"`
	FinishedAt *time.Time    `json:"finishedAt"`
	LastState  *LastState    `json:"lastState"`
	Ports      []Port        `json:"ports"`
	Mounts     []Mount       `json:"mounts"`
	status     *corev1.ContainerStatus
	spec       *corev1.Container
}

// LastState is the previous termination of a restarted container.
type LastState struct {
	Reason     string     `json:"reason"`
	ExitCode   int32      `json:"exitCode"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
}

// Port is a declared container port.
type Port struct {
	Name          string `json:"name,omitempty"`
	ContainerPort int32  `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

// Mount is a volume mount of a container.
type Mount struct {
	Volume   string `json:"volume"`
	Path     string `json:"path"`
	ReadOnly bool   `json:"readOnly"`
}

// Volume is a pod volume and which containers mount it where.
type Volume struct {
	Name   string        `json:"name"`
	Type   string        `json:"type"`
	Shared bool          `json:"shared"`
	Mounts []VolumeMount `json:"mounts"`
}

// VolumeMount is one container's mount of a volume.
type VolumeMount struct {
	Container string `json:"container"`
	Path      string `json:"path"`
	ReadOnly  bool   `json:"readOnly"`
}

// Event is a Kubernetes event about the pod.
type Event struct {
	Type      string     `json:"type"`
	Reason    string     `json:"reason"`
	Message   string     `json:"message"`
	Count     int32      `json:"count"`
	Container string     `json:"container,omitempty"`
	LastSeen  *time.Time `json:"lastSeen,omitempty"`
	Source    string     `json:"source,omitempty"`
}

// States of a container.
const (
	StateWaiting    = "waiting"
	StateRunning    = "running"
	StateTerminated = "terminated"
	StateUnknown    = "unknown"
)

// Build makes the report of one pod. Events may be nil (no cluster).
func Build(pod *corev1.Pod, events []corev1.Event, rules classify.Rules) Pod {
	cls := classify.Classify(pod, rules)
	sum := podstatus.Summarize(pod)
	r := Pod{
		Namespace: pod.Namespace,
		Name:      pod.Name,
		Node:      pod.Spec.NodeName,
		Phase:     string(pod.Status.Phase),
		HasStatus: HasStatus(pod),
		Main:      cls.Main,
		Volumes:   volumes(pod),
		Events:    convertEvents(events),
	}
	if r.HasStatus {
		r.Status, r.Ready, r.Restarts = sum.Status, sum.Ready(), sum.Restarts
		if !sum.LastRestartAt.IsZero() {
			r.LastRestartAt = timePtr(sum.LastRestartAt)
		}
		if pod.Status.StartTime != nil {
			r.StartedAt = timePtr(pod.Status.StartTime.Time)
		}
	} else {
		r.Ready = sum.Ready()
	}
	specs := containerSpecs(pod)
	statuses := containerStatuses(pod)
	for _, c := range cls.Containers {
		r.Containers = append(r.Containers, buildContainer(c, specs[c.Name], statuses[c.Name]))
	}
	r.Findings = findings(pod, &r, cls.Warnings)
	return r
}

// HasStatus tells a pod read from a cluster (or a manifest with a status
// block) from a bare spec or template.
func HasStatus(pod *corev1.Pod) bool {
	s := pod.Status
	return s.Phase != "" || len(s.ContainerStatuses) > 0 || len(s.InitContainerStatuses) > 0 || len(s.Conditions) > 0
}

func buildContainer(c classify.Container, spec *corev1.Container, st *corev1.ContainerStatus) Container {
	out := Container{
		Name: c.Name, Image: c.Image, Kind: c.Kind, Role: c.Role, Order: c.Order, Reasons: c.Reasons,
		State: StateUnknown, Ports: []Port{}, Mounts: []Mount{}, spec: spec, status: st,
	}
	if spec != nil {
		for _, p := range spec.Ports {
			out.Ports = append(out.Ports, Port{Name: p.Name, ContainerPort: p.ContainerPort, Protocol: protocol(p.Protocol)})
		}
		for _, m := range spec.VolumeMounts {
			out.Mounts = append(out.Mounts, Mount{Volume: m.Name, Path: m.MountPath, ReadOnly: m.ReadOnly})
		}
	}
	if st == nil {
		return out
	}
	out.Restarts, out.Ready = st.RestartCount, st.Ready
	out.Started = st.Started != nil && *st.Started
	switch s := st.State; {
	case s.Running != nil:
		out.State = StateRunning
		out.StartedAt = timePtr(s.Running.StartedAt.Time)
	case s.Terminated != nil:
		out.State, out.Reason, out.Message = StateTerminated, s.Terminated.Reason, s.Terminated.Message
		code := s.Terminated.ExitCode
		out.ExitCode = &code
		out.StartedAt = timePtr(s.Terminated.StartedAt.Time)
		out.FinishedAt = timePtr(s.Terminated.FinishedAt.Time)
	case s.Waiting != nil:
		out.State, out.Reason, out.Message = StateWaiting, s.Waiting.Reason, s.Waiting.Message
	}
	if t := st.LastTerminationState.Terminated; t != nil {
		out.LastState = &LastState{Reason: t.Reason, ExitCode: t.ExitCode,
			StartedAt: timePtr(t.StartedAt.Time), FinishedAt: timePtr(t.FinishedAt.Time)}
	}
	return out
}

func protocol(p corev1.Protocol) string {
	if p == "" {
		return string(corev1.ProtocolTCP)
	}
	return string(p)
}

func volumes(pod *corev1.Pod) []Volume {
	shared := map[string]bool{}
	for _, v := range classify.SharedVolumes(pod) {
		shared[v.Name] = true
	}
	out := []Volume{}
	for _, v := range classify.Volumes(pod) {
		rv := Volume{Name: v.Name, Type: v.Type, Shared: shared[v.Name], Mounts: []VolumeMount{}}
		for _, m := range v.Mounts {
			rv.Mounts = append(rv.Mounts, VolumeMount{Container: m.Container, Path: m.Path, ReadOnly: m.ReadOnly})
		}
		out = append(out, rv)
	}
	return out
}

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

func convertEvents(events []corev1.Event) []Event {
	out := []Event{}
	for _, e := range events {
		ev := Event{Type: e.Type, Reason: e.Reason, Message: strings.TrimSpace(e.Message), Count: e.Count,
			Container: containerFromFieldPath(e.InvolvedObject.FieldPath)}
		if ev.Count == 0 {
			ev.Count = 1
		}
		last := e.LastTimestamp.Time
		if last.IsZero() {
			last = e.EventTime.Time
		}
		if last.IsZero() {
			last = e.FirstTimestamp.Time
		}
		if !last.IsZero() {
			ev.LastSeen = timePtr(last)
		}
		switch {
		case e.Source.Component != "":
			ev.Source = e.Source.Component
		case e.ReportingController != "":
			ev.Source = e.ReportingController
		}
		out = append(out, ev)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].LastSeen, out[j].LastSeen
		return a != nil && (b == nil || a.Before(*b))
	})
	return out
}

// containerFromFieldPath reads "spec.containers{nginx}" as "nginx".
func containerFromFieldPath(p string) string {
	open, end := strings.Index(p, "{"), strings.LastIndex(p, "}")
	if open < 0 || end <= open {
		return ""
	}
	return p[open+1 : end]
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
