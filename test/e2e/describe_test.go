//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

type fixtureExpectation struct {
	Main      string            `json:"main"`
	Roles     map[string]string `json:"roles"`
	Kinds     map[string]string `json:"kinds"`
	InitOrder []string          `json:"initOrder"`
	Status    string            `json:"status"`
	Ready     string            `json:"ready"`
}

type describedPod struct {
	Name       string `json:"name"`
	Namespace  string `json:"namespace"`
	Status     string `json:"status"`
	Ready      string `json:"ready"`
	Main       string `json:"main"`
	Containers []struct {
		Name  string `json:"name"`
		Kind  string `json:"kind"`
		Role  string `json:"role"`
		Order int    `json:"order"`
	} `json:"containers"`
	Events []struct {
		Reason    string `json:"reason"`
		Container string `json:"container"`
	} `json:"events"`
}

func fixturePaths(t *testing.T) []string {
	root, err := framework.RepoRoot()
	require.NoError(t, err)
	paths, err := filepath.Glob(filepath.Join(root, "testdata", "fixtures", "*", "*.expected.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	return paths
}

// storeFixture creates the fixture's pod on the lab node and writes its
// status through the status subresource, the way a kubelet reports it.
func storeFixture(t *testing.T, manifest, ns string) *corev1.Pod {
	data, err := os.ReadFile(manifest)
	require.NoError(t, err)
	var pod corev1.Pod
	require.NoError(t, yaml.Unmarshal(data, &pod))
	status := pod.Status
	pod.ObjectMeta = metav1.ObjectMeta{Name: pod.Name, Namespace: ns, Labels: pod.Labels, Annotations: pod.Annotations}
	pod.Spec.NodeName = cluster.Node
	pod.Status = corev1.PodStatus{}
	ctx := testContext(t)
	_, err = cluster.CreatePod(ctx, &pod)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cluster.DeletePod(testContext(t), ns, pod.Name) })
	stored, err := cluster.UpdatePodStatus(ctx, ns, pod.Name, func(p *corev1.Pod) { p.Status = status })
	require.NoError(t, err)
	return stored
}

func checkExpectation(t *testing.T, want fixtureExpectation, got describedPod) {
	t.Helper()
	assert.Equal(t, want.Main, got.Main)
	assert.Equal(t, want.Status, got.Status)
	assert.Equal(t, want.Ready, got.Ready)
	roles, kinds := map[string]string{}, map[string]string{}
	initOrder := []string{}
	for _, c := range got.Containers {
		roles[c.Name], kinds[c.Name] = c.Role, c.Kind
		if c.Order > 0 {
			initOrder = append(initOrder, c.Name)
		}
	}
	assert.Equal(t, want.Roles, roles)
	assert.Equal(t, want.Kinds, kinds)
	assert.Equal(t, want.InitOrder, initOrder)
}

// Every shared fixture, stored in the real API server with its status, is
// described with the kinds, roles, order and kubectl's STATUS/READY; kubectl
// get agrees on STATUS and READY.
func TestDescribeEveryFixtureThroughTheAPIServer(t *testing.T) {
	requirePlugin(t)
	for i, exp := range fixturePaths(t) {
		name := strings.TrimSuffix(filepath.Base(exp), ".expected.json")
		t.Run(name, func(t *testing.T) {
			var want fixtureExpectation
			data, err := os.ReadFile(exp)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &want))
			ns := "e2e-fixture-" + strings.ToLower(strings.ReplaceAll(name, "_", "-"))
			if len(ns) > 63 {
				ns = ns[:60] + string(rune('a'+i%26))
			}
			pod := storeFixture(t, strings.TrimSuffix(exp, ".expected.json")+".yaml", ns)

			checkExpectation(t, want, describePod(t, ns, pod.Name))

			row := rowOf(t, kubectl(t, "get", "pod", pod.Name, "-n", ns), pod.Name)
			assert.Equal(t, want.Ready, row[1], "kubectl's READY")
			assert.Equal(t, want.Status, row[2], "kubectl's STATUS")

			// And the same manifest read with -f, no cluster at all.
			res := plugin(t, "describe", "-f", strings.TrimSuffix(exp, ".expected.json")+".yaml", "-o", "json", "--kubeconfig", "/nonexistent")
			require.Equal(t, 0, res.ExitCode, "%s", res)
			var got describedPod
			require.NoError(t, json.Unmarshal([]byte(res.Stdout), &got))
			checkExpectation(t, want, got)
		})
	}
}

func TestDescribeWorkloadSelectorAndEvents(t *testing.T) {
	requirePlugin(t)
	ctx := testContext(t)
	const ns = "e2e-describe-workload"
	require.NoError(t, cluster.EnsureNamespace(ctx, ns))
	labels := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: lab.Task3Pod(ns).Spec},
		},
	}
	_, err := cluster.Client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		require.NoError(t, err)
	}
	// No controller manager here: create the deployment's pods as it would.
	var pods []*corev1.Pod
	for _, name := range []string{"web-a", "web-b"} {
		p := lab.Task3Pod(ns)
		p.Name, p.Labels = name, labels
		created, err := lab.Seed(ctx, cluster, p, time.Now().Add(-time.Minute), nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = cluster.DeletePod(testContext(t), ns, name) })
		pods = append(pods, created)
	}
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "web-a.", Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "web-a", UID: pods[0].UID,
			FieldPath: "spec.containers{sidecar}"},
		Type: "Warning", Reason: "Unhealthy", Message: "Readiness probe failed", Count: 3,
		LastTimestamp: metav1.Now(), Source: corev1.EventSource{Component: "kubelet"},
	}
	_, err = cluster.Client.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{})
	require.NoError(t, err)

	for _, args := range [][]string{
		{"describe", "deploy/web", "-n", ns, "-o", "json"},
		{"describe", "-l", "app=web", "-n", ns, "-o", "json"},
		{"describe", "-l", "app=web", "-A", "-o", "json"},
	} {
		res := plugin(t, args...)
		require.Equal(t, 0, res.ExitCode, "%s", res)
		var got []describedPod
		require.NoError(t, json.Unmarshal([]byte(res.Stdout), &got), res.Stdout)
		var names []string
		for _, p := range got {
			if p.Namespace == ns {
				names = append(names, p.Name)
			}
			if p.Name == "web-a" {
				require.Len(t, p.Events, 1)
				assert.Equal(t, "Unhealthy", p.Events[0].Reason)
				assert.Equal(t, "sidecar", p.Events[0].Container)
			}
		}
		assert.Equal(t, []string{"web-a", "web-b"}, names, args)
	}

	res := plugin(t, "describe", "web-a", "-n", ns)
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Contains(t, res.Stdout, "Pod "+ns+"/web-a   Running   2/2 ready")
	assert.Contains(t, res.Stdout, "Readiness probe failed")
	assert.Contains(t, res.Stdout, "shares emptyDir logs-vol with nginx")

	res = plugin(t, "describe", "nope", "-n", ns)
	assert.Equal(t, 1, res.ExitCode)
	assert.Equal(t, `error: pod "nope" not found in namespace "`+ns+`"`, strings.TrimSpace(res.Stderr))
	res = plugin(t, "describe", "deploy/nope", "-n", ns)
	assert.Equal(t, 1, res.ExitCode)
	assert.Equal(t, `error: deployment "nope" not found in namespace "`+ns+`"`, strings.TrimSpace(res.Stderr))
	res = plugin(t, "describe", "web-a", "-n", ns, "--context", "no-such-context")
	assert.Equal(t, 1, res.ExitCode)
	assert.Contains(t, res.Stderr, "no-such-context")
	assert.NotContains(t, strings.TrimSpace(res.Stderr), "\n")
}
