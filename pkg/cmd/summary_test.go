package cmd

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), got)
}

func fixturePaths(t *testing.T) []string {
	var out []string
	for _, f := range testutil.Fixtures(t) {
		out = append(out, f.Path)
	}
	return out
}

func runSummary(t *testing.T, cs kubernetes.Interface, args []string, setup func(*SummaryOptions)) (string, string, error) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	o := NewSummaryOptions(streams)
	testView(t, &o.viewOptions)
	o.Scan.ChunkSize = 500
	o.Scan.Targets.NewClient = clientOrFail(t, cs)
	if setup != nil {
		setup(o)
	}
	err := runOptions(o, args)
	return out.String(), errOut.String(), err
}

// The three views over every shared fixture, as golden files.
func TestViewsGolden(t *testing.T) {
	files := fixturePaths(t)
	out, _, err := runSummary(t, nil, nil, func(o *SummaryOptions) { o.Scan.Targets.Filenames = files })
	require.NoError(t, err)
	golden(t, "summary.txt", out)

	out, _, err = runSummary(t, nil, nil, func(o *SummaryOptions) { o.Scan.Targets.Filenames = files; o.By = "workload" })
	require.NoError(t, err)
	golden(t, "summary-by-workload.txt", out)

	out, err = runDoctor(t, nil, nil, func(o *DoctorOptions) { o.Scan.Targets.Filenames = files; o.FailOn = "none" })
	require.NoError(t, err)
	golden(t, "doctor.txt", out)
}

func TestSummaryJSONAndProblems(t *testing.T) {
	files := fixturePaths(t)
	out, _, err := runSummary(t, nil, nil, func(o *SummaryOptions) { o.Scan.Targets.Filenames = files; o.Output = "json"; o.Problems = true })
	require.NoError(t, err)
	var res struct {
		Items []struct {
			Name     string            `json:"name"`
			Status   string            `json:"status"`
			Ready    string            `json:"ready"`
			Restarts int               `json:"restarts"`
			Main     string            `json:"main"`
			Roles    map[string]string `json:"roles"`
			Pattern  string            `json:"pattern"`
			Findings []struct {
				ID, Severity, Container, Message string
			} `json:"findings"`
		} `json:"items"`
		Errors []any `json:"errors"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	require.NotNil(t, res.Errors)
	var failing bool
	for _, it := range res.Items {
		assert.NotEmpty(t, it.Findings, "--problems keeps only pods with findings: %s", it.Name)
		if it.Status == "Init:CrashLoopBackOff" {
			failing = true
			assert.Equal(t, "0/1", it.Ready)
			assert.Equal(t, 3, it.Restarts)
			assert.Equal(t, "nginx", it.Main)
			assert.Equal(t, map[string]string{"init-index": "init", "nginx": "main"}, it.Roles)
			assert.Equal(t, "init → app", it.Pattern)
			assert.Equal(t, "init-failing", it.Findings[0].ID)
		}
	}
	assert.True(t, failing)
	assert.Less(t, len(res.Items), len(files))
}

// Pods arrive in pages and rows stream out per page; --by workload folds a
// Deployment's pods through their ReplicaSet and a CronJob's through its Job.
func TestSummaryClusterWorkloads(t *testing.T) {
	yes := true
	pod := func(name, ownerKind, owner, hash string, ready bool) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "web"}, {Name: "log-shipper", Image: "fluent/fluent-bit"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
				{Name: "app", Ready: ready, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
				{Name: "log-shipper", Ready: true, RestartCount: 2, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}},
			}}}
		if hash != "" {
			p.Labels["pod-template-hash"] = hash
		}
		if ownerKind != "" {
			p.OwnerReferences = []metav1.OwnerReference{{Kind: ownerKind, Name: owner, Controller: &yes}}
		}
		return p
	}
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "backup-29000000", Namespace: "default",
		OwnerReferences: []metav1.OwnerReference{{Kind: "CronJob", Name: "backup", Controller: &yes}}}}
	objs := []runtime.Object{
		pod("web-7d9f-aaaaa", "ReplicaSet", "web-7d9f", "7d9f", true),
		pod("web-7d9f-bbbbb", "ReplicaSet", "web-7d9f", "7d9f", false),
		pod("backup-29000000-xyz", "Job", job.Name, "", true),
		pod("lonely", "", "", "", true),
		job,
	}
	cs := fake.NewClientset(objs...)
	out, _, err := runSummary(t, cs, nil, func(o *SummaryOptions) { o.By = "workload" })
	require.NoError(t, err)
	assert.Contains(t, out, "deployment/web   2      1/2     app + sidecar(log-shipper)   sidecar:4   helper-restarting×2, app-not-ready×1\n")
	assert.Contains(t, out, "cronjob/backup   1      1/1 ")
	assert.Contains(t, out, "pod/lonely       1      1/1 ")
	assert.Contains(t, out, "Restarting helpers: 4 log-shipper")

	var jobLists int
	for _, a := range cs.Actions() {
		require.Equal(t, "list", a.GetVerb())
		if a.GetResource().Resource == "jobs" {
			jobLists++
		}
	}
	assert.Equal(t, 1, jobLists, "one list of Jobs for the namespace")

	_, errOut, err := runSummary(t, fake.NewClientset(), nil, nil)
	require.NoError(t, err)
	assert.Equal(t, "No resources found in default namespace.\n", errOut)
}
