//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// TYPE/NAME of every kind of the workload table finds its pods through the
// real API server: selectors as the API server stores them (a Job's is
// generated), a CronJob's pods through the Jobs it owns, a Service's own.
func TestDescribeEveryWorkloadKind(t *testing.T) {
	requirePlugin(t)
	ctx := testContext(t)
	const ns = "e2e-describe-kinds"
	require.NoError(t, cluster.EnsureNamespace(ctx, ns))
	ignoreExists := func(err error) {
		if err != nil && !strings.Contains(err.Error(), "already exists") {
			require.NoError(t, err)
		}
	}
	labels := map[string]string{"app": "kinds"}
	sel := &metav1.LabelSelector{MatchLabels: labels}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: lab.Task3Pod(ns).Spec}
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Namespace: ns} }
	apps, batch, core := cluster.Client.AppsV1(), cluster.Client.BatchV1(), cluster.Client.CoreV1()
	create := metav1.CreateOptions{}

	_, err := apps.StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{ObjectMeta: meta("kinds"),
		Spec: appsv1.StatefulSetSpec{ServiceName: "kinds", Selector: sel, Template: tmpl}}, create)
	ignoreExists(err)
	_, err = apps.DaemonSets(ns).Create(ctx, &appsv1.DaemonSet{ObjectMeta: meta("kinds"),
		Spec: appsv1.DaemonSetSpec{Selector: sel, Template: tmpl}}, create)
	ignoreExists(err)
	_, err = apps.ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: meta("kinds"),
		Spec: appsv1.ReplicaSetSpec{Selector: sel, Template: tmpl}}, create)
	ignoreExists(err)
	_, err = core.ReplicationControllers(ns).Create(ctx, &corev1.ReplicationController{ObjectMeta: meta("kinds"),
		Spec: corev1.ReplicationControllerSpec{Selector: labels, Template: &tmpl}}, create)
	ignoreExists(err)
	_, err = core.Services(ns).Create(ctx, &corev1.Service{ObjectMeta: meta("kinds"),
		Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80}}}}, create)
	ignoreExists(err)

	// A Job: the API server generates its selector (controller-uid) and the
	// template's labels; its pod carries them, as the Job controller's would.
	batchTmpl := *tmpl.DeepCopy()
	batchTmpl.Labels = nil
	batchTmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	_, err = batch.Jobs(ns).Create(ctx, &batchv1.Job{ObjectMeta: meta("once"), Spec: batchv1.JobSpec{Template: batchTmpl}}, create)
	ignoreExists(err)
	job, err := batch.Jobs(ns).Get(ctx, "once", metav1.GetOptions{})
	require.NoError(t, err)
	require.NotNil(t, job.Spec.Selector, "the API server sets a Job's selector")

	// A CronJob and a Job it owns; the Job's pod carries job-name.
	_, err = batch.CronJobs(ns).Create(ctx, &batchv1.CronJob{ObjectMeta: meta("nightly"), Spec: batchv1.CronJobSpec{
		Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: batchTmpl}}}}, create)
	ignoreExists(err)
	cj, err := batch.CronJobs(ns).Get(ctx, "nightly", metav1.GetOptions{})
	require.NoError(t, err)
	owned := meta("nightly-29000000")
	owned.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID}}
	_, err = batch.Jobs(ns).Create(ctx, &batchv1.Job{ObjectMeta: owned, Spec: batchv1.JobSpec{Template: batchTmpl}}, create)
	ignoreExists(err)
	nightly, err := batch.Jobs(ns).Get(ctx, owned.Name, metav1.GetOptions{})
	require.NoError(t, err)

	seed := func(name string, labels map[string]string) {
		p := lab.Task3Pod(ns)
		p.Name, p.Labels = name, labels
		_, err := lab.Seed(ctx, cluster, p, time.Now().Add(-time.Minute), nil)
		ignoreExists(err)
		t.Cleanup(func() { _ = cluster.DeletePod(testContext(t), ns, name) })
	}
	seed("kinds-0", labels)
	seed("kinds-1", labels)
	seed("once-abcde", job.Spec.Template.Labels)
	seed("nightly-29000000-fghij", nightly.Spec.Template.Labels)

	for ref, want := range map[string][]string{
		"sts/kinds":              {"kinds-0", "kinds-1"},
		"ds/kinds":               {"kinds-0", "kinds-1"},
		"rs/kinds":               {"kinds-0", "kinds-1"},
		"rc/kinds":               {"kinds-0", "kinds-1"},
		"svc/kinds":              {"kinds-0", "kinds-1"},
		"job/once":               {"once-abcde"},
		"cronjob/nightly":        {"nightly-29000000-fghij"},
		"statefulset.apps/kinds": {"kinds-0", "kinds-1"},
	} {
		res := plugin(t, "describe", ref, "-n", ns, "-o", "json")
		require.Equal(t, 0, res.ExitCode, "%s: %s", ref, res)
		var got []describedPod
		if len(want) == 1 {
			var one describedPod
			require.NoError(t, json.Unmarshal([]byte(res.Stdout), &one), res.Stdout)
			got = append(got, one)
		} else {
			require.NoError(t, json.Unmarshal([]byte(res.Stdout), &got), res.Stdout)
		}
		var names []string
		for _, p := range got {
			names = append(names, p.Name)
		}
		assert.Equal(t, want, names, ref)
	}

	// TAB after TYPE/ lists that kind's names from the same table.
	res := plugin(t, "__complete", "-n", ns, "describe", "cj/")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Contains(t, res.Stdout, "cj/nightly\n")
}
