package kube

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/workload"
)

// DefaultChunkSize is kubectl's --chunk-size default.
const DefaultChunkSize = 500

// PodPages lists the pods of a namespace ("" for all) in pages of chunk
// (0: one request), as kubectl get does, handing each page to fn as it
// arrives so that a caller can print before the last page is read.
func (c *Client) PodPages(ctx context.Context, ns, selector string, chunk int64, fn func([]corev1.Pod) error) error {
	if _, err := labels.Parse(selector); err != nil {
		return fmt.Errorf("invalid selector %q: %w", selector, err)
	}
	opts := metav1.ListOptions{LabelSelector: selector, Limit: chunk}
	for {
		list, err := c.CS.CoreV1().Pods(ns).List(ctx, opts)
		if err != nil {
			return explain(err, "pods", "", ns)
		}
		if err := fn(list.Items); err != nil {
			return err
		}
		if list.Continue == "" {
			return nil
		}
		opts.Continue = list.Continue
	}
}

// objectLists list one resource of a namespace, for ObjectNames.
var objectLists = map[string]func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error){
	"configmaps": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.CoreV1().ConfigMaps(ns).List(ctx, o)
	},
	"secrets": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.CoreV1().Secrets(ns).List(ctx, o)
	},
	"serviceaccounts": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.CoreV1().ServiceAccounts(ns).List(ctx, o)
	},
	"persistentvolumeclaims": func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.CS.CoreV1().PersistentVolumeClaims(ns).List(ctx, o)
	},
}

// OwnerResource is what ObjectNames lists to find owners of an API group
// and kind (from an owner reference's apiVersion and kind): a workload of
// the one table in pkg/workload, or false.
func OwnerResource(apiVersion, kind string) (string, bool) {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		group = ""
	}
	k, ok := workload.ForAPI(group, kind)
	if !ok || k.Pods != workload.BySelector && k.Pods != workload.ByOwnedJobs || k.Name == "service" {
		return "", false
	}
	return k.Name, true
}

// ObjectNames lists one resource of a namespace, or of all with ns ""
// ("configmaps", "secrets", "serviceaccounts", "persistentvolumeclaims", or a
// canonical workload type such as "replicaset") in pages, and returns
// namespace → name → UID. One list per resource and namespace (or cluster),
// never one GET per pod.
func (c *Client) ObjectNames(ctx context.Context, ns, resource string, chunk int64) (map[string]map[string]string, error) {
	list, ok := objectLists[resource]
	if !ok {
		kind, known := workload.Lookup(resource)
		if !known || kind.Name != resource {
			return nil, fmt.Errorf("unknown resource %q", resource)
		}
		list = func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
			objs, err := c.objects(kind, ns)
			if err != nil {
				return nil, err
			}
			return objs.list(ctx, o)
		}
	}
	out := map[string]map[string]string{}
	opts := metav1.ListOptions{Limit: chunk}
	for {
		l, err := list(c, ctx, ns, opts)
		if err != nil {
			return nil, explain(err, resource, "", ns)
		}
		err = meta.EachListItem(l, func(o runtime.Object) error {
			m, err := meta.Accessor(o)
			if err != nil {
				return err
			}
			if out[m.GetNamespace()] == nil {
				out[m.GetNamespace()] = map[string]string{}
			}
			out[m.GetNamespace()][m.GetName()] = string(m.GetUID())
			return nil
		})
		if err != nil {
			return nil, err
		}
		lm, err := meta.ListAccessor(l)
		if err != nil || lm.GetContinue() == "" {
			return out, err
		}
		opts.Continue = lm.GetContinue()
	}
}

// NamespaceEvents lists the pod events of one namespace (all with ns ""), keyed by pod UID.
func (c *Client) NamespaceEvents(ctx context.Context, ns string, chunk int64) (map[string][]corev1.Event, error) {
	out := map[string][]corev1.Event{}
	opts := metav1.ListOptions{FieldSelector: "involvedObject.kind=Pod", Limit: chunk}
	for {
		list, err := c.CS.CoreV1().Events(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "events", "", ns)
		}
		for _, e := range list.Items {
			out[string(e.InvolvedObject.UID)] = append(out[string(e.InvolvedObject.UID)], e)
		}
		if list.Continue == "" {
			return out, nil
		}
		opts.Continue = list.Continue
	}
}

// JobCronJobs maps the Jobs of a namespace (all with ns "") to the CronJob
// that owns them: namespace → job → cronjob.
func (c *Client) JobCronJobs(ctx context.Context, ns string, chunk int64) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	opts := metav1.ListOptions{Limit: chunk}
	for {
		list, err := c.CS.BatchV1().Jobs(ns).List(ctx, opts)
		if err != nil {
			return nil, explain(err, "jobs", "", ns)
		}
		for _, j := range list.Items {
			for _, o := range j.OwnerReferences {
				if o.Kind == "CronJob" && o.Controller != nil && *o.Controller {
					if out[j.Namespace] == nil {
						out[j.Namespace] = map[string]string{}
					}
					out[j.Namespace][j.Name] = o.Name
				}
			}
		}
		if list.Continue == "" {
			return out, nil
		}
		opts.Continue = list.Continue
	}
}
