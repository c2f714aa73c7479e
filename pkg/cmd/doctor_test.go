package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/checks"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/scaffold"
)

func runDoctor(t *testing.T, cs kubernetes.Interface, args []string, setup func(*DoctorOptions)) (string, error) {
	t.Helper()
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	o := NewDoctorOptions(streams)
	testView(t, &o.viewOptions)
	o.Scan.ChunkSize = 500
	o.Scan.Targets.NewClient = clientOrFail(t, cs)
	if setup != nil {
		setup(o)
	}
	err := runOptions(o, args)
	return out.String(), err
}

func doctorJSON(t *testing.T, out string) printers.DoctorResult {
	t.Helper()
	var res printers.DoctorResult
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	return res
}

// Every shared fixture is a pod the API server accepted: doctor -f reports
// no error, except the live failure a fixture's status records.
func TestDoctorFixtures(t *testing.T) {
	for _, f := range testutil.Fixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			out, err := runDoctor(t, nil, nil, func(o *DoctorOptions) {
				o.Scan.Targets.Filenames = []string{f.Path}
				o.Output = "json"
			})
			res := doctorJSON(t, out)
			assert.Equal(t, 1, res.Pods)
			if f.Name == "seed/task2-nx-initfail" {
				require.Error(t, err)
				require.NotEmpty(t, res.Findings)
				assert.Equal(t, "init-failing", res.Findings[0].ID)
				assert.Equal(t, "init-index", res.Findings[0].Container)
				assert.NotEmpty(t, res.Findings[0].Fix)
				return
			}
			assert.NoError(t, err, "%+v", res.Findings)
		})
	}
}

// scaffold's output is correct by construction: doctor must agree.
func TestDoctorScaffoldOutput(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, p := range scaffold.Patterns {
		for _, k := range scaffold.Kinds {
			out, _, err := runScaffold(t, "", string(p), "web", "--kind", string(k))
			require.NoError(t, err, "%s %s", p, k)
			path := filepath.Join(dir, string(p)+"-"+string(k)+".yaml")
			require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
			files = append(files, path)
		}
	}
	for _, ex := range scaffold.ExampleNames() {
		out, _, err := runScaffold(t, "", "seed", ex)
		require.NoError(t, err)
		path := filepath.Join(dir, "seed-"+ex+".yaml")
		require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
		files = append(files, path)
	}
	out, err := runDoctor(t, nil, nil, func(o *DoctorOptions) {
		o.Scan.Targets.Filenames = files
		o.Output = "json"
	})
	res := doctorJSON(t, out)
	require.NoError(t, err, "%+v", res.Findings)
	assert.Equal(t, len(files), res.Pods)

	// A legacy sidecar in a Job is scaffold's documented compromise: a warning.
	out, _, err = runScaffold(t, "", "sidecar", "web", "--kind", "job", "--legacy")
	require.NoError(t, err)
	path := filepath.Join(dir, "legacy.yaml")
	require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
	out, err = runDoctor(t, nil, nil, func(o *DoctorOptions) { o.Scan.Targets.Filenames = []string{path}; o.Output = "json" })
	require.NoError(t, err)
	res = doctorJSON(t, out)
	require.Len(t, res.Findings, 1)
	assert.Equal(t, "helper-in-finite-pod", res.Findings[0].ID)
	_, err = runDoctor(t, nil, nil, func(o *DoctorOptions) { o.Scan.Targets.Filenames = []string{path}; o.FailOn = "warning" })
	assert.ErrorContains(t, err, "1 finding at or above warning")
	_, err = runDoctor(t, nil, nil, func(o *DoctorOptions) {
		o.Scan.Targets.Filenames = []string{path}
		o.FailOn = "warning"
		o.Ignore = []string{"helper-in-finite-pod"}
	})
	assert.NoError(t, err)
}

func TestDoctorFlags(t *testing.T) {
	_, err := runDoctor(t, nil, nil, func(o *DoctorOptions) { o.FailOn = "fatal" })
	assert.ErrorContains(t, err, "--fail-on must be one of error, warning, info, none")
	_, err = runDoctor(t, nil, nil, func(o *DoctorOptions) { o.Ignore = []string{"no-such-check"} })
	assert.ErrorContains(t, err, `--ignore "no-such-check": no such check`)
	_, err = runDoctor(t, nil, nil, func(o *DoctorOptions) { o.Scan.ChunkSize = -1 })
	assert.ErrorContains(t, err, "--chunk-size must be >= 0")
}

// On a cluster: references read once per namespace and resource, a list
// RBAC forbids is reported as skipped, pods come in pages.
func TestDoctorClusterReferences(t *testing.T) {
	mk := func(name string, cm string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
			Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "app", Image: "web", EnvFrom: []corev1.EnvFromSource{
					{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: cm}}},
					{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}}},
				}}},
			},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
				{Name: "app", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}},
		}
	}
	objs := []runtime.Object{mk("a", "cfg"), mk("b", "gone"), mk("c", "gone"),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "default"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "default"}}}
	cs := fake.NewClientset(objs...)
	cs.PrependReactor("list", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, forbidden("secrets")
	})
	out, err := runDoctor(t, cs, nil, func(o *DoctorOptions) { o.Output = "json" })
	require.Error(t, err)
	res := doctorJSON(t, out)
	assert.Equal(t, 3, res.Pods)
	var pods []string
	for _, f := range res.Findings {
		if f.ID == "missing-configmap" {
			pods = append(pods, f.Pod)
			assert.Equal(t, checks.Error, f.Severity)
			assert.Equal(t, "app", f.Container)
		}
	}
	assert.Equal(t, []string{"b", "c"}, pods)
	require.Len(t, res.Skipped, 1)
	assert.Equal(t, "secrets", res.Skipped[0].Resource)
	assert.Equal(t, []string{"missing-secret", "missing-image-pull-secret"}, res.Skipped[0].Checks)

	lists := map[string]int{}
	for _, a := range cs.Actions() {
		require.Equal(t, "list", a.GetVerb(), "no GET per pod: %v", a)
		lists[a.GetResource().Resource]++
	}
	assert.Equal(t, map[string]int{"pods": 1, "services": 1, "configmaps": 1, "secrets": 1, "serviceaccounts": 1}, lists,
		"one list of each, Services for the roles included")

	// The human view names the check once, then the pods.
	out, _ = runDoctor(t, cs, nil, nil)
	assert.Contains(t, out, "ERROR    missing-configmap  Referenced ConfigMap does not exist (2 pods)")
	assert.Contains(t, out, `SKIPPED  missing-secret, missing-image-pull-secret skipped in namespace "default": cannot list secrets`)
	assert.Contains(t, out, "3 pods checked: 2 errors, 0 warnings, 0 info.")
}

// With -A each resource is listed once for the whole cluster, and a
// namespace without any object of a kind counts as read (empty), not unknown.
func TestDoctorAllNamespacesListsOncePerCluster(t *testing.T) {
	mk := func(ns string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "web", EnvFrom: []corev1.EnvFromSource{
				{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}}}}}}
	}
	cs := fake.NewClientset(mk("a"), mk("b"), mk("c"),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "a"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "a"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "b"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "c"}})
	out, err := runDoctor(t, cs, nil, func(o *DoctorOptions) { o.Scan.Targets.AllNamespaces = true; o.Output = "json" })
	require.Error(t, err)
	res := doctorJSON(t, out)
	var where []string
	for _, f := range res.Findings {
		require.Equal(t, "missing-configmap", f.ID)
		where = append(where, f.Namespace)
	}
	assert.Equal(t, []string{"b", "c"}, where)
	for _, a := range cs.Actions() {
		assert.Equal(t, "", a.GetNamespace(), "%v", a)
	}
	assert.Len(t, cs.Actions(), 4, "pods, services, configmaps, serviceaccounts")
}

// The README's doctor example finds what the README says.
func TestDoctorReadmeExample(t *testing.T) {
	out, err := runDoctor(t, nil, nil, func(o *DoctorOptions) {
		o.Scan.Targets.Filenames = []string{filepath.Join(testutil.RepoRoot(), "docs", "examples", "nightly-report.yaml")}
		o.Output = "json"
	})
	require.ErrorContains(t, err, "1 finding at or above error (--fail-on error)")
	var got []string
	for _, f := range doctorJSON(t, out).Findings {
		got = append(got, f.ID)
	}
	assert.Equal(t, []string{"probe-port-undeclared", "emptydir-not-shared", "helper-in-finite-pod", "sidecar-without-startup-probe"}, got)
}
