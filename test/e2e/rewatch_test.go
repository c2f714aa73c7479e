//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
)

// The API server closes a watch that asked for no timeout after 1 to 2 times
// its --min-request-timeout (5 s under hack/e2e.sh). These tests let it close
// the watch of a running `logs -f` or `init --watch`, then change the cluster
// and require the change to be seen: the watch was reopened.

// watchClosed waits until the API server has certainly closed, at least once,
// the watch a command opened at started (ended is the count of pod watches
// the server had ended while it was open), and checks that its metrics agree.
func watchClosed(t *testing.T, ctx context.Context, started time.Time, ended int) {
	t.Helper()
	require.LessOrEqualf(t, cluster.MinRequestTimeout, 30*time.Second,
		"the API server closes watches after %s: start the cluster with PODS_PATTERN_MIN_REQUEST_TIMEOUT=5 (hack/e2e.sh does)", cluster.MinRequestTimeout)
	select {
	case <-time.After(time.Until(started.Add(2*cluster.MinRequestTimeout + time.Second))):
	case <-ctx.Done():
		require.NoError(t, ctx.Err())
	}
	now, err := cluster.EndedWatches(ctx, "pods")
	require.NoError(t, err)
	require.Greater(t, now, ended, "the API server ended no pod watch in %s", time.Since(started))
}

func TestLogsFollowSurvivesAClosedWatch(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-rewatch"
	ctx := testContext(t)
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	// A pod's log is written before it runs, so that the follow finds it.
	run := func(name string, lines ...framework.LogLine) {
		t.Helper()
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "rewatch"}},
			Spec:       corev1.PodSpec{NodeName: cluster.Node, Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		}
		_, err := cluster.CreatePod(ctx, p)
		require.NoError(t, err)
		cleanupPod(t, ns, name)
		require.NoError(t, cluster.WriteLog(ns, name, "web", lines...))
		_, err = cluster.UpdatePodStatus(ctx, ns, name, func(pod *corev1.Pod) { framework.StartPod(pod, start, time.Second) })
		require.NoError(t, err)
	}
	run("web-0", framework.LogLine{Time: start.Add(2 * time.Second), Text: "before the close"})

	started := time.Now()
	out, stderr := followPlugin(t, ctx, "pods-pattern", "logs", "-l", "app=rewatch", "-n", ns, "-f", "--max-delay", "100ms")
	require.Eventually(t, func() bool { return len(out.get()) == 1 }, 10*time.Second, 20*time.Millisecond, "stderr: %s", stderr)
	ended, err := cluster.EndedWatches(ctx, "pods")
	require.NoError(t, err)
	watchClosed(t, ctx, started, ended)

	// A pod of the selector that starts now joins only if the watch was reopened.
	run("web-1", framework.LogLine{Time: time.Now(), Text: "after the close"})
	want := []string{"[web-0 web main] before the close", "[web-1 web main] after the close"}
	require.Eventually(t, func() bool { return len(out.get()) >= len(want) }, 15*time.Second, 50*time.Millisecond,
		"got %q; stderr: %s", out.get(), stderr)
	assert.Equal(t, want, out.get())
	assert.Empty(t, stderr.String())
}

func TestInitWatchSurvivesAClosedWatch(t *testing.T) {
	requirePlugin(t)
	const ns, name = "e2e-init-watch", "rewatch"
	ctx := testContext(t)
	update := createInitPod(t, ctx, ns, name, "wait-for-db")
	t0 := time.Now().Add(-10 * time.Second).Truncate(time.Second)
	update(func(p *corev1.Pod) {
		framework.SchedulePod(p, t0)
		framework.StartContainer(p, "wait-for-db", t0.Add(time.Second))
	}, t0.Add(time.Second))

	started := time.Now()
	run := startInit(t, ctx, name, "-n", ns, "--watch")
	run.waitFor(t, `at init 1/1 "wait-for-db": running for`)
	ended, err := cluster.EndedWatches(ctx, "pods")
	require.NoError(t, err)
	watchClosed(t, ctx, started, ended)

	// Changes made after the close reach the command, which ends once the pod runs.
	done := time.Now()
	update(func(p *corev1.Pod) { framework.TerminateContainer(p, "wait-for-db", 0, done) }, done)
	update(func(p *corev1.Pod) { framework.StartContainer(p, "app", done.Add(time.Second)) }, done.Add(time.Second))
	code := run.waitExit(t, 20*time.Second)
	out := run.output()
	require.Equal(t, 0, code, "exit code; output:\n%s", out)
	inOrder(t, out,
		`init 1/1 "wait-for-db"\s+completed in`,
		`container "app"\s+running\n`,
		`status\s+\S+ -> Running\n`,
	)
	assert.NotContains(t, out, "--- stderr")
}
