//go:build e2e

package e2e

import (
	"bytes"
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

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// completeThroughKubectl runs `kubectl __complete pods-pattern args...` the
// way a shell does on TAB: kubectl (1.37) finds kubectl_complete-pods_pattern
// on PATH (a copy of the shipped completion/ file, in a directory of its own,
// so it reaches the plugin through PATH) and relays its answer. It returns
// the candidates and the directive line.
func completeThroughKubectl(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	requirePlugin(t)
	root, err := framework.RepoRoot()
	require.NoError(t, err)
	shim, err := os.ReadFile(filepath.Join(root, "completion", "kubectl_complete-pods_pattern"))
	require.NoError(t, err)
	shimDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(shimDir, "kubectl_complete-pods_pattern"), shim, 0o755))

	cmd := cluster.Command(testContext(t), append([]string{"__complete", "pods-pattern"}, args...)...)
	for i, kv := range cmd.Env {
		if path, ok := strings.CutPrefix(kv, "PATH="); ok {
			cmd.Env[i] = "PATH=" + shimDir + string(os.PathListSeparator) + path
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "kubectl __complete pods-pattern %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.NotEmpty(t, lines)
	directive := lines[len(lines)-1]
	require.True(t, strings.HasPrefix(directive, ":"), "no directive line in:\n%s", stdout.String())
	return lines[:len(lines)-1], directive
}

func TestCompletionThroughKubectl(t *testing.T) {
	requirePlugin(t)
	ctx := testContext(t)
	const ns, other = "e2e-completion", "e2e-completion-other"
	_, err := lab.SeedTask2(ctx, cluster, ns, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)
	twoContainers := corev1.PodSpec{Containers: []corev1.Container{
		{Name: "app", Image: "nginx"}, {Name: "log-shipper", Image: "fluent/fluent-bit:3.1"},
	}}
	for _, p := range []struct{ ns, name string }{{ns, "web-1"}, {other, "elsewhere"}, {metav1.NamespaceDefault, "e2e-completion-default"}} {
		_, err := cluster.CreatePod(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: p.name, Namespace: p.ns}, Spec: twoContainers})
		require.NoError(t, err)
		cleanupPod(t, p.ns, p.name)
	}
	labels := map[string]string{"app": "web"}
	_, err = cluster.Client.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: twoContainers},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = cluster.Client.AppsV1().Deployments(ns).Delete(testContext(t), "web", metav1.DeleteOptions{})
	})

	t.Run("the kubeconfig's namespace", func(t *testing.T) {
		got, directive := completeThroughKubectl(t, "describe", "")
		assert.Contains(t, got, "e2e-completion-default")
		assert.NotContains(t, got, "web-1")
		assert.NotContains(t, got, "elsewhere")
		assert.Equal(t, ":4", directive)
	})

	tests := []struct {
		name      string
		args      []string
		want      []string
		directive string
	}{
		{"-n before the command", []string{"-n", ns, "describe", ""}, []string{lab.PodName, "web-1"}, ":4"},
		{"--namespace after it, with a prefix", []string{"describe", "--namespace", ns, "w"}, []string{"web-1"}, ":4"},
		{"TYPE/", []string{"describe", "-n", ns, "deploy/"}, []string{"deploy/web"}, ":4"},
		{"init's targets", []string{"init", "-n", other, ""}, []string{"elsewhere"}, ":4"},
		{"a user RBAC forbids listing pods gets nothing", []string{"--context", "viewer", "describe", "-n", ns, ""}, nil, ":4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, directive := completeThroughKubectl(t, tt.args...)
			if len(got) == 0 {
				got = nil
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.directive, directive)
		})
	}

	t.Run("namespaces for -n", func(t *testing.T) {
		got, _ := completeThroughKubectl(t, "describe", "-n", "e2e-comp")
		assert.Equal(t, []string{ns, other}, got)
	})
}
