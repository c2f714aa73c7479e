package checks

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

// specContainer is a container with where it sits in the spec.
type specContainer struct {
	c     *corev1.Container
	field string // "initContainers", "containers", "ephemeralContainers"
	index int
}

func (s specContainer) path() string { return fmt.Sprintf("%s[%d]", s.field, s.index) }

// sidecar tells a native sidecar: an init container with restartPolicy Always.
func (s specContainer) sidecar() bool { return s.field == "initContainers" && podstatus.IsSidecar(s.c) }

// longRunning tells the containers that run side by side with the app.
func (s specContainer) longRunning() bool { return s.field == "containers" || s.sidecar() }

func allContainers(pod *corev1.Pod) []specContainer {
	var out []specContainer
	for i := range pod.Spec.InitContainers {
		out = append(out, specContainer{&pod.Spec.InitContainers[i], "initContainers", i})
	}
	for i := range pod.Spec.Containers {
		out = append(out, specContainer{&pod.Spec.Containers[i], "containers", i})
	}
	for i := range pod.Spec.EphemeralContainers {
		c := corev1.Container(pod.Spec.EphemeralContainers[i].EphemeralContainerCommon)
		out = append(out, specContainer{&c, "ephemeralContainers", i})
	}
	return out
}

// duplicateNames: container names are unique across init, regular and
// ephemeral containers; the API server refuses a pod that repeats one.
func duplicateNames(in *Input) []Finding {
	first := map[string]specContainer{}
	var out []Finding
	for _, s := range allContainers(in.Pod) {
		if prev, ok := first[s.c.Name]; ok {
			out = append(out, Finding{Container: s.c.Name, Message: fmt.Sprintf(
				"container name %q is used by both %s and %s; the API server rejects the pod", s.c.Name, prev.path(), s.path())})
			continue
		}
		first[s.c.Name] = s
	}
	return out
}

var validRestartPolicies = map[corev1.ContainerRestartPolicy]bool{
	corev1.ContainerRestartPolicyAlways: true, "Never": true, "OnFailure": true,
}

// containerRestartPolicy: before Kubernetes 1.35 (ContainerRestartRules
// beta) restartPolicy is allowed on init containers only; people set it on
// a regular container when they meant a native sidecar.
func containerRestartPolicy(in *Input) []Finding {
	var out []Finding
	for i := range in.Pod.Spec.Containers {
		c := &in.Pod.Spec.Containers[i]
		if c.RestartPolicy == nil {
			continue
		}
		if !validRestartPolicies[*c.RestartPolicy] {
			out = append(out, Finding{Severity: Error, Container: c.Name, Message: fmt.Sprintf(
				"container %q has restartPolicy %q, which is not Always, Never or OnFailure; the API server rejects the pod", c.Name, *c.RestartPolicy)})
			continue
		}
		out = append(out, Finding{Container: c.Name, Message: fmt.Sprintf(
			"container %q sets restartPolicy: %s: API servers before 1.35 reject it (only init containers may set it); newer ones apply it to this container alone. A sidecar belongs in initContainers with restartPolicy: Always",
			c.Name, *c.RestartPolicy)})
	}
	return out
}

// sidecarRestartPolicy: only restartPolicy Always makes an init container a
// native sidecar; any other value is refused before 1.35 and, after, leaves
// an init container that must finish before the app starts.
func sidecarRestartPolicy(in *Input) []Finding {
	var out []Finding
	for i := range in.Pod.Spec.InitContainers {
		c := &in.Pod.Spec.InitContainers[i]
		if c.RestartPolicy == nil || *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			continue
		}
		if !validRestartPolicies[*c.RestartPolicy] {
			out = append(out, Finding{Severity: Error, Container: c.Name, Message: fmt.Sprintf(
				"init container %q has restartPolicy %q: only Always makes a native sidecar; the API server rejects the pod", c.Name, *c.RestartPolicy)})
			continue
		}
		out = append(out, Finding{Container: c.Name, Message: fmt.Sprintf(
			"init container %q has restartPolicy: %s, so it is not a native sidecar (only Always makes one): API servers before 1.35 reject it, newer ones wait for it to finish before starting the app",
			c.Name, *c.RestartPolicy)})
	}
	return out
}

// initContainerProbe: probes and lifecycle hooks are refused on an init
// container that is not a native sidecar (it runs to completion).
func initContainerProbe(in *Input) []Finding {
	var out []Finding
	for i := range in.Pod.Spec.InitContainers {
		c := &in.Pod.Spec.InitContainers[i]
		if podstatus.IsSidecar(c) {
			continue
		}
		var set []string
		for _, p := range []struct {
			name string
			on   bool
		}{
			{"livenessProbe", c.LivenessProbe != nil}, {"readinessProbe", c.ReadinessProbe != nil},
			{"startupProbe", c.StartupProbe != nil}, {"lifecycle", c.Lifecycle != nil},
		} {
			if p.on {
				set = append(set, p.name)
			}
		}
		if len(set) > 0 {
			out = append(out, Finding{Container: c.Name, Message: fmt.Sprintf(
				"init container %q sets %s, allowed only with restartPolicy: Always (a native sidecar); the API server rejects the pod",
				c.Name, strings.Join(set, ", "))})
		}
	}
	return out
}

// undefinedVolumeMount: every volumeMount and volumeDevice names a volume of spec.volumes.
func undefinedVolumeMount(in *Input) []Finding {
	defined := map[string]bool{}
	for _, v := range in.Pod.Spec.Volumes {
		defined[v.Name] = true
	}
	var out []Finding
	for _, s := range allContainers(in.Pod) {
		for _, m := range s.c.VolumeMounts {
			if !defined[m.Name] {
				out = append(out, Finding{Container: s.c.Name, Message: fmt.Sprintf(
					"container %q mounts volume %q at %s, but the pod defines no such volume; the API server rejects the pod", s.c.Name, m.Name, m.MountPath)})
			}
		}
		for _, d := range s.c.VolumeDevices {
			if !defined[d.Name] {
				out = append(out, Finding{Container: s.c.Name, Message: fmt.Sprintf(
					"container %q maps volume device %q, but the pod defines no such volume; the API server rejects the pod", s.c.Name, d.Name)})
			}
		}
	}
	return out
}

// duplicatePort: the containers that run together share one network
// namespace, so two of them declaring one port/protocol cannot both bind it.
func duplicatePort(in *Input) []Finding {
	owner := map[string]string{}
	var out []Finding
	for _, s := range allContainers(in.Pod) {
		if !s.longRunning() {
			continue
		}
		seen := map[string]bool{}
		for _, p := range s.c.Ports {
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			key := fmt.Sprintf("%d/%s", p.ContainerPort, proto)
			if seen[key] {
				continue
			}
			seen[key] = true
			if prev, ok := owner[key]; ok && prev != s.c.Name {
				out = append(out, Finding{Container: s.c.Name, Message: fmt.Sprintf(
					"containers %q and %q both declare port %s; they share the pod's network, so only one can listen on it", prev, s.c.Name, key)})
				continue
			}
			owner[key] = s.c.Name
		}
	}
	return out
}

// probePortUndeclared: a probe's named port is looked up among the ports
// of its own container; the API server accepts any name, the kubelet then
// fails the probe on every try.
func probePortUndeclared(in *Input) []Finding {
	var out []Finding
	for _, s := range allContainers(in.Pod) {
		names := map[string]bool{}
		for _, p := range s.c.Ports {
			if p.Name != "" {
				names[p.Name] = true
			}
		}
		probes := []struct {
			kind  string
			probe *corev1.Probe
		}{{"livenessProbe", s.c.LivenessProbe}, {"readinessProbe", s.c.ReadinessProbe}, {"startupProbe", s.c.StartupProbe}}
		var missing []string
		for _, p := range probes {
			if p.probe == nil {
				continue
			}
			var port *intstr.IntOrString
			switch {
			case p.probe.HTTPGet != nil:
				port = &p.probe.HTTPGet.Port
			case p.probe.TCPSocket != nil:
				port = &p.probe.TCPSocket.Port
			}
			if port != nil && port.Type == intstr.String && !names[port.StrVal] {
				missing = append(missing, fmt.Sprintf("%s port %q", p.kind, port.StrVal))
			}
		}
		if len(missing) > 0 {
			declared := "none"
			if len(names) > 0 {
				var list []string
				for n := range names {
					list = append(list, n)
				}
				sort.Strings(list)
				declared = strings.Join(list, ", ")
			}
			out = append(out, Finding{Container: s.c.Name, Message: fmt.Sprintf(
				"container %q: %s is not among its named ports (%s); the kubelet fails the probe every time",
				s.c.Name, strings.Join(missing, ", "), declared)})
		}
	}
	return out
}
