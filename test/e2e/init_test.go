//go:build e2e

package e2e

import (
	"bufio"
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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
)

// initPod has the given init containers (busybox) before one app container.
func initPod(namespace, name string, inits ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyAlways,
			Containers:    []corev1.Container{{Name: "app", Image: "registry.example.com/shop/api:2.5"}},
		},
	}
	for _, n := range inits {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: n, Image: "busybox:1.36"})
	}
	return p
}

// initRun is a running `kubectl pods-pattern init ...` whose output the test
// reads while it runs.
type initRun struct {
	mu   sync.Mutex
	out  strings.Builder
	exit chan int
	cmd  interface{ Signal(os.Signal) error }
}

func (r *initRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

func startInit(t *testing.T, ctx context.Context, args ...string) *initRun {
	t.Helper()
	requirePlugin(t)
	cmd := cluster.Command(ctx, append([]string{"pods-pattern", "init"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	r := &initRun{exit: make(chan int, 1), cmd: cmd.Process}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			r.mu.Lock()
			r.out.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
		}
		_ = cmd.Wait()
		if stderr.Len() > 0 {
			r.mu.Lock()
			r.out.WriteString("--- stderr\n" + stderr.String())
			r.mu.Unlock()
		}
		r.exit <- cmd.ProcessState.ExitCode()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return r
}

func (r *initRun) waitFor(t *testing.T, text string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(r.output(), text) }, 20*time.Second, 20*time.Millisecond,
		"no %q in:\n%s", text, r.output())
}

func (r *initRun) waitExit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case code := <-r.exit:
		return code
	case <-time.After(within):
		require.Failf(t, "init did not end", "within %s; output so far:\n%s", within, r.output())
		return -1
	}
}

// inOrder requires each pattern (a regexp) to match after the previous one.
func inOrder(t *testing.T, out string, patterns ...string) {
	t.Helper()
	rest := out
	for _, p := range patterns {
		loc := regexp.MustCompile(p).FindStringIndex(rest)
		if !assert.NotNil(t, loc, "missing, or out of order: %s\n%s", p, out) {
			return
		}
		rest = rest[loc[1]:]
	}
}

// createInitPod creates initPod(ns, name, inits...) and returns how the test
// changes its status as a kubelet would: mutate, then the pod's conditions
// and phase as they stand at now.
func createInitPod(t *testing.T, ctx context.Context, ns, name string, inits ...string) func(mutate func(p *corev1.Pod), now time.Time) {
	t.Helper()
	_, err := cluster.CreatePod(ctx, initPod(ns, name, inits...))
	require.NoError(t, err)
	cleanupPod(t, ns, name)
	return func(mutate func(p *corev1.Pod), now time.Time) {
		t.Helper()
		_, err := cluster.UpdatePodStatus(ctx, ns, name, func(p *corev1.Pod) {
			mutate(p)
			framework.SyncPodStatus(p, now)
		})
		require.NoError(t, err)
	}
}

// The harness plays a kubelet: init 1 completes, init 2 fails, backs off and
// restarts, then succeeds, and the app starts. `init --watch` shows each step
// in order, then the final table, and exits 0 once the pod is Running.
func TestInitWatchFollowsTheSequence(t *testing.T) {
	requirePlugin(t)
	const ns, name = "e2e-init-watch", "api"
	ctx := testContext(t)
	update := createInitPod(t, ctx, ns, name, "wait-for-db", "migrate")
	t0 := time.Now().Add(-time.Minute).Truncate(time.Second)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	update(func(p *corev1.Pod) { framework.SchedulePod(p, t0) }, t0)

	run := startInit(t, ctx, name, "-n", ns, "--watch")
	// The first table is printed after the pod was read and before the watch
	// opens from that version: every later change reaches the watch.
	run.waitFor(t, `at init 1/2 "wait-for-db"`)

	steps := []struct {
		mutate func(p *corev1.Pod)
		at     int
	}{
		{func(p *corev1.Pod) { framework.StartContainer(p, "wait-for-db", at(1)) }, 1},
		{func(p *corev1.Pod) { framework.TerminateContainer(p, "wait-for-db", 0, at(3)) }, 3},
		{func(p *corev1.Pod) { framework.StartContainer(p, "migrate", at(4)) }, 4},
		{func(p *corev1.Pod) { framework.TerminateContainer(p, "migrate", 1, at(5)) }, 5},
		{func(p *corev1.Pod) { framework.BackOffContainer(p, "migrate", 10*time.Second) }, 6},
		{func(p *corev1.Pod) { framework.RestartContainer(p, "migrate", at(15)) }, 15},
		{func(p *corev1.Pod) { framework.TerminateContainer(p, "migrate", 0, at(17)) }, 17},
		{func(p *corev1.Pod) { framework.StartContainer(p, "app", at(18)) }, 18},
	}
	for _, s := range steps {
		update(s.mutate, at(s.at))
	}
	code := run.waitExit(t, 30*time.Second)
	out := run.output()
	require.Equal(t, 0, code, "exit code; output:\n%s", out)
	t.Logf("output:\n%s", out)

	inOrder(t, out,
		`Init:0/2`,
		`\+1\.0s\s+init 1/2 "wait-for-db"\s+running\n`,
		`\+3\.0s\s+init 1/2 "wait-for-db"\s+completed in 2\.0s\n`,
		`\+4\.0s\s+init 2/2 "migrate"\s+running\n`,
		`\+5\.0s\s+init 2/2 "migrate"\s+failed after 1\.0s: exit 1 \(Error\)\n`,
		`status\s+Init:1/2 -> Init:Error\n`,
		`init 2/2 "migrate"\s+waiting: CrashLoopBackOff: back-off 10s`,
		`status\s+Init:Error -> Init:CrashLoopBackOff\n`,
		`\+15\.0s\s+init 2/2 "migrate"\s+running \(restart 1\)\n`,
		`\+17\.0s\s+init 2/2 "migrate"\s+completed in 2\.0s\n`,
		`\+18\.0s\s+container "app"\s+running\n`,
		`status\s+\S+ -> Running\n`,
		// The final table.
		`Running   1/1 ready`,
		`initialised in 17\.0s; "app" running\n`,
		`2/2\s+migrate\s+init\s+init\s+completed\s+\+15\.0s\s+\+17\.0s\s+2\.0s\s+0\s+Completed\s+1, last exit 1 Error after 1\.0s`,
	)
	assert.NotContains(t, out, "exited 1", "the failure was seen as it happened: no second line for it")
	// STATUS in the first table is what kubectl get prints for the same pod.
	row := rowOf(t, kubectl(t, "get", "pod", name, "-n", ns), name)
	assert.Equal(t, "Running", row[2])
}

// Ctrl-C ends a watch at once with kubectl's exit code for SIGINT.
func TestInitWatchInterrupted(t *testing.T) {
	requirePlugin(t)
	const ns, name = "e2e-init-watch", "stuck"
	ctx := testContext(t)
	_, err := cluster.CreatePod(ctx, initPod(ns, name, "wait-for-db"))
	require.NoError(t, err)
	cleanupPod(t, ns, name)
	t0 := time.Now().Add(-10 * time.Second)
	_, err = cluster.UpdatePodStatus(ctx, ns, name, func(p *corev1.Pod) {
		framework.SchedulePod(p, t0)
		framework.StartContainer(p, "wait-for-db", t0.Add(time.Second))
		framework.SyncPodStatus(p, t0.Add(time.Second))
	})
	require.NoError(t, err)

	run := startInit(t, ctx, name, "-n", ns, "-w")
	run.waitFor(t, `at init 1/1 "wait-for-db": running for`)
	time.Sleep(200 * time.Millisecond) // let the watch open
	require.NoError(t, run.cmd.Signal(os.Interrupt))
	assert.Equal(t, 130, run.waitExit(t, time.Second), "exit code after Ctrl-C")
	assert.NotContains(t, run.output(), "--- stderr")

	// While it waits for an API server that went away: the reconnecting
	// watches end as fast.
	other := startPlugin(t, ctx, "init", name, "-n", ns, "-w")
	require.Eventually(t, func() bool {
		return strings.Contains(strings.Join(other.out.get(), "\n"), `at init 1/1 "wait-for-db": running for`)
	},
		20*time.Second, 20*time.Millisecond, "stderr: %s", other.stderr)
	srv, err := cluster.StopAPIServer(ctx)
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Start(ctx)) }()
	require.Eventually(t, func() bool { return strings.Contains(other.stderr.String(), "note: lost the Kubernetes API") },
		10*time.Second, 20*time.Millisecond, "stderr: %s", other.stderr)
	require.NoError(t, other.proc.Signal(os.Interrupt))
	assert.Equal(t, 130, other.waitExit(t, time.Second), "exit code after Ctrl-C")
	assert.Regexp(t, `^note: lost the Kubernetes API \(.+\); reconnecting for up to 5m0s\n$`, other.stderr.String())
}

// A pod with 20 init containers renders in one screen: one line per step.
func TestInitTwentyStepsOneScreen(t *testing.T) {
	requirePlugin(t)
	const ns, name = "e2e-init-twenty", "many"
	ctx := testContext(t)
	var inits []string
	for i := range 20 {
		inits = append(inits, fmt.Sprintf("step-%02d", i+1))
	}
	_, err := cluster.CreatePod(ctx, initPod(ns, name, inits...))
	require.NoError(t, err)
	cleanupPod(t, ns, name)
	_, err = cluster.UpdatePodStatus(ctx, ns, name, func(p *corev1.Pod) {
		framework.StartPod(p, time.Now().Add(-time.Minute), time.Second)
	})
	require.NoError(t, err)

	const columns = 160
	t.Setenv("COLUMNS", fmt.Sprint(columns))
	res := plugin(t, "init", name, "-n", ns, "--timeline")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	lines := strings.Split(strings.TrimRight(res.Stdout, "\n"), "\n")
	assert.LessOrEqual(t, len(lines), 26, "more than one screen:\n%s", res.Stdout)
	for _, l := range lines {
		assert.LessOrEqual(t, len([]rune(l)), columns, "wider than the terminal: %q", l)
	}
	inOrder(t, res.Stdout, `initialised in 40\.0s; "app" running`, `TIMELINE`, `1/20\s+step-01`, `20/20\s+step-20`, `app\s+app\s+container\s+main\s+running`)
}
