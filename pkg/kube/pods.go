// Package kube is the only package that talks to the Kubernetes API: it
// resolves what the user named (a pod, TYPE/NAME, a selector) into pods and
// fetches their events. It asks for nothing else, so one describe costs the
// pod and its events.
package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/workload"
)

// Query is what the user asked for.
type Query struct {
	Namespace     string
	AllNamespaces bool
	Names         []string // "nx", "pod/nx", "deploy/web"
	Selector      string
}

// Ref is a parsed TYPE/NAME argument.
type Ref struct {
	Type string // canonical: pod, deployment, statefulset, ...
	Name string
}

// Types lists the canonical TYPE names, sorted, for help and completion.
func Types() []string { return workload.SortedNames(workload.Filter(workload.Selectable)) }

// ParseRef reads "nx", "pod/nx" or "deploy/web" (also "deployment.apps/web").
func ParseRef(arg string) (Ref, error) {
	typ, name, found := strings.Cut(arg, "/")
	if !found {
		if arg == "" {
			return Ref{}, fmt.Errorf("empty pod name")
		}
		return Ref{Type: "pod", Name: arg}, nil
	}
	if name == "" || strings.Contains(name, "/") {
		return Ref{}, fmt.Errorf("%q is not TYPE/NAME", arg)
	}
	kind, ok := CanonicalType(typ)
	if !ok {
		typ, _, _ = strings.Cut(strings.ToLower(typ), ".")
		return Ref{}, fmt.Errorf("unknown resource type %q in %q: use one of %s", typ, arg, strings.Join(Types(), ", "))
	}
	return Ref{Type: kind, Name: name}, nil
}

// Client resolves queries with one clientset.
type Client struct {
	CS kubernetes.Interface

	services serviceCache
}

// Pods returns the pods the query names, in the order named (selector
// results sorted by namespace and name). Duplicates are dropped.
func (c *Client) Pods(ctx context.Context, q Query) ([]corev1.Pod, error) {
	ns := q.Namespace
	if q.AllNamespaces {
		ns = metav1.NamespaceAll
	}
	var out []corev1.Pod
	seen := map[string]bool{}
	add := func(pods ...corev1.Pod) {
		for _, p := range pods {
			key := p.Namespace + "/" + p.Name
			if !seen[key] {
				seen[key] = true
				out = append(out, p)
			}
		}
	}
	// -A alone means every pod.
	if q.Selector != "" || (q.AllNamespaces && len(q.Names) == 0) {
		if _, err := labels.Parse(q.Selector); err != nil {
			return nil, fmt.Errorf("invalid selector %q: %w", q.Selector, err)
		}
		pods, err := c.list(ctx, ns, q.Selector)
		if err != nil {
			return nil, err
		}
		if len(pods) == 0 {
			if q.Selector == "" {
				return nil, fmt.Errorf("no pods found in any namespace")
			}
			return nil, noPodsError(ns, "selector "+q.Selector)
		}
		add(pods...)
	}
	for _, arg := range q.Names {
		ref, err := ParseRef(arg)
		if err != nil {
			return nil, err
		}
		pods, err := c.resolve(ctx, q.Namespace, ref)
		if err != nil {
			return nil, err
		}
		add(pods...)
	}
	return out, nil
}

func (c *Client) resolve(ctx context.Context, ns string, ref Ref) ([]corev1.Pod, error) {
	kind, ok := workload.Lookup(ref.Type)
	if !ok || !workload.Selectable(kind) {
		return nil, fmt.Errorf("unknown resource type %q", ref.Type)
	}
	if kind.Pods == workload.Itself {
		p, err := c.CS.CoreV1().Pods(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return nil, explain(err, "pod", ref.Name, ns)
		}
		return []corev1.Pod{*p}, nil
	}
	selector, err := c.workloadSelector(ctx, ns, kind, ref.Name)
	if err != nil {
		return nil, explain(err, kind.Name, ref.Name, ns)
	}
	pods, err := c.list(ctx, ns, selector)
	if err != nil {
		return nil, err
	}
	if len(pods) == 0 {
		return nil, noPodsError(ns, kind.Name+"/"+ref.Name)
	}
	return pods, nil
}

func (c *Client) list(ctx context.Context, ns, selector string) ([]corev1.Pod, error) {
	list, err := c.CS.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, explain(err, "pods", "", ns)
	}
	pods := list.Items
	sort.Slice(pods, func(i, j int) bool {
		if pods[i].Namespace != pods[j].Namespace {
			return pods[i].Namespace < pods[j].Namespace
		}
		return pods[i].Name < pods[j].Name
	})
	return pods, nil
}

// Events returns the events of each pod, keyed by pod UID: one request for
// one pod, one list per namespace for several.
func (c *Client) Events(ctx context.Context, pods []corev1.Pod) (map[string][]corev1.Event, error) {
	out := map[string][]corev1.Event{}
	if len(pods) == 1 {
		p := pods[0]
		sel := fields.Set{
			"involvedObject.kind":      "Pod",
			"involvedObject.name":      p.Name,
			"involvedObject.namespace": p.Namespace,
			"involvedObject.uid":       string(p.UID),
		}.AsSelector().String()
		list, err := c.CS.CoreV1().Events(p.Namespace).List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			return nil, explain(err, "events", "", p.Namespace)
		}
		out[string(p.UID)] = list.Items
		return out, nil
	}
	namespaces := map[string]bool{}
	for _, p := range pods {
		namespaces[p.Namespace] = true
	}
	for ns := range namespaces {
		list, err := c.CS.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=Pod"})
		if err != nil {
			return nil, explain(err, "events", "", ns)
		}
		for _, e := range list.Items {
			out[string(e.InvolvedObject.UID)] = append(out[string(e.InvolvedObject.UID)], e)
		}
	}
	return out, nil
}

func noPodsError(ns, what string) error {
	if ns == "" {
		return fmt.Errorf("no pods found for %s in any namespace", what)
	}
	return fmt.Errorf("no pods found for %s in namespace %q", what, ns)
}
