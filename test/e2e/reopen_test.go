//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// Issue 13: a container that restarts between the plugin's status check and
// its reopen of a cut stream must not have lines printed twice. The kubelet
// serves whichever instance runs when a request arrives, so the reopen of
// the old instance's stream would read the new instance, which the pod
// watch also attaches. The test kubelet holds the reopen (made after the
// plugin saw the same instance running) while the container restarts, so
// the restart lands exactly in between, every time.
func TestLogsFollowRestartBetweenCheckAndReopen(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-reopen-restart"
	ctx := testContext(t)
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	pod := lab.Task3Pod(ns)
	// Restarted on failure, done once both exit 0: the follow then ends by itself.
	pod.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	created, err := lab.Seed(ctx, cluster, pod, start, func(p *corev1.Pod) error {
		if err := cluster.WriteLog(p.Namespace, p.Name, "nginx", framework.Lines(start.Add(3*time.Second), time.Millisecond, "first run 1")...); err != nil {
			return err
		}
		return cluster.WriteLog(p.Namespace, p.Name, "sidecar")
	})
	require.NoError(t, err)
	cleanupPod(t, ns, created.Name)
	name := created.Name

	run := startPlugin(t, ctx, "logs", name, "-n", ns, "-f", "--max-delay", "100ms")
	require.Eventually(t, func() bool {
		n, err := cluster.ActiveLogStreams(ctx, ns, name, "nginx")
		return len(run.out.get()) == 1 && err == nil && n == 1
	}, 20*time.Second, 20*time.Millisecond, "stderr: %s", run.stderr)

	require.NoError(t, cluster.HoldNextLogRequest(ctx, ns, name, "nginx"))
	t.Cleanup(func() { _, _ = cluster.ReleaseLogRequests(ctx, ns, name, "nginx") })
	cut, err := cluster.CutLogStreams(ctx, ns, name, "nginx")
	require.NoError(t, err)
	require.Equal(t, 1, cut)
	// The plugin sees the same instance running and reopens from its last
	// line: the kubelet holds that request.
	require.Eventually(t, func() bool {
		n, err := cluster.HeldLogRequests(ctx, ns, name, "nginx")
		return err == nil && n == 1
	}, 20*time.Second, 20*time.Millisecond, "the reopen did not come; stderr: %s", run.stderr)

	// Meanwhile the first instance writes its last lines (no stream has read
	// them), exits 1 and is restarted; the new instance logs. The API's
	// times are whole seconds: the restart is on the next one.
	now := time.Now()
	restartAt := now.Truncate(time.Second).Add(time.Second)
	require.NoError(t, cluster.AppendLog(ns, name, "nginx", framework.Lines(now, time.Millisecond, "first run 2", "first run 3")...))
	require.NoError(t, cluster.RotateLog(ns, name, "nginx"))
	require.NoError(t, cluster.AppendLog(ns, name, "nginx", framework.Lines(restartAt.Add(10*time.Millisecond), time.Millisecond, "second run 1", "second run 2")...))
	_, err = cluster.UpdatePodStatus(ctx, ns, name, func(p *corev1.Pod) {
		framework.TerminateContainer(p, "nginx", 1, now.Add(2*time.Millisecond))
		framework.RestartContainer(p, "nginx", restartAt)
		framework.SyncPodStatus(p, restartAt)
	})
	require.NoError(t, err)
	released, err := cluster.ReleaseLogRequests(ctx, ns, name, "nginx")
	require.NoError(t, err)
	require.Equal(t, 1, released)

	restarted, err := cluster.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	require.NoError(t, err)
	var last *corev1.ContainerStateTerminated
	for _, st := range restarted.Status.ContainerStatuses {
		if st.Name == "nginx" {
			last = st.LastTerminationState.Terminated
		}
	}
	require.NotNil(t, last)
	want := []string{
		"[nginx main] first run 1", "[nginx main] first run 2", "[nginx main] first run 3",
		fmt.Sprintf("── nginx restarted: exit 1 (Error) after %s, restart 1 ──", last.FinishedAt.Sub(last.StartedAt.Time)),
		"[nginx main] second run 1", "[nginx main] second run 2",
	}
	require.Eventually(t, func() bool { return len(run.out.get()) >= len(want) }, 20*time.Second, 20*time.Millisecond,
		"got %q; stderr: %s", run.out.get(), run.stderr)

	// The new instance is followed; then both containers end and so does the command.
	later := time.Now()
	if later.Before(restartAt.Add(100 * time.Millisecond)) {
		later = restartAt.Add(100 * time.Millisecond)
	}
	require.NoError(t, cluster.AppendLog(ns, name, "nginx", framework.LogLine{Time: later, Text: "second run 3"}))
	want = append(want, "[nginx main] second run 3")
	require.Eventually(t, func() bool { return len(run.out.get()) >= len(want) }, 20*time.Second, 20*time.Millisecond,
		"got %q; stderr: %s", run.out.get(), run.stderr)
	done := later.Add(time.Second)
	_, err = cluster.UpdatePodStatus(ctx, ns, name, func(p *corev1.Pod) {
		framework.TerminateContainer(p, "nginx", 0, done)
		framework.TerminateContainer(p, "sidecar", 0, done)
		framework.SyncPodStatus(p, done)
	})
	require.NoError(t, err)
	assert.Equal(t, 0, run.waitExit(t, 20*time.Second), "exit code once the pod has succeeded")
	assert.Equal(t, want, run.out.get(), "every line of both instances once, in order, with the restart between")
	assert.Empty(t, run.stderr.String())
}
