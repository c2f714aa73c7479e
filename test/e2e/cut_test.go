//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// Issue 13: without -f, a stream the kubelet side breaks reaches the client
// as a clean end. 2 containers x 50,000 lines, every response broken after
// 2 MB: logs must print all 100,000 lines once, in time order, exit 0.
func TestLogsCutStreamWithoutFollowLosesNothing(t *testing.T) {
	requirePlugin(t)
	const ns, name, perContainer = "e2e-logs-cut", "chatty", 50000
	ctx := testContext(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "app", Image: "nginx"}, {Name: "worker", Image: "busybox:1.36"},
		}},
	}
	start := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	var want []string
	_, err := lab.Seed(ctx, cluster, pod, start, func(p *corev1.Pod) error {
		for ci, c := range []string{"app", "worker"} {
			lines := make([]framework.LogLine, perContainer)
			for i := range lines {
				// Three lines per millisecond, two of them with the same text:
				// a reopen from a second boundary repeats many of them.
				at := start.Add(time.Minute + time.Duration(i/3)*time.Millisecond)
				text := fmt.Sprintf("%s line %05d payload-%s", c, i, strings.Repeat("x", 60))
				if i%3 == 2 {
					text = c + " same text"
				}
				lines[i] = framework.LogLine{Time: at.Add(time.Duration(ci) * time.Microsecond), Text: text}
			}
			if err := cluster.WriteLog(p.Namespace, p.Name, c, lines...); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	cleanupPod(t, ns, name)
	// In time order: each millisecond holds app's three lines, then worker's.
	for group := 0; group < perContainer; group += 3 {
		for _, c := range []string{"app", "worker"} {
			for i := group; i < min(group+3, perContainer); i++ {
				text := fmt.Sprintf("%s line %05d payload-%s", c, i, strings.Repeat("x", 60))
				if i%3 == 2 {
					text = c + " same text"
				}
				want = append(want, fmt.Sprintf("[%s %s] %s", c, map[string]string{"app": "main", "worker": "sidecar"}[c], text))
			}
		}
	}
	for _, c := range []string{"app", "worker"} {
		require.NoError(t, cluster.CutLogStreamsAfter(ctx, ns, name, c, 2<<20))
		t.Cleanup(func() { _ = cluster.CutLogStreamsAfter(ctx, ns, name, c, 0) })
	}

	// kubectl logs loses the lines after the cut without a word: the harness
	// reproduces the issue.
	kres, err := cluster.Kubectl(ctx, "logs", name, "-n", ns, "-c", "app")
	require.NoError(t, err)
	require.Equal(t, 0, kres.ExitCode, "%s", kres.Stderr)
	assert.Less(t, strings.Count(kres.Stdout, "\n"), perContainer, "the test kubelet did not cut kubectl's stream")

	res := plugin(t, "logs", name, "-n", ns)
	require.Equal(t, 0, res.ExitCode, "stderr: %s", res.Stderr)
	assert.Empty(t, res.Stderr)
	got := strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n")
	require.Equal(t, 2*perContainer, len(got), "every line of both containers")
	requireSameLines(t, want, got)
}

// requireSameLines compares long outputs, naming the first difference.
func requireSameLines(t *testing.T, want, got []string) {
	t.Helper()
	for i := range min(len(want), len(got)) {
		require.Equal(t, want[i], got[i], "line %d", i+1)
	}
	require.Equal(t, len(want), len(got), "lines")
}
