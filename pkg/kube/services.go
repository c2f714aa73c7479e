package kube

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// serviceCache holds one list of Services per namespace for the life of a
// Client: describing many pods of a namespace costs one call, not one per pod.
type serviceCache struct {
	mu    sync.Mutex
	lists map[string][]corev1.Service
}

// Services lists the Services of a namespace, asking the API server once per
// namespace; later calls are answered from memory.
func (c *Client) Services(ctx context.Context, ns string) ([]corev1.Service, error) {
	c.services.mu.Lock()
	defer c.services.mu.Unlock()
	if list, ok := c.services.lists[ns]; ok {
		return list, nil
	}
	list, err := c.CS.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, explain(err, "services", "", ns)
	}
	if c.services.lists == nil {
		c.services.lists = map[string][]corev1.Service{}
	}
	c.services.lists[ns] = list.Items
	return list.Items, nil
}
