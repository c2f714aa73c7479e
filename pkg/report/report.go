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
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podmodel"
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
}

// LastState is the previous termination of a restarted container.
type LastState = podmodel.Termination

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
	StateWaiting    = string(podmodel.StateWaiting)
	StateRunning    = string(podmodel.StateRunning)
	StateTerminated = string(podmodel.StateTerminated)
	StateUnknown    = string(podmodel.StateUnknown)
)

// Build makes the report of one pod. Events may be nil (no cluster).
func Build(pod *corev1.Pod, events []corev1.Event, rules classify.Rules) Pod {
	return BuildIn(pod, events, rules, classify.Context{})
}

// BuildIn is Build with what is known around the pod (its namespace's
// Services), which the roles weigh too.
func BuildIn(pod *corev1.Pod, events []corev1.Event, rules classify.Rules, cx classify.Context) Pod {
	cls := classify.ClassifyIn(pod, rules, cx)
	model := podmodel.Build(pod, cls)
	r := Pod{Namespace: model.Namespace, Name: model.Name, Node: pod.Spec.NodeName, Phase: string(model.Phase),
		Status: model.Status, Ready: model.Ready, Restarts: model.Restarts, HasStatus: model.HasStatus,
		Main: cls.Main, Volumes: volumes(pod), Events: convertEvents(events)}
	if r.HasStatus {
		r.StartedAt = model.StartTime
		r.LastRestartAt = model.LastRestartAt
	}
	for i := range model.Containers {
		r.Containers = append(r.Containers, containerView(&model.Containers[i]))
	}
	r.Findings = findings(pod, &model, cls.Warnings)
	r.Findings = append(r.Findings, ambiguityFindings(cls.Ambiguous)...)
	return r
}

// containerView is the documented JSON form of one container.
func containerView(c *podmodel.Container) Container {
	out := Container{
		Name: c.Name, Image: c.Image, Kind: c.Kind, Role: c.Role, Order: c.Order, Reasons: c.Reasons,
		State: string(c.State), Reason: c.Reason, Message: c.Message, ExitCode: c.ExitCode,
		Restarts: c.Restarts, Ready: c.Ready, Started: c.Started, StartedAt: c.StartedAt, FinishedAt: c.FinishedAt,
		LastState: c.LastState, Ports: []Port{}, Mounts: []Mount{},
	}
	if c.Spec != nil {
		for _, p := range c.Spec.Ports {
			out.Ports = append(out.Ports, Port{Name: p.Name, ContainerPort: p.ContainerPort, Protocol: protocol(p.Protocol)})
		}
		for _, m := range c.Spec.VolumeMounts {
			out.Mounts = append(out.Mounts, Mount{Volume: m.Name, Path: m.MountPath, ReadOnly: m.ReadOnly})
		}
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

func convertEvents(events []corev1.Event) []Event {
	out := []Event{}
	for i := range events {
		e := &events[i]
		ev := Event{Type: e.Type, Reason: e.Reason, Message: strings.TrimSpace(e.Message), Count: int32(podmodel.EventCount(e)),
			Container: podmodel.EventContainer(e)}
		if _, last := podmodel.EventTimes(e); !last.IsZero() {
			ev.LastSeen = podmodel.TimePtr(last)
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
