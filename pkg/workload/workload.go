// Package workload is the one table of the kinds of object that hold or
// select pods: what users call them, where their pod template sits, how
// their pods are found, whether their pods must finish and whether scaffold
// writes them. kube, manifest, scaffold and completion read it; none keeps a
// list of kinds of its own, so a kind added here is known everywhere.
package workload

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Selection says how the pods of an object are found in a cluster.
type Selection int

const (
	// Unselectable objects hold a template but run no pods (PodTemplate).
	Unselectable Selection = iota
	// Itself: the object is the pod.
	Itself
	// BySelector: the object's own label selector picks its pods.
	BySelector
	// ByOwnedJobs: the pods of the Jobs the object owns, which carry no
	// common label but the job-name of each (a CronJob's).
	ByOwnedJobs
)

// Kind is one kind of object that holds or selects pods.
type Kind struct {
	// Name is the canonical name, lower case: what TYPE/NAME and --kind print.
	Name string
	// APIKind, Group and Version are the API's names for it.
	APIKind, Group, Version string
	// Short are kubectl's short names; Name and Name+"s" are always accepted.
	Short []string
	// SpecPath is where the pod spec sits in the object (JSON/YAML keys);
	// the template's metadata is beside it. Nil: the kind has no pod spec.
	SpecPath []string
	// Pods says how its pods are found in a cluster.
	Pods Selection
	// Finishes: its pods must run to completion (restartPolicy is not
	// Always), so a helper in spec.containers would keep them running.
	Finishes bool
	// Scaffold: scaffold writes objects of this kind.
	Scaffold bool
}

// Kinds is the table, in the order help and completion show the kinds.
var Kinds = []Kind{
	{Name: "pod", APIKind: "Pod", Version: "v1", Short: []string{"po"}, SpecPath: []string{"spec"}, Pods: Itself, Scaffold: true},
	{Name: "deployment", APIKind: "Deployment", Group: "apps", Version: "v1", Short: []string{"deploy"},
		SpecPath: []string{"spec", "template", "spec"}, Pods: BySelector, Scaffold: true},
	{Name: "statefulset", APIKind: "StatefulSet", Group: "apps", Version: "v1", Short: []string{"sts"},
		SpecPath: []string{"spec", "template", "spec"}, Pods: BySelector, Scaffold: true},
	{Name: "daemonset", APIKind: "DaemonSet", Group: "apps", Version: "v1", Short: []string{"ds"},
		SpecPath: []string{"spec", "template", "spec"}, Pods: BySelector},
	{Name: "replicaset", APIKind: "ReplicaSet", Group: "apps", Version: "v1", Short: []string{"rs"},
		SpecPath: []string{"spec", "template", "spec"}, Pods: BySelector},
	{Name: "replicationcontroller", APIKind: "ReplicationController", Version: "v1", Short: []string{"rc"},
		SpecPath: []string{"spec", "template", "spec"}, Pods: BySelector},
	{Name: "job", APIKind: "Job", Group: "batch", Version: "v1",
		SpecPath: []string{"spec", "template", "spec"}, Pods: BySelector, Finishes: true, Scaffold: true},
	{Name: "cronjob", APIKind: "CronJob", Group: "batch", Version: "v1", Short: []string{"cj"},
		SpecPath: []string{"spec", "jobTemplate", "spec", "template", "spec"}, Pods: ByOwnedJobs, Finishes: true, Scaffold: true},
	{Name: "podtemplate", APIKind: "PodTemplate", Version: "v1", SpecPath: []string{"template", "spec"}},
	{Name: "service", APIKind: "Service", Version: "v1", Short: []string{"svc"}, Pods: BySelector},
}

// APIVersion is the object's apiVersion, e.g. "apps/v1".
func (k Kind) APIVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

// HasTemplate tells whether the object holds a pod spec.
func (k Kind) HasTemplate() bool { return k.SpecPath != nil }

// TemplatePath is where the pod template (metadata and spec) sits: empty
// for a Pod, whose own metadata and spec play that part.
func (k Kind) TemplatePath() []string {
	if k.SpecPath == nil {
		return nil
	}
	// A copy: callers append to it, and the table must not change.
	return slices.Clone(k.SpecPath[:len(k.SpecPath)-1])
}

// Words are the spellings users may type for the kind: its name, its
// plural and its short names.
func (k Kind) Words() []string {
	return append([]string{k.Name, k.Name + "s"}, k.Short...)
}

// Lookup reads what a user typed for a kind: "deploy", "Deployments",
// "deployment.apps" (the group is not checked, as kubectl's short forms go).
func Lookup(word string) (Kind, bool) {
	word, _, _ = strings.Cut(strings.ToLower(word), ".")
	for _, k := range Kinds {
		for _, w := range k.Words() {
			if w == word {
				return k, true
			}
		}
	}
	return Kind{}, false
}

// ForAPI finds the kind of an API group and kind, e.g. ("apps", "Deployment").
func ForAPI(group, apiKind string) (Kind, bool) {
	for _, k := range Kinds {
		if k.Group == group && k.APIKind == apiKind {
			return k, true
		}
	}
	return Kind{}, false
}

// Filter lists the kinds for which keep is true, in table order.
func Filter(keep func(Kind) bool) []Kind {
	var out []Kind
	for _, k := range Kinds {
		if keep(k) {
			out = append(out, k)
		}
	}
	return out
}

// Names lists the names of kinds, in the order given.
func Names(kinds []Kind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.Name
	}
	return out
}

// SortedNames lists the names of kinds sorted, for messages.
func SortedNames(kinds []Kind) []string {
	out := Names(kinds)
	sort.Strings(out)
	return out
}

// Selectable: the kind picks pods in a cluster (TYPE/NAME accepts it).
func Selectable(k Kind) bool { return k.Pods != Unselectable }

// PodTemplate reads the pod template of obj, an object of kind k: found is
// false when the object has none (a ReplicationController may leave it out).
func (k Kind) PodTemplate(obj runtime.Object) (tmpl *corev1.PodTemplateSpec, found bool, err error) {
	if !k.HasTemplate() {
		return nil, false, fmt.Errorf("a %s has no pod template", k.Name)
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, false, err
	}
	m := u
	if path := k.TemplatePath(); len(path) > 0 {
		if m, found, err = unstructured.NestedMap(u, path...); err != nil || !found {
			return nil, false, err
		}
	}
	tmpl = &corev1.PodTemplateSpec{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, tmpl); err != nil {
		return nil, false, err
	}
	return tmpl, true, nil
}
