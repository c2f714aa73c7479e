package cmd

import (
	"context"
	"fmt"
	"io"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
)

// namespaceServices gives every command the same classify.Context for a pod:
// the Services of its namespace, listed once per cluster and namespace (once
// per cluster with -A, as doctor lists what its checks need). A Service can
// decide which container is the app, so describe, summary, doctor and init
// must all weigh them or they name different mains.
type namespaceServices struct {
	mu     sync.Mutex // logs asks from its pod watch and its streams at once
	errOut io.Writer
	all    bool
	lists  map[string]map[string][]corev1.Service // context, scope -> namespace -> Services; nil when the list failed
}

func newNamespaceServices(errOut io.Writer, allNamespaces bool) *namespaceServices {
	return &namespaceServices{errOut: errOut, all: allNamespaces, lists: map[string]map[string][]corev1.Service{}}
}

// of returns the context to classify pod in. client nil (manifests, no
// cluster) is the empty context. Like events, Services help but are not the
// pod: a list that fails is one warning line and the roles are weighed
// without them.
func (s *namespaceServices) of(ctx context.Context, client *kube.Client, kubeContext string, pod *corev1.Pod) classify.Context {
	if client == nil {
		return classify.Context{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	scope := pod.Namespace
	if s.all {
		scope = ""
	}
	key := kubeContext + "\x00" + scope
	byNS, done := s.lists[key]
	if !done {
		list, err := client.Services(ctx, scope)
		if err != nil {
			where := fmt.Sprintf("namespace %q", scope)
			if scope == "" {
				where = "all namespaces"
			}
			if kubeContext != "" {
				where = fmt.Sprintf("context %q %s", kubeContext, where)
			}
			fmt.Fprintf(s.errOut, "warning: roles weighed without Services of %s: %v\n", where, err)
		}
		if err == nil {
			byNS = map[string][]corev1.Service{}
			for _, svc := range list {
				byNS[svc.Namespace] = append(byNS[svc.Namespace], svc)
			}
		}
		s.lists[key] = byNS
	}
	return classify.Context{Services: byNS[pod.Namespace]}
}
