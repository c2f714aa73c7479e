package kube

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/polymorphichelpers"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/workload"
)

// objects reads the objects of one kind in one namespace.
type objects interface {
	get(ctx context.Context, name string) (runtime.Object, error)
	list(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error)
}

// typedClient is what every typed client of client-go offers.
type typedClient[T, L runtime.Object] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
}

type typed[T, L runtime.Object] struct{ c typedClient[T, L] }

func (t typed[T, L]) get(ctx context.Context, name string) (runtime.Object, error) {
	return t.c.Get(ctx, name, metav1.GetOptions{})
}

func (t typed[T, L]) list(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
	return t.c.List(ctx, opts)
}

func of[T, L runtime.Object](c typedClient[T, L]) objects { return typed[T, L]{c} }

// clients maps each selectable kind of the workload table to its typed
// client: the only per-kind code of this package (a test keeps it in step
// with the table). Typed clients, not the dynamic one, so that the fake
// clientset serves command tests.
var clients = map[string]func(cs kubernetes.Interface, ns string) objects{
	"pod":         func(cs kubernetes.Interface, ns string) objects { return of(cs.CoreV1().Pods(ns)) },
	"deployment":  func(cs kubernetes.Interface, ns string) objects { return of(cs.AppsV1().Deployments(ns)) },
	"statefulset": func(cs kubernetes.Interface, ns string) objects { return of(cs.AppsV1().StatefulSets(ns)) },
	"daemonset":   func(cs kubernetes.Interface, ns string) objects { return of(cs.AppsV1().DaemonSets(ns)) },
	"replicaset":  func(cs kubernetes.Interface, ns string) objects { return of(cs.AppsV1().ReplicaSets(ns)) },
	"replicationcontroller": func(cs kubernetes.Interface, ns string) objects {
		return of(cs.CoreV1().ReplicationControllers(ns))
	},
	"job":     func(cs kubernetes.Interface, ns string) objects { return of(cs.BatchV1().Jobs(ns)) },
	"cronjob": func(cs kubernetes.Interface, ns string) objects { return of(cs.BatchV1().CronJobs(ns)) },
	"service": func(cs kubernetes.Interface, ns string) objects { return of(cs.CoreV1().Services(ns)) },
}

func (c *Client) objects(kind workload.Kind, ns string) (objects, error) {
	newClient, ok := clients[kind.Name]
	if !ok {
		return nil, fmt.Errorf("unknown resource type %q", kind.Name)
	}
	return newClient(c.CS, ns), nil
}

// selectorOf reads the label selector of the pods a workload runs or a
// service serves.
func (c *Client) selectorOf(ctx context.Context, ns string, ref Ref) (string, error) {
	kind, ok := workload.Lookup(ref.Type)
	if !ok || kind.Pods == workload.Unselectable || kind.Pods == workload.Itself {
		return "", fmt.Errorf("unknown resource type %q", ref.Type)
	}
	return c.workloadSelector(ctx, ns, kind, ref.Name)
}

// workloadSelector fetches the object, then takes its selector.
func (c *Client) workloadSelector(ctx context.Context, ns string, kind workload.Kind, name string) (string, error) {
	objs, err := c.objects(kind, ns)
	if err != nil {
		return "", err
	}
	obj, err := objs.get(ctx, name)
	if err != nil {
		return "", err
	}
	if kind.Pods == workload.ByOwnedJobs {
		return c.ownedJobsSelector(ctx, ns, kind, name)
	}
	return objectSelector(obj, kind, name)
}

// objectSelector is the object's own selector, read by kubectl's
// polymorphichelpers as kubectl logs and attach read it. An empty selector
// would select every pod of the namespace: refuse it.
func objectSelector(obj runtime.Object, kind workload.Kind, name string) (string, error) {
	_, sel, err := polymorphichelpers.SelectorsForObject(obj)
	if err != nil {
		return "", fmt.Errorf("%s %q has no usable selector: %w", kind.Name, name, err)
	}
	// A missing selector reads as labels.Nothing(), which is not Empty()
	// but prints as "", and "" lists every pod.
	if sel.Empty() || sel.String() == "" {
		return "", fmt.Errorf("%s %q has an empty selector", kind.Name, name)
	}
	return sel.String(), nil
}

// ownedJobsSelector selects the pods of the Jobs a CronJob owns: they carry
// no common label but the job-name of each.
func (c *Client) ownedJobsSelector(ctx context.Context, ns string, kind workload.Kind, name string) (string, error) {
	jobs, err := c.CS.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	var names []string
	for _, j := range jobs.Items {
		for _, o := range j.OwnerReferences {
			if o.Kind == kind.APIKind && o.Name == name {
				names = append(names, j.Name)
			}
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("%s %q has no jobs yet", kind.Name, name)
	}
	return "job-name in (" + strings.Join(names, ",") + ")", nil
}
