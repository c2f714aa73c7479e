package kube

import (
	"context"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/workload"
)

// CanonicalType maps what a user may type before the slash of TYPE/NAME
// ("deploy", "Deployment", "deployment.apps") to the canonical type name.
func CanonicalType(typ string) (string, bool) {
	kind, ok := workload.Lookup(typ)
	if !ok || !workload.Selectable(kind) {
		return "", false
	}
	return kind.Name, true
}

// Names lists the names of the objects of a canonical type (see Types) in a
// namespace, sorted. Shell completion uses it: it asks for names only, one
// list per TAB, and never for pods' specs of other types.
func (c *Client) Names(ctx context.Context, ns, typ string) ([]string, error) {
	kind, ok := workload.Lookup(typ)
	if !ok || kind.Name != typ || !workload.Selectable(kind) {
		return nil, fmt.Errorf("unknown resource type %q", typ)
	}
	objs, err := c.objects(kind, ns)
	if err != nil {
		return nil, err
	}
	// "0" lets the API server answer from its watch cache: a TAB needs names
	// now, not a quorum read of etcd.
	l, err := objs.list(ctx, metav1.ListOptions{ResourceVersion: "0"})
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
