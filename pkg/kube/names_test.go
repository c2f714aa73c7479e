package kube

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestNamesListsOneTypeInOneNamespaceSorted(t *testing.T) {
	meta := func(ns, name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: ns, Name: name} }
	cs := fake.NewClientset(
		&corev1.Pod{ObjectMeta: meta("lab", "web-2")},
		&corev1.Pod{ObjectMeta: meta("lab", "nx")},
		&corev1.Pod{ObjectMeta: meta("other", "db-0")},
		&appsv1.Deployment{ObjectMeta: meta("lab", "web")},
		&appsv1.StatefulSet{ObjectMeta: meta("lab", "db")},
		&batchv1.CronJob{ObjectMeta: meta("lab", "nightly")},
		&corev1.Service{ObjectMeta: meta("lab", "front")},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "lab"}},
	)
	c := &Client{CS: cs}
	ctx := context.Background()
	tests := []struct {
		typ  string
		want []string
	}{
		{"pod", []string{"nx", "web-2"}},
		{"deployment", []string{"web"}},
		{"statefulset", []string{"db"}},
		{"cronjob", []string{"nightly"}},
		{"service", []string{"front"}},
		{"daemonset", nil},
	}
	for _, tt := range tests {
		got, err := c.Names(ctx, "lab", tt.typ)
		require.NoError(t, err, tt.typ)
		assert.Equal(t, tt.want, got, tt.typ)
	}
	_, err := c.Names(ctx, "lab", "secret")
	assert.EqualError(t, err, `unknown resource type "secret"`)

	ns, err := c.Namespaces(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"lab", "other"}, ns)
}

func TestCanonicalType(t *testing.T) {
	for in, want := range map[string]string{"deploy": "deployment", "Deployments": "deployment", "deployment.apps": "deployment", "sts": "statefulset", "po": "pod"} {
		got, ok := CanonicalType(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	_, ok := CanonicalType("secret")
	assert.False(t, ok)
}
