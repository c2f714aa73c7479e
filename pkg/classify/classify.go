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
	// Ambiguous lists the containers whose evidence points to two roles
	// equally: the pod should say with the roles annotation.
	Ambiguous []Ambiguity
}

// Ambiguity is a container whose role the evidence does not settle.
type Ambiguity struct {
	Container string
	Message   string
	aboutMain bool // the main container was guessed
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

// Context is what is known around the pod, beyond its own spec. The zero
// value (a manifest, no cluster) is fine.
type Context struct {
	// Services of the pod's namespace; those whose selector matches the pod
	// tell which container takes the traffic.
	Services []corev1.Service
}

// Classify assigns kinds and roles from the pod alone. Rules are tried in
// order (user rules first).
func Classify(pod *corev1.Pod, rules Rules) Result {
	return ClassifyIn(pod, rules, Context{})
}

// ClassifyIn assigns kinds and roles, also weighing what the context says.
func ClassifyIn(pod *corev1.Pod, rules Rules, cx Context) Result {
	var res Result
	overrides, warnings := parseRolesAnnotation(pod)
	res.Warnings = warnings
	ann := pod.Annotations
	w := readWiring(pod)
	targets := serviceTargets(pod, cx.Services, w)
	matched := map[string]ruleMatch{}

	for i, c := range pod.Spec.InitContainers {
		cc := Container{Name: c.Name, Image: c.Image, Kind: KindInit, Role: RoleInit, Order: i + 1}
		if podstatus.IsSidecar(&c) {
			cc.Kind = KindSidecar
			cc.Role = RoleSidecar
			cc.Reasons = append(cc.Reasons, "init container with restartPolicy: Always (native sidecar)")
			if rule, why := rules.Match(c.Name, c.Image, ann); rule != nil && rule.Role != RoleMain {
				matched[c.Name] = ruleMatch{rule, why}
				cc.Reasons = append(cc.Reasons, why)
			}
		} else {
			cc.Reasons = append(cc.Reasons, fmt.Sprintf("init container %d of %d: runs to completion before the app starts", i+1, len(pod.Spec.InitContainers)))
		}
		res.Containers = append(res.Containers, cc)
	}

	regular, mainIdx, guess := classifyRegular(pod, rules, w, targets, matched)
	res.Containers = append(res.Containers, regular...)
	if guess != "" {
		res.Ambiguous = append(res.Ambiguous, Ambiguity{Container: regular[mainIdx].Name, Message: guess, aboutMain: true})
	}
	mainName := ""
	if mainIdx >= 0 {
		mainName = regular[mainIdx].Name
	}
	for i := range res.Containers {
		c := &res.Containers[i]
		helper := c.Kind == KindSidecar || (c.Kind == KindContainer && c.Role == "")
		if !helper || mainName == "" {
			if c.Role == "" {
				c.Role = RoleSidecar
			}
			continue
		}
		v := weigh(c.Name, mainName, matched[c.Name], w, targets[c.Name])
		c.Role = v.role
		c.Reasons = append(c.Reasons, v.reasons...)
		if v.ambiguous != "" {
			res.Ambiguous = append(res.Ambiguous, Ambiguity{Container: c.Name, Message: v.ambiguous})
		}
	}

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
	// The annotation settles what the evidence could not.
	namesMain := false
	for _, role := range overrides {
		namesMain = namesMain || role == RoleMain
	}
	kept := res.Ambiguous[:0]
	for _, a := range res.Ambiguous {
		if _, ok := overrides[a.Container]; !ok && !(a.aboutMain && namesMain) {
			kept = append(kept, a)
		}
	}
	res.Ambiguous = kept
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

// ruleMatch is the rule that names a helper and the evidence in words.
type ruleMatch struct {
	rule *Rule
	why  string
}

// classifyRegular picks the main container among spec.containers and gives
// the helpers named by a rule their rule; the others are weighed afterwards.
func classifyRegular(pod *corev1.Pod, rules Rules, w *wiring, targets map[string][]serviceTarget, matched map[string]ruleMatch) ([]Container, int, string) {
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
			matched[c.Name] = ruleMatch{rule, why}
			out[i].Reasons = []string{why}
		}
	}
	guess := ""
	if mainIdx < 0 {
		mainIdx, guess = pickMain(pod, out, candidates, w, targets)
	} else {
		out[mainIdx].Reasons = append(out[mainIdx].Reasons, targetReasons(targets[out[mainIdx].Name])...)
	}
	return out, mainIdx, guess
}

// pickMain chooses the main container among the candidates, and says so
// when the choice is a guess between look-alikes.
func pickMain(pod *corev1.Pod, out []Container, candidates []int, w *wiring, targets map[string][]serviceTarget) (int, string) {
	if len(out) == 0 {
		return -1, ""
	}
	idx, why, guess := 0, "", ""
	pool, note := narrowCandidates(pod, candidates, w, targets)
	switch {
	case len(out) == 1:
		why = "the only container"
	case len(pool) == 1 && len(targets[out[pool[0]].Name]) > 0 && len(candidates) > 1:
		idx, why = pool[0], "the only container not recognised as a helper that a Service targets"
	case len(pool) == 1:
		idx, why = pool[0], "the only container not recognised as a helper"+note
	case len(pool) == 0:
		why = "first container; every container looks like a helper (weak hint)"
	default:
		var withPorts []int
		for _, i := range pool {
			if len(pod.Spec.Containers[i].Ports) > 0 {
				withPorts = append(withPorts, i)
			}
		}
		if len(withPorts) == 1 {
			idx, why = withPorts[0], "only unrecognised container exposing ports"
		} else {
			idx, why = pool[0], "first of the unrecognised containers (weak hint)"
			names := make([]string, len(pool))
			for k, i := range pool {
				names[k] = pod.Spec.Containers[i].Name
			}
			guess = fmt.Sprintf("the main container is a guess among %s: set annotation %s (or %s) to say which",
				strings.Join(names, ", "), RolesAnnotation, DefaultContainerAnnotation)
			why += "; ambiguous: " + guess
		}
	}
	out[idx].Role = RoleMain
	out[idx].Reasons = append([]string{why}, out[idx].Reasons...)
	if ports := pod.Spec.Containers[idx].Ports; len(ports) > 0 && !strings.Contains(why, "ports") {
		out[idx].Reasons = append(out[idx].Reasons, "exposes port "+portList(ports))
	}
	out[idx].Reasons = append(out[idx].Reasons, targetReasons(targets[out[idx].Name])...)
	return idx, guess
}

// narrowCandidates keeps, among the containers no rule names, those a Service
// sends traffic to, then those that do not look like helpers by their wiring
// (only metrics ports). It never narrows to nothing.
func narrowCandidates(pod *corev1.Pod, candidates []int, w *wiring, targets map[string][]serviceTarget) ([]int, string) {
	pool := candidates
	var targeted []int
	for _, i := range pool {
		if len(targets[pod.Spec.Containers[i].Name]) > 0 {
			targeted = append(targeted, i)
		}
	}
	if len(targeted) > 0 {
		pool = targeted
	}
	var appLike []int
	var why []string
	for _, i := range pool {
		name := pod.Spec.Containers[i].Name
		switch {
		case w.onlyMetricsPorts(name):
			why = append(why, name+" exposes only metrics ports")
		case w.proxiesOut(name, pool, pod):
			why = append(why, name+" is called on localhost and names hosts outside the pod")
		default:
			appLike = append(appLike, i)
		}
	}
	if len(appLike) == 0 || len(why) == 0 {
		return pool, ""
	}
	return appLike, fmt.Sprintf(" by name or wiring (%s)", strings.Join(why, "; "))
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
