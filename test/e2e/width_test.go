//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
)

// The six-container pod of issue 17, with a long event, described and its
// init sequence shown in terminals of 80, 100 and 120 columns: no line runs
// past the last column, names are whole; piped, the full tables.
func TestEveryViewFitsTheTerminal(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-width"
	root, err := framework.RepoRoot()
	require.NoError(t, err)
	manifest := filepath.Join(root, "pkg", "printers", "testdata", "width", "six-containers.yaml")
	pod := storeFixture(t, manifest, ns)
	ctx := testContext(t)
	at := metav1.NewTime(time.Now().Add(-10 * time.Minute))
	_, err = cluster.Client.CoreV1().Events(ns).Create(ctx, &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name + ".backoff", Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod.Name, UID: pod.UID,
			APIVersion: "v1", FieldPath: "spec.containers{git-sync}"},
		Type: corev1.EventTypeWarning, Reason: "BackOff", Count: 4, FirstTimestamp: at, LastTimestamp: at,
		Source:  corev1.EventSource{Component: "kubelet", Host: cluster.Node},
		Message: fmt.Sprintf("Back-off restarting failed container git-sync in pod %s_%s(%s)", pod.Name, ns, pod.UID),
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	containers := []string{"wait-for-db", "istio-proxy", "cloud-sql-proxy", "checkout-api", "postgres-exporter", "git-sync"}

	views := map[string][]string{
		"describe":        {"describe", pod.Name, "-n", ns},
		"init":            {"init", pod.Name, "-n", ns},
		"init --timeline": {"init", pod.Name, "-n", ns, "--timeline"},
		"scaffold":        {"scaffold", "sidecar", "web", "--kind", "deployment", "--explain"},
	}
	for name, args := range views {
		for _, columns := range []int{80, 100, 120} {
			t.Run(fmt.Sprintf("%s/%d", name, columns), func(t *testing.T) {
				res, err := cluster.PluginInTerminal(testContext(t), columns, args...)
				require.NoError(t, err)
				require.Equal(t, 0, res.ExitCode, "%s", res)
				lines := strings.Split(strings.TrimRight(res.Stdout, "\n"), "\n")
				require.Greater(t, len(lines), 5, "%s", res)
				for _, l := range lines {
					assert.LessOrEqual(t, utf8.RuneCountInString(l), columns, "wider than the terminal:\n%s", l)
				}
				if name != "scaffold" {
					for _, c := range containers {
						assert.Contains(t, res.Stdout, c, "a container's name is never cut")
					}
				}
				if name == "init --timeline" {
					assert.Contains(t, res.Stdout, "timeline +0.0s")
				}
			})
		}
	}

	// Piped, and with -o wide in a terminal: every column in full.
	piped := plugin(t, "describe", pod.Name, "-n", ns)
	require.Equal(t, 0, piped.ExitCode, "%s", piped)
	wide, err := cluster.PluginInTerminal(testContext(t), 80, "describe", pod.Name, "-n", ns, "-o", "wide")
	require.NoError(t, err)
	for _, out := range []string{piped.Stdout, wide.Stdout} {
		assert.Contains(t, out, "PORTS")
		assert.Contains(t, out, "15090/TCP,15021/TCP")
		assert.Contains(t, out, "europe-west1-docker.pkg.dev/payments-prod/apps/checkout-api:2.14.0-rc.1")
		assert.Contains(t, out, "Back-off restarting failed container git-sync in pod "+pod.Name)
	}
	narrow, err := cluster.PluginInTerminal(testContext(t), 80, "describe", pod.Name, "-n", ns)
	require.NoError(t, err)
	assert.NotContains(t, narrow.Stdout, "PORTS", "an 80-column terminal leaves PORTS out")
	assert.Contains(t, narrow.Stdout, "age ")
}
