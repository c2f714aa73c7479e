package kube

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestServicesOneListPerNamespace(t *testing.T) {
	cs := fake.NewClientset(
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "else"}},
	)
	c := &Client{CS: cs}
	ctx := context.Background()
	for range 3 {
		list, err := c.Services(ctx, "shop")
		require.NoError(t, err)
		assert.Len(t, list, 2)
	}
	list, err := c.Services(ctx, "else")
	require.NoError(t, err)
	assert.Len(t, list, 1)
	lists := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == "list" && a.GetResource().Resource == "services" {
			lists++
		}
	}
	assert.Equal(t, 2, lists, "one list per namespace")
}
