// Package classify tells, for every container of a pod, its kind (where it
// sits in the lifecycle) and its role (which multi-container pattern it
// plays), with the evidence in words. It is pure: a pod in, a result out.
package classify

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

// Kind is the lifecycle axis.
type Kind string

// Role is the design-pattern axis.
type Role string

// Kinds of containers.
const (
	KindInit      Kind = "init"
	KindSidecar   Kind = "sidecar"
	KindContainer Kind = "container"
	KindEphemeral Kind = "ephemeral"
)

// Roles a container can play.
const (
	RoleInit       Role = "init"
	RoleMain       Role = "main"
	RoleSidecar    Role = "sidecar"
	RoleAdapter    Role = "adapter"
	RoleAmbassador Role = "ambassador"
	RoleDebug      Role = "debug"
)

// AllRoles lists every role, for flag validation and completion.
var AllRoles = []Role{RoleInit, RoleMain, RoleSidecar, RoleAdapter, RoleAmbassador, RoleDebug}

// Annotations read by the classifier.
const (
	RolesAnnotation            = "pods-pattern.io/roles"
	DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container"
	serviceAccountVolumePrefix = "kube-api-access-"
)

// Container is one container with its kind, role and the evidence.
type Container struct {
	Name    string
	Image   string
	Kind    Kind
	Role    Role
	Order   int // 1-based position in spec.initContainers for init and sidecar kinds, else 0
	Reasons []string
}

// Result is the classification of a whole pod, containers in start order:
// init containers and native sidecars by order, then containers, then ephemeral.
type Result struct {
	Main       string
	Containers []Container
	// Warnings are problems with the pod's own role annotation.
	Warnings []string
}

// Find returns the named container or nil.
func (r *Result) Find(name string) *Container {
	for i := range r.Containers {
		if r.Containers[i].Name == name {
			return &r.Containers[i]
		}
	}
	return nil
}

// Classify assigns kinds and roles. Rules are tried in order (user rules first).
func Classify(pod *corev1.Pod, rules Rules) Result {
	var res Result
	overrides, warnings := parseRolesAnnotation(pod)
	res.Warnings = warnings
	ann := pod.Annotations

	for i, c := range pod.Spec.InitContainers {
		cc := Container{Name: c.Name, Image: c.Image, Kind: KindInit, Role: RoleInit, Order: i + 1}
		if podstatus.IsSidecar(&c) {
			cc.Kind = KindSidecar
			cc.Role = RoleSidecar
			cc.Reasons = append(cc.Reasons, "init container with restartPolicy: Always (native sidecar)")
			if rule, why := rules.Match(c.Name, c.Image, ann); rule != nil && rule.Role != RoleMain {
				cc.Role = rule.Role
				cc.Reasons = append(cc.Reasons, why)
			}
		} else {
			cc.Reasons = append(cc.Reasons, fmt.Sprintf("init container %d of %d: runs to completion before the app starts", i+1, len(pod.Spec.InitContainers)))
		}
		res.Containers = append(res.Containers, cc)
	}

	regular := classifyRegular(pod, rules)
	res.Containers = append(res.Containers, regular...)

	for _, e := range pod.Spec.EphemeralContainers {
		cc := Container{Name: e.Name, Image: e.Image, Kind: KindEphemeral, Role: RoleDebug,
			Reasons: []string{"ephemeral container (added by kubectl debug)"}}
		if e.TargetContainerName != "" {
			cc.Reasons = append(cc.Reasons, fmt.Sprintf("targets container %s", e.TargetContainerName))
		}
		res.Containers = append(res.Containers, cc)
	}

	for i := range res.Containers {
		c := &res.Containers[i]
		if role, ok := overrides[c.Name]; ok {
			c.Role = role
			c.Reasons = append([]string{fmt.Sprintf("annotation %s says %s", RolesAnnotation, role)}, c.Reasons...)
		}
	}
	for _, c := range res.Containers {
		if c.Role == RoleMain && c.Kind == KindContainer {
			res.Main = c.Name
			break
		}
	}
	if res.Main == "" {
		for _, c := range res.Containers {
			if c.Role == RoleMain {
				res.Main = c.Name
				break
			}
		}
	}
	addSharedVolumeEvidence(pod, &res)
	for name := range overrides {
		if res.Find(name) == nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("annotation %s names container %q, which the pod does not have", RolesAnnotation, name))
		}
	}
	sort.Strings(res.Warnings)
	return res
}

// classifyRegular picks the main container and the helpers among spec.containers.
func classifyRegular(pod *corev1.Pod, rules Rules) []Container {
	out := make([]Container, len(pod.Spec.Containers))
	mainIdx := -1
	defaultName := pod.Annotations[DefaultContainerAnnotation]
	var candidates []int // containers no rule recognises as a helper
	for i, c := range pod.Spec.Containers {
		out[i] = Container{Name: c.Name, Image: c.Image, Kind: KindContainer}
		if c.Name == defaultName {
			mainIdx = i
			out[i].Role = RoleMain
			out[i].Reasons = []string{"annotation " + DefaultContainerAnnotation}
			continue
		}
		rule, why := rules.Match(c.Name, c.Image, pod.Annotations)
		switch {
		case rule == nil:
			candidates = append(candidates, i)
		case rule.Role == RoleMain:
			if mainIdx < 0 {
				mainIdx = i
				out[i].Role = RoleMain
				out[i].Reasons = []string{why}
				continue
			}
			candidates = append(candidates, i)
		default:
			out[i].Role = rule.Role
			out[i].Reasons = []string{why}
		}
	}
	if mainIdx < 0 {
		mainIdx, out = pickMain(pod, out, candidates)
	}
	for _, i := range candidates {
		if i == mainIdx || out[i].Role != "" {
			continue
		}
		out[i].Role = RoleSidecar
		out[i].Reasons = append(out[i].Reasons, fmt.Sprintf("runs beside the main container %s and no rule names its role", out[mainIdx].Name))
	}
	return out
}

func pickMain(pod *corev1.Pod, out []Container, candidates []int) (int, []Container) {
	if len(out) == 0 {
		return -1, out
	}
	idx, why := 0, ""
	switch {
	case len(out) == 1:
		why = "the only container"
	case len(candidates) == 1:
		idx, why = candidates[0], "the only container not recognised as a helper"
	case len(candidates) == 0:
		why = "first container; every container looks like a helper (weak hint)"
	default:
		var withPorts []int
		for _, i := range candidates {
			if len(pod.Spec.Containers[i].Ports) > 0 {
				withPorts = append(withPorts, i)
			}
		}
		if len(withPorts) == 1 {
			idx, why = withPorts[0], "only unrecognised container exposing ports"
		} else {
			idx, why = candidates[0], "first of the unrecognised containers (weak hint)"
		}
	}
	out[idx].Role = RoleMain
	out[idx].Reasons = append([]string{why}, out[idx].Reasons...)
	if ports := pod.Spec.Containers[idx].Ports; len(ports) > 0 && !strings.Contains(why, "ports") {
		out[idx].Reasons = append(out[idx].Reasons, "exposes port "+portList(ports))
	}
	return idx, out
}

func portList(ports []corev1.ContainerPort) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = fmt.Sprint(p.ContainerPort)
	}
	return strings.Join(s, ", ")
}

// addSharedVolumeEvidence records, for each container, the non-token volumes
// it shares with others: the usual wiring of init, sidecar and adapter patterns.
func addSharedVolumeEvidence(pod *corev1.Pod, res *Result) {
	for _, v := range SharedVolumes(pod) {
		for _, m := range v.Mounts {
			c := res.Find(m.Container)
			if c == nil {
				continue
			}
			var others []string
			for _, o := range v.Mounts {
				if o.Container != m.Container {
					others = append(others, o.Container)
				}
			}
			c.Reasons = append(c.Reasons, fmt.Sprintf("shares %s %s with %s", v.Type, v.Name, strings.Join(others, ", ")))
		}
	}
}

// Volume is a pod volume and the containers that mount it.
type Volume struct {
	Name   string
	Type   string
	Mounts []Mount
}

// Mount is one container's mount of a volume.
type Mount struct {
	Container string
	Path      string
	ReadOnly  bool
}

// Volumes lists every pod volume with its mounts, in spec order.
func Volumes(pod *corev1.Pod) []Volume {
	out := make([]Volume, 0, len(pod.Spec.Volumes))
	index := map[string]int{}
	for _, v := range pod.Spec.Volumes {
		index[v.Name] = len(out)
		out = append(out, Volume{Name: v.Name, Type: VolumeType(v)})
	}
	add := func(name string, mounts []corev1.VolumeMount) {
		for _, m := range mounts {
			i, ok := index[m.Name]
			if !ok {
				continue
			}
			out[i].Mounts = append(out[i].Mounts, Mount{Container: name, Path: m.MountPath, ReadOnly: m.ReadOnly})
		}
	}
	for _, c := range pod.Spec.InitContainers {
		add(c.Name, c.VolumeMounts)
	}
	for _, c := range pod.Spec.Containers {
		add(c.Name, c.VolumeMounts)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		add(c.Name, c.VolumeMounts)
	}
	return out
}

// SharedVolumes are the volumes mounted by two or more containers, leaving out
// the service-account token volume that every container gets by default.
func SharedVolumes(pod *corev1.Pod) []Volume {
	var out []Volume
	for _, v := range Volumes(pod) {
		if strings.HasPrefix(v.Name, serviceAccountVolumePrefix) && v.Type == "projected" {
			continue
		}
		seen := map[string]bool{}
		for _, m := range v.Mounts {
			seen[m.Container] = true
		}
		if len(seen) >= 2 {
			out = append(out, v)
		}
	}
	return out
}

// VolumeType names the volume source, e.g. "emptyDir", "configMap".
func VolumeType(v corev1.Volume) string {
	s := v.VolumeSource
	switch {
	case s.EmptyDir != nil:
		return "emptyDir"
	case s.ConfigMap != nil:
		return "configMap"
	case s.Secret != nil:
		return "secret"
	case s.Projected != nil:
		return "projected"
	case s.PersistentVolumeClaim != nil:
		return "persistentVolumeClaim"
	case s.HostPath != nil:
		return "hostPath"
	case s.DownwardAPI != nil:
		return "downwardAPI"
	case s.CSI != nil:
		return "csi"
	case s.Ephemeral != nil:
		return "ephemeral"
	case s.NFS != nil:
		return "nfs"
	case s.Image != nil:
		return "image"
	default:
		return "volume"
	}
}

// parseRolesAnnotation reads `pods-pattern.io/roles: "name=role,name=role"`.
func parseRolesAnnotation(pod *corev1.Pod) (map[string]Role, []string) {
	raw, ok := pod.Annotations[RolesAnnotation]
	if !ok {
		return nil, nil
	}
	out := map[string]Role{}
	var warnings []string
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, role, found := strings.Cut(part, "=")
		name, role = strings.TrimSpace(name), strings.TrimSpace(role)
		if !found || name == "" || !ValidRole(role) {
			warnings = append(warnings, fmt.Sprintf("annotation %s: ignored %q (want name=role, role one of %s)", RolesAnnotation, part, RoleNames()))
			continue
		}
		out[name] = Role(role)
	}
	return out, warnings
}

// ValidRole reports whether s names a role.
func ValidRole(s string) bool {
	for _, r := range AllRoles {
		if string(r) == s {
			return true
		}
	}
	return false
}

// RoleNames lists the roles for messages.
func RoleNames() string { return strings.Join(RoleStrings(), ", ") }

// RoleStrings lists the roles as strings, for flags and completion.
func RoleStrings() []string {
	s := make([]string, len(AllRoles))
	for i, r := range AllRoles {
		s[i] = string(r)
	}
	return s
}
