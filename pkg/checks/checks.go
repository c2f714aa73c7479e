// Package checks is the catalogue behind `doctor` and `summary`: every check
// has a stable ID, a severity, one line of why it matters and one of what to
// do (docs/checks.md has a page per ID). Each check is a function from a pod
// and plain data about its namespace to findings. It is pure: no API access,
// no printing.
package checks

import (
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// Severities, most serious first.
const (
	Error   = report.SeverityError
	Warning = report.SeverityWarning
	Info    = report.SeverityInfo
)

// Rank orders severities: error 3, warning 2, info 1, anything else 0.
func Rank(severity string) int {
	switch severity {
	case Error:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// Group says what a check looks at, which tells what it needs.
type Group string

// Groups of checks.
const (
	// Shape: the pod spec alone; what the API server or the kubelet refuses.
	Shape Group = "shape"
	// Pattern: the pod spec and its roles; legal but likely a mistake.
	Pattern Group = "pattern"
	// Live: the pod's status (and events); nothing for a bare manifest.
	Live Group = "live"
	// Reference: other objects of the namespace; needs a cluster.
	Reference Group = "reference"
)

// Check is one entry of the catalogue.
type Check struct {
	ID       string
	Group    Group
	Severity string // the usual severity; a finding may be milder (e.g. optional: true)
	Title    string
	Why      string
	Fix      string
	run      func(*Input) []Finding
	needs    string
}

// Finding is one thing a check found in one pod.
type Finding struct {
	ID        string `json:"id"`
	Severity  string `json:"severity"`
	Container string `json:"container,omitempty"`
	Message   string `json:"message"`
}

// Input is a pod and what is known around it.
type Input struct {
	Pod *corev1.Pod
	// Report is report.Build's view of the pod: the live checks read its findings.
	Report *report.Pod
	Rules  classify.Rules
	// Events of the pod; nil when not read.
	Events []corev1.Event
	// Namespace holds the pod's namespace's objects; nil skips the reference checks.
	Namespace *Namespace
}

// Namespace is what the reference checks need to know about a namespace:
// the names of its objects by kind. A nil set means "not read" (RBAC, no
// cluster), and the checks that need it say nothing.
type Namespace struct {
	ConfigMaps      Names
	Secrets         Names
	ServiceAccounts Names
	PVCs            Names
	// Owners maps an owner kind ("ReplicaSet", "Job", ...) to name → UID.
	Owners map[string]map[string]string
}

// Names is a set of object names; nil means unknown.
type Names map[string]bool

// Catalogue lists every check in the order of docs/checks.md.
func Catalogue() []Check {
	out := make([]Check, len(catalogue))
	copy(out, catalogue)
	return out
}

// Lookup returns the check with this ID.
func Lookup(id string) (Check, bool) {
	for _, c := range catalogue {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// Run applies every check of the given groups (all when none) to one pod.
// Findings come most severe first, then in catalogue order.
func Run(in *Input, groups ...Group) []Finding {
	want := map[Group]bool{}
	for _, g := range groups {
		want[g] = true
	}
	var out []Finding
	for _, c := range catalogue {
		if len(want) > 0 && !want[c.Group] {
			continue
		}
		for _, f := range c.run(in) {
			f.ID = c.ID
			if f.Severity == "" {
				f.Severity = c.Severity
			}
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return Rank(out[i].Severity) > Rank(out[j].Severity) })
	return out
}

// Worst is the most severe finding, or nil.
func Worst(findings []Finding) *Finding {
	var w *Finding
	for i := range findings {
		if w == nil || Rank(findings[i].Severity) > Rank(w.Severity) {
			w = &findings[i]
		}
	}
	return w
}

// ToReport converts findings for describe's report, keeping their IDs.
func ToReport(findings []Finding) []report.Finding {
	out := make([]report.Finding, 0, len(findings))
	for _, f := range findings {
		out = append(out, report.Finding{ID: f.ID, Severity: f.Severity, Container: f.Container, Message: f.Message})
	}
	return out
}

// fromReport picks the report's findings with one ID: those checks are made
// by report.Build, on the same container model that describe and init use.
func fromReport(id string) func(*Input) []Finding {
	return func(in *Input) []Finding {
		if in.Report == nil {
			return nil
		}
		var out []Finding
		for _, f := range in.Report.Findings {
			if f.ID == id {
				out = append(out, Finding{Severity: f.Severity, Container: f.Container, Message: f.Message})
			}
		}
		return out
	}
}

// PodFinding is a finding with the pod it is about: one element of
// `doctor -o json` (see docs/checks.md).
type PodFinding struct {
	ID        string `json:"id"`
	Severity  string `json:"severity"`
	Context   string `json:"context,omitempty"`
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container,omitempty"`
	Message   string `json:"message"`
	Fix       string `json:"fix"`
}

// Wants says what the enabled checks need read to check this pod: the
// namespace's resources (see Needs*), the owner kinds, and whether its
// events matter. Nothing is read that no enabled check would use.
func Wants(in *Input, enabled func(id string) bool) (resources []string, ownerKinds []string, events bool) {
	on := func(need string) bool {
		for _, c := range catalogue {
			if c.needs == need && enabled(c.ID) {
				return true
			}
		}
		return false
	}
	pod := in.Pod
	if on(NeedsConfigMaps) && len(configMapRefs(pod)) > 0 {
		resources = append(resources, NeedsConfigMaps)
	}
	if (enabled("missing-secret") && len(secretRefs(pod)) > 0) || (enabled("missing-image-pull-secret") && len(pod.Spec.ImagePullSecrets) > 0) {
		resources = append(resources, NeedsSecrets)
	}
	if on(NeedsServiceAccounts) {
		resources = append(resources, NeedsServiceAccounts)
	}
	if on(NeedsPVCs) {
		for _, v := range pod.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				resources = append(resources, NeedsPVCs)
				break
			}
		}
	}
	if on(NeedsOwners) {
		ownerKinds = OwnerKinds([]*corev1.Pod{pod})
	}
	events = on(NeedsEvents) && in.Report != nil && in.Report.HasStatus && in.Report.Phase == string(corev1.PodPending)
	return resources, ownerKinds, events
}

// ChecksNeeding lists the IDs of the checks that read a resource, to say
// which were skipped when it could not be read.
func ChecksNeeding(resource string) []string {
	var out []string
	for _, c := range catalogue {
		if c.needs == resource {
			out = append(out, c.ID)
		}
	}
	return out
}
