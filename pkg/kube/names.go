package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
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

// nameLists lists the objects of each canonical type, for Names.
var nameLists = map[string]func(c *Client, ctx context.Context, ns string, opts metav1.ListOptions) (runtime.Object, error){
	"pod": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.CoreV1().Pods(ns).List(ctx, o)
	},
	"deployment": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.AppsV1().Deployments(ns).List(ctx, o)
	},
	"statefulset": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.AppsV1().StatefulSets(ns).List(ctx, o)
	},
	"daemonset": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.AppsV1().DaemonSets(ns).List(ctx, o)
	},
	"replicaset": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.AppsV1().ReplicaSets(ns).List(ctx, o)
	},
	"replicationcontroller": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.CoreV1().ReplicationControllers(ns).List(ctx, o)
	},
	"job": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.BatchV1().Jobs(ns).List(ctx, o)
	},
	"cronjob": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.BatchV1().CronJobs(ns).List(ctx, o)
	},
	"service": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.CoreV1().Services(ns).List(ctx, o)
	},
}

// Names lists the names of the objects of a canonical type (see Types) in a
// namespace, sorted. Shell completion uses it: it asks for names only, one
// list per TAB, and never for pods' specs of other types.
func (c *Client) Names(ctx context.Context, ns, typ string) ([]string, error) {
	list, ok := nameLists[typ]
	if !ok {
		return nil, fmt.Errorf("unknown resource type %q", typ)
	}
	// "0" lets the API server answer from its watch cache: a TAB needs names
	// now, not a quorum read of etcd.
	l, err := list(c, ctx, ns, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return nil, explain(err, typ+"s", "", ns)
	}
	var names []string
	err = meta.EachListItem(l, func(o runtime.Object) error {
		m, err := meta.Accessor(o)
		if err != nil {
			return err
		}
		names = append(names, m.GetName())
		return nil
	})
	if err != nil {
		return nil, err
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
