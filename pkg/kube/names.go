package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CanonicalType maps what a user may type before the slash of TYPE/NAME
// ("deploy", "Deployment", "deployment.apps") to the canonical type name.
func CanonicalType(typ string) (string, bool) {
	typ, _, _ = strings.Cut(strings.ToLower(typ), ".")
	canonical, ok := typeAliases[typ]
	return canonical, ok
}

// TypeAliases lists every spelling of every TYPE that ParseRef accepts, sorted.
func TypeAliases() []string {
	out := make([]string, 0, len(typeAliases))
	for alias := range typeAliases {
		out = append(out, alias)
	}
	sort.Strings(out)
	return out
}

// Names lists the names of the objects of a canonical type (see Types) in a
// namespace, sorted. Shell completion uses it: it asks for names only, one
// list per TAB, and never for pods' specs of other types.
func (c *Client) Names(ctx context.Context, ns, typ string) ([]string, error) {
	var names []string
	// "0" lets the API server answer from its watch cache: a TAB needs names
	// now, not a quorum read of etcd.
	opts := metav1.ListOptions{ResourceVersion: "0"}
	switch typ {
	case "pod":
		l, err := c.CS.CoreV1().Pods(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "pods", "", ns)
		}
		for _, o := range l.Items {
			names = append(names, o.Name)
		}
	case "deployment":
		l, err := c.CS.AppsV1().Deployments(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "deployments", "", ns)
		}
		for _, o := range l.Items {
			names = append(names, o.Name)
		}
	case "statefulset":
		l, err := c.CS.AppsV1().StatefulSets(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "statefulsets", "", ns)
		}
		for _, o := range l.Items {
			names = append(names, o.Name)
		}
	case "daemonset":
		l, err := c.CS.AppsV1().DaemonSets(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "daemonsets", "", ns)
		}
		for _, o := range l.Items {
			names = append(names, o.Name)
		}
	case "replicaset":
		l, err := c.CS.AppsV1().ReplicaSets(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "replicasets", "", ns)
		}
		for _, o := range l.Items {
			names = append(names, o.Name)
		}
	case "replicationcontroller":
		l, err := c.CS.CoreV1().ReplicationControllers(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "replicationcontrollers", "", ns)
		}
		for _, o := range l.Items {
			names = append(names, o.Name)
		}
	case "job":
		l, err := c.CS.BatchV1().Jobs(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "jobs", "", ns)
		}
		for _, o := range l.Items {
			names = append(names, o.Name)
		}
	case "cronjob":
		l, err := c.CS.BatchV1().CronJobs(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "cronjobs", "", ns)
		}
		for _, o := range l.Items {
			names = append(names, o.Name)
		}
	case "service":
		l, err := c.CS.CoreV1().Services(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "services", "", ns)
		}
		for _, o := range l.Items {
			names = append(names, o.Name)
		}
	default:
		return nil, fmt.Errorf("unknown resource type %q", typ)
	}
	sort.Strings(names)
	return names, nil
}

// Namespaces lists the namespaces' names, sorted.
func (c *Client) Namespaces(ctx context.Context) ([]string, error) {
	l, err := c.CS.CoreV1().Namespaces().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return nil, explain(err, "namespaces", "", "")
	}
	names := make([]string, 0, len(l.Items))
	for _, o := range l.Items {
		names = append(names, o.Name)
	}
	sort.Strings(names)
	return names, nil
}
