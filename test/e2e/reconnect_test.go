//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// Issue 13: kube-apiserver stopped and started again on the same port with
// the same etcd, as a control-plane upgrade does, while logs -f and
// init --watch run.

// syncBuffer is a strings.Builder safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runningPlugin is a plugin command running in the background.
type runningPlugin struct {
	out    *followed
	stderr *syncBuffer
	exit   chan int
	proc   *os.Process
}

func startPlugin(t *testing.T, ctx context.Context, args ...string) *runningPlugin {
	t.Helper()
	requirePlugin(t)
	runCtx, stop := context.WithCancel(ctx)
	cmd := cluster.Command(runCtx, append([]string{"pods-pattern"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	r := &runningPlugin{out: &followed{}, stderr: &syncBuffer{}, exit: make(chan int, 1)}
	cmd.Stderr = r.stderr
	require.NoError(t, cmd.Start())
	r.proc = cmd.Process
	go func() {
		r.out.read(stdout)
		_ = cmd.Wait()
		r.exit <- cmd.ProcessState.ExitCode()
	}()
	t.Cleanup(func() {
		stop()
		<-r.exit
	})
	return r
}

// followSeededPod seeds the followed pod (seedFollowedPod), starts
// logs -f on it with args and waits for its first line of each container,
// which it returns.
func followSeededPod(t *testing.T, ctx context.Context, ns string, args ...string) (*runningPlugin, []string) {
	t.Helper()
	seedFollowedPod(t, ctx, ns)
	run := startPlugin(t, ctx, append([]string{"logs", "nx", "-n", ns, "-f"}, args...)...)
	want := []string{"[nginx main] nginx 0", "[sidecar sidecar] sidecar 0"}
	require.Eventually(t, func() bool { return len(run.out.get()) == len(want) }, 20*time.Second, 20*time.Millisecond, "stderr: %s", run.stderr)
	return run, want
}

// followThroughOutage follows the seeded pod while stop takes a part of the
// cluster away: lines are written before, while it is away (then whileDown
// runs) and after it is back, and each must be printed once, in order. It
// returns the command's stderr lines.
func followThroughOutage(t *testing.T, ns string, stop func(context.Context) (*framework.Process, error), whileDown func(*runningPlugin)) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, want := followSeededPod(t, ctx, ns, "--max-delay", "300ms")
	want = append(want, writeRound(t, ns, "before", 3)...)
	require.Eventually(t, func() bool { return len(run.out.get()) == len(want) }, 20*time.Second, 20*time.Millisecond, "stderr: %s", run.stderr)

	proc, err := stop(ctx)
	require.NoError(t, err)
	started := false
	t.Cleanup(func() {
		if !started {
			_ = proc.Start(context.Background())
		}
	})
	want = append(want, writeRound(t, ns, "while down", 3)...)
	whileDown(run)
	select {
	case code := <-run.exit:
		require.Failf(t, "logs -f ended while part of the cluster was away", "exit %d; stderr: %s", code, run.stderr)
	default:
	}
	require.NoError(t, proc.Start(ctx))
	started = true
	want = append(want, writeRound(t, ns, "after", 3)...)

	require.Eventually(t, func() bool { return len(run.out.get()) >= len(want) }, 60*time.Second, 50*time.Millisecond,
		"got %d of %d lines; stderr: %s", len(run.out.get()), len(want), run.stderr)
	time.Sleep(500 * time.Millisecond) // a repeated line would come now
	assert.Equal(t, want, run.out.get(), "every line once, in time order")
	return strings.Split(strings.TrimSpace(run.stderr.String()), "\n")
}

func TestLogsFollowSurvivesAPIServerRestart(t *testing.T) {
	requirePlugin(t)
	errLines := followThroughOutage(t, "e2e-logs-apiserver", cluster.StopAPIServer, func(*runningPlugin) { time.Sleep(3 * time.Second) })
	require.Len(t, errLines, 2, "one note when the server goes, one when it is back: %q", errLines)
	assert.Regexp(t, `^note: lost the Kubernetes API \(.+\); reconnecting for up to 5m0s$`, errLines[0])
	assert.Regexp(t, `^note: the Kubernetes API is back after [0-9.]+m?s$`, errLines[1])
}

// writeRound appends n lines to each container of the followed pod
// (seedFollowedPod), interleaved in time, and returns the lines logs -f must
// print for them.
func writeRound(t *testing.T, ns, round string, n int) []string {
	t.Helper()
	var want []string
	base := time.Now()
	for i := range n {
		require.NoError(t, cluster.AppendLog(ns, lab.PodName, "nginx", framework.LogLine{Time: base.Add(time.Duration(2*i) * time.Millisecond), Text: fmt.Sprintf("nginx %s %d", round, i)}))
		require.NoError(t, cluster.AppendLog(ns, lab.PodName, "sidecar", framework.LogLine{Time: base.Add(time.Duration(2*i+1) * time.Millisecond), Text: fmt.Sprintf("sidecar %s %d", round, i)}))
		want = append(want, fmt.Sprintf("[nginx main] nginx %s %d", round, i), fmt.Sprintf("[sidecar sidecar] sidecar %s %d", round, i))
	}
	return want
}

// A node's kubelet restarting is not the API server going away: the server
// answers each log read with a 500 (it cannot dial the kubelet) while its
// other requests go through. Each container's log gets its own note when it
// fails and when it works again, and no line is lost or repeated.
func TestLogsFollowSurvivesKubeletRestart(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-kubelet"
	errLines := followThroughOutage(t, ns, cluster.StopKubelet, func(run *runningPlugin) {
		require.Eventually(t, func() bool { return strings.Count(run.stderr.String(), "fails") == 2 }, 20*time.Second, 50*time.Millisecond, "stderr: %s", run.stderr)
	})
	require.Len(t, errLines, 4, "a note per container when its log fails and when it works again: %q", errLines)
	for _, c := range []string{"nginx", "sidecar"} {
		fails := fmt.Sprintf(`^note: reading the logs of pod/nx container %s fails \(500 Internal Server Error: Get "https://127\.0\.0\.1:\d+/containerLogs/%s/nx/%s\?[^"]*": dial tcp [^)]*connection refused\); retrying for up to 5m0s$`, c, ns, c)
		again := fmt.Sprintf(`^note: reading the logs of pod/nx container %s works again after [0-9.]+m?s$`, c)
		assert.Equal(t, 1, countMatching(errLines, fails), "%s in %q", fails, errLines)
		assert.Equal(t, 1, countMatching(errLines, again), "%s in %q", again, errLines)
	}
	assert.NotContains(t, strings.Join(errLines, "\n"), "lost the Kubernetes API", "the API server never went away")
}

func countMatching(lines []string, pattern string) int {
	re := regexp.MustCompile(pattern)
	n := 0
	for _, l := range lines {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}

func TestLogsFollowGivesUpAfterReconnectTimeout(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-giveup"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, _ := followSeededPod(t, ctx, ns, "--reconnect-timeout", "3s")

	stopping := time.Now()
	srv, err := cluster.StopAPIServer(ctx)
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Start(ctx)) }()
	var code int
	select {
	case code = <-run.exit:
		run.exit <- code // for the cleanup
	case <-time.After(30 * time.Second):
		require.Failf(t, "logs -f did not give up", "stderr: %s", run.stderr)
	}
	assert.Equal(t, 1, code)
	assert.GreaterOrEqual(t, time.Since(stopping), 3*time.Second, "it waited --reconnect-timeout")
	assert.Equal(t, []string{"[nginx main] nginx 0", "[sidecar sidecar] sidecar 0"}, run.out.get())
	errLines := strings.Split(strings.TrimSpace(run.stderr.String()), "\n")
	require.Len(t, errLines, 2, "%q", run.stderr)
	assert.Regexp(t, `^note: lost the Kubernetes API \(.+\); reconnecting for up to 3s$`, errLines[0])
	assert.Regexp(t, `^error: gave up reconnecting: the Kubernetes API has been unreachable for [34]s \(--reconnect-timeout=3s\): connection refused$`, errLines[1])
}

func TestInitWatchSurvivesAPIServerRestart(t *testing.T) {
	requirePlugin(t)
	const ns, name = "e2e-init-apiserver", "restart"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	update := createInitPod(t, ctx, ns, name, "wait-for-db")
	t0 := time.Now().Add(-10 * time.Second).Truncate(time.Second)
	update(func(p *corev1.Pod) {
		framework.SchedulePod(p, t0)
		framework.StartContainer(p, "wait-for-db", t0.Add(time.Second))
	}, t0.Add(time.Second))

	run := startInit(t, ctx, name, "-n", ns, "--watch")
	run.waitFor(t, `at init 1/1 "wait-for-db": running for`)
	srv, err := cluster.StopAPIServer(ctx)
	require.NoError(t, err)
	time.Sleep(2 * time.Second)
	require.NoError(t, srv.Start(ctx))

	// Changes made after the restart reach the command, which ends once the pod runs.
	done := time.Now()
	update(func(p *corev1.Pod) { framework.TerminateContainer(p, "wait-for-db", 0, done) }, done)
	update(func(p *corev1.Pod) { framework.StartContainer(p, "app", done.Add(time.Second)) }, done.Add(time.Second))
	code := run.waitExit(t, 40*time.Second)
	out := run.output()
	require.Equal(t, 0, code, "exit code; output:\n%s", out)
	inOrder(t, out,
		`init 1/1 "wait-for-db"\s+completed in`,
		`container "app"\s+running\n`,
		`status\s+\S+ -> Running\n`,
		`--- stderr\nnote: lost the Kubernetes API \(.+\); reconnecting for up to 5m0s\n`+
			`note: the Kubernetes API is back after [0-9.]+m?s\n$`,
	)
}

// waitExit returns the exit code, failing the test if it takes longer than within.
func (r *runningPlugin) waitExit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case code := <-r.exit:
		r.exit <- code // for the cleanup
		return code
	case <-time.After(within):
		require.Failf(t, "the command did not end", "within %s; stderr: %s", within, r.stderr)
		return -1
	}
}

// Issue 13: Ctrl-C ends logs -f within a second with exit 130, while it
// streams and while it waits for an API server that went away.
func TestLogsFollowInterrupted(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-interrupt"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, want := followSeededPod(t, ctx, ns)
	require.NoError(t, run.proc.Signal(os.Interrupt))
	assert.Equal(t, 130, run.waitExit(t, time.Second), "exit code after Ctrl-C")
	assert.Equal(t, want, run.out.get())
	assert.Empty(t, run.stderr.String())

	// While it waits for the API server.
	run = startPlugin(t, ctx, "logs", "nx", "-n", ns, "-f")
	require.Eventually(t, func() bool { return len(run.out.get()) == len(want) }, 20*time.Second, 20*time.Millisecond, "stderr: %s", run.stderr)
	srv, err := cluster.StopAPIServer(ctx)
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Start(ctx)) }()
	require.Eventually(t, func() bool { return strings.Contains(run.stderr.String(), "note: lost the Kubernetes API") },
		10*time.Second, 20*time.Millisecond, "stderr: %s", run.stderr)
	require.NoError(t, run.proc.Signal(os.Interrupt))
	assert.Equal(t, 130, run.waitExit(t, time.Second), "exit code after Ctrl-C")
	assert.Regexp(t, `^note: lost the Kubernetes API \(.+\); reconnecting for up to 5m0s\n$`, run.stderr.String())
}
