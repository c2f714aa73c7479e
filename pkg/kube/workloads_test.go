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
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

// TYPE/NAME of every selectable kind finds the pods its selector picks.
func TestSelectorOfEveryKind(t *testing.T) {
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: "lab", Name: name} }
	app := map[string]string{"app": "web"}
	sel := &metav1.LabelSelector{MatchLabels: app}
	owner := metav1.OwnerReference{APIVersion: "batch/v1", Kind: "CronJob", Name: "nightly"}
	objs := []runtime.Object{
		&appsv1.Deployment{ObjectMeta: meta("web"), Spec: appsv1.DeploymentSpec{Selector: sel}},
		&appsv1.StatefulSet{ObjectMeta: meta("web"), Spec: appsv1.StatefulSetSpec{Selector: sel}},
		&appsv1.DaemonSet{ObjectMeta: meta("web"), Spec: appsv1.DaemonSetSpec{Selector: sel}},
		&appsv1.ReplicaSet{ObjectMeta: meta("web"), Spec: appsv1.ReplicaSetSpec{Selector: sel}},
		&corev1.ReplicationController{ObjectMeta: meta("web"), Spec: corev1.ReplicationControllerSpec{Selector: app}},
		&batchv1.Job{ObjectMeta: meta("web"), Spec: batchv1.JobSpec{Selector: sel}},
		&corev1.Service{ObjectMeta: meta("web"), Spec: corev1.ServiceSpec{Selector: app}},
		&batchv1.CronJob{ObjectMeta: meta("nightly")},
		&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "lab", Name: "nightly-1", OwnerReferences: []metav1.OwnerReference{owner}}},
		&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "lab", Name: "nightly-2", OwnerReferences: []metav1.OwnerReference{owner}}},
		&batchv1.CronJob{ObjectMeta: meta("fresh")},
		&appsv1.Deployment{ObjectMeta: meta("nosel")},
		&corev1.Service{ObjectMeta: meta("external")},
	}
	c := &Client{CS: fake.NewClientset(objs...)}
	ctx := context.Background()
	for _, typ := range []string{"deployment", "statefulset", "daemonset", "replicaset", "replicationcontroller", "job", "service"} {
		got, err := c.selectorOf(ctx, "lab", Ref{Type: typ, Name: "web"})
		require.NoError(t, err, typ)
		assert.Equal(t, "app=web", got, typ)
	}
	got, err := c.selectorOf(ctx, "lab", Ref{Type: "cronjob", Name: "nightly"})
	require.NoError(t, err)
	assert.Equal(t, "job-name in (nightly-1,nightly-2)", got)

	for ref, msg := range map[Ref]string{
		{Type: "cronjob", Name: "fresh"}:     `cronjob "fresh" has no jobs yet`,
		{Type: "deployment", Name: "nosel"}:  `deployment "nosel" has an empty selector`,
		{Type: "service", Name: "external"}:  `service "external" has no usable selector`,
		{Type: "deployment", Name: "absent"}: `not found`,
		{Type: "podtemplate", Name: "web"}:   `unknown resource type "podtemplate"`,
	} {
		_, err := c.selectorOf(ctx, "lab", ref)
		assert.ErrorContains(t, err, msg, ref)
	}
}
