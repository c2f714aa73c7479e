package workload_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/workload"
)

func TestLookup(t *testing.T) {
	for in, want := range map[string]string{
		"deploy": "deployment", "Deployments": "deployment", "deployment.apps": "deployment", "sts": "statefulset",
		"po": "pod", "pods": "pod", "cj": "cronjob", "svc": "service", "podtemplates": "podtemplate", "RC": "replicationcontroller",
	} {
		k, ok := workload.Lookup(in)
		require.True(t, ok, in)
		assert.Equal(t, want, k.Name, in)
	}
	for _, in := range []string{"", "secret", "deploys", "d"} {
		_, ok := workload.Lookup(in)
		assert.False(t, ok, in)
	}
}

// No spelling names two kinds, and every kind is an API kind client-go knows.
func TestTableIsConsistent(t *testing.T) {
	seen := map[string]string{}
	for _, k := range workload.Kinds {
		for _, w := range k.Words() {
			prev, dup := seen[w]
			assert.False(t, dup, "%q names %s and %s", w, prev, k.Name)
			seen[w] = k.Name
		}
		gvk := metav1.SchemeGroupVersion.WithKind(k.APIKind)
		gvk.Group, gvk.Version = k.Group, k.Version
		assert.True(t, scheme.Scheme.Recognizes(gvk), "%s is not %s", k.Name, gvk)
		got, ok := workload.ForAPI(k.Group, k.APIKind)
		assert.True(t, ok)
		assert.Equal(t, k.Name, got.Name)
	}
	_, ok := workload.ForAPI("extensions", "Deployment")
	assert.False(t, ok, "the group counts")
}

// PodTemplate reads the template's metadata and spec at SpecPath for every
// kind that has one.
func TestPodTemplateOfEveryKind(t *testing.T) {
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"a": "b"}},
		Spec:       corev1.PodSpec{InitContainers: []corev1.Container{{Name: "init"}}, Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
	objs := map[string]runtime.Object{
		"pod":                   &corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec, Status: corev1.PodStatus{Phase: corev1.PodRunning}},
		"deployment":            &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: tmpl}},
		"statefulset":           &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: tmpl}},
		"daemonset":             &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: tmpl}},
		"replicaset":            &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Template: tmpl}},
		"replicationcontroller": &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Template: &tmpl}},
		"job":                   &batchv1.Job{Spec: batchv1.JobSpec{Template: tmpl}},
		"cronjob":               &batchv1.CronJob{Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}}},
		"podtemplate":           &corev1.PodTemplate{Template: tmpl},
	}
	withTemplate := workload.Filter(workload.Kind.HasTemplate)
	assert.Len(t, withTemplate, len(objs))
	for _, k := range withTemplate {
		got, found, err := k.PodTemplate(objs[k.Name])
		require.NoError(t, err, k.Name)
		require.True(t, found, k.Name)
		assert.Equal(t, tmpl, *got, k.Name)
	}

	rc, _ := workload.Lookup("rc")
	_, found, err := rc.PodTemplate(&corev1.ReplicationController{})
	require.NoError(t, err)
	assert.False(t, found, "a replicationcontroller may have no template")
	svc, _ := workload.Lookup("svc")
	_, _, err = svc.PodTemplate(&corev1.Service{})
	assert.EqualError(t, err, "a service has no pod template")
}

func TestFilters(t *testing.T) {
	assert.Equal(t, []string{"pod", "deployment", "statefulset", "job", "cronjob"},
		workload.Names(workload.Filter(func(k workload.Kind) bool { return k.Scaffold })))
	assert.Equal(t, []string{"cronjob", "daemonset", "deployment", "job", "pod", "replicaset", "replicationcontroller", "service", "statefulset"},
		workload.SortedNames(workload.Filter(workload.Selectable)))
	job, _ := workload.Lookup("job")
	assert.Equal(t, "batch/v1", job.APIVersion())
	pod, _ := workload.Lookup("pod")
	assert.Equal(t, "v1", pod.APIVersion())
	assert.Empty(t, pod.TemplatePath())
}
