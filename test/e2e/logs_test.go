//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// Each logs test has its own namespace.

// taggedLine is one line of `logs --timestamps`: "[tag] <stamp> <text>".
type taggedLine struct {
	tag  string
	at   time.Time
	text string
}

func parseTagged(t *testing.T, out string) []taggedLine {
	t.Helper()
	var lines []taggedLine
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		require.True(t, strings.HasPrefix(l, "["), "line without a tag: %q", l)
		end := strings.Index(l, "] ")
		require.Positive(t, end, "line without a tag: %q", l)
		s := parseStamped(t, l[end+2:])
		lines = append(lines, taggedLine{tag: l[1:end], at: s.at, text: s.text})
	}
	return lines
}

func requireTimeOrder(t *testing.T, lines []taggedLine) {
	t.Helper()
	for i := 1; i < len(lines); i++ {
		require.False(t, lines[i].at.Before(lines[i-1].at), "line %d %v is before line %d %v", i, lines[i], i-1, lines[i-1])
	}
}

func TestLogsTask4CauseBeforeEffect(t *testing.T) {
	const ns = "e2e-logs-task4"
	ctx := testContext(t)
	_, err := lab.SeedTask3(ctx, cluster, ns, time.Now().Add(-25*time.Second))
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)
	task4, err := lab.ProvokeTask4(ctx, cluster, ns, time.Now().Add(-12*time.Second))
	require.NoError(t, err)

	res := plugin(t, "logs", "nx", "-n", ns, "--timestamps")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Empty(t, res.Stderr)
	lines := parseTagged(t, res.Stdout)
	requireTimeOrder(t, lines)
	notFound, discovered := -1, -1
	for i, l := range lines {
		switch {
		case l.tag == "nginx main" && strings.Contains(l.text, `"GET /unknown HTTP/1.1" 404`):
			notFound = i
			assert.True(t, l.at.Equal(task4.NotFound.Add(time.Millisecond)))
		case l.tag == "sidecar sidecar" && l.text == lab.ErrorDiscovered:
			discovered = i
			assert.True(t, l.at.Equal(task4.Discovered))
		}
	}
	require.GreaterOrEqual(t, notFound, 0, "no 404 line in:\n%s", res.Stdout)
	require.Greater(t, discovered, notFound, "the sidecar's line must follow nginx's 404:\n%s", res.Stdout)

	// Without --timestamps the text is the same, in the same order.
	plain := plugin(t, "logs", "nx", "-n", ns)
	require.Equal(t, 0, plain.ExitCode, "%s", plain)
	var want []string
	for _, l := range lines {
		want = append(want, "["+l.tag+"] "+l.text)
	}
	assert.Equal(t, strings.Join(want, "\n")+"\n", plain.Stdout)
}

// multiPod has a classic init container, a native sidecar and two containers.
func multiPod(ns string) *corev1.Pod {
	always := corev1.ContainerRestartPolicyAlways
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: ns,
			Annotations: map[string]string{"kubectl.kubernetes.io/default-container": "app"}},
		Spec: corev1.PodSpec{
			NodeName: cluster.Node,
			InitContainers: []corev1.Container{
				{Name: "migrate", Image: "busybox:1.36"},
				{Name: "shipper", Image: "fluent/fluent-bit:3.1", RestartPolicy: &always},
			},
			Containers: []corev1.Container{
				{Name: "app", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}}},
				{Name: "worker", Image: "busybox:1.36"},
			},
		},
	}
}

func TestLogsInitSidecarAndContainers(t *testing.T) {
	const ns = "e2e-logs-multi"
	ctx := testContext(t)
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	_, err := lab.Seed(ctx, cluster, multiPod(ns), start, func(p *corev1.Pod) error {
		// StartPod: migrate runs at +1s..+2s, shipper starts at +3s, app at +4s, worker at +5s.
		at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
		for _, w := range []struct {
			container string
			lines     []framework.LogLine
		}{
			{"migrate", []framework.LogLine{{Time: at(1100), Text: "migrating schema"}, {Time: at(1900), Text: "done"}}},
			{"shipper", []framework.LogLine{{Time: at(3100), Text: "fluent-bit started"}, {Time: at(5500), Text: "flushed 2 records"}}},
			{"app", []framework.LogLine{{Time: at(4100), Text: "listening on :80"}, {Time: at(5500), Text: "GET /health 200"}}},
			{"worker", []framework.LogLine{{Time: at(5200), Text: "polling queue"}}},
		} {
			if err := cluster.WriteLog(p.Namespace, p.Name, w.container, w.lines...); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	cleanupPod(t, ns, "shop")

	res := plugin(t, "logs", "shop", "-n", ns)
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Equal(t, `[migrate init] migrating schema
[migrate init] done
[shipper sidecar] fluent-bit started
[app main] listening on :80
[worker sidecar] polling queue
[shipper sidecar] flushed 2 records
[app main] GET /health 200
`, res.Stdout, "equal times keep the pod's container order: shipper before app")

	// Filters by role and name, JSON for scripts.
	res = plugin(t, "logs", "shop", "-n", ns, "--role", "init,main", "--exclude-container", "migrate", "-o", "json")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	var got []map[string]string
	for _, l := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		var obj map[string]string
		require.NoError(t, json.Unmarshal([]byte(l), &obj), l)
		at, err := time.Parse(time.RFC3339Nano, obj["time"])
		require.NoError(t, err)
		obj["time"] = at.Sub(start).String()
		got = append(got, obj)
	}
	assert.Equal(t, []map[string]string{
		{"time": "4.1s", "namespace": ns, "pod": "shop", "container": "app", "role": "main", "message": "listening on :80"},
		{"time": "5.5s", "namespace": ns, "pod": "shop", "container": "app", "role": "main", "message": "GET /health 200"},
	}, got)
}

func TestLogsSelectorOverThreePods(t *testing.T) {
	const ns = "e2e-logs-selector"
	ctx := testContext(t)
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := range 3 {
		name := fmt.Sprintf("web-%d", i)
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{NodeName: cluster.Node, Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		}
		_, err := lab.Seed(ctx, cluster, p, start, func(p *corev1.Pod) error {
			var lines []framework.LogLine
			for j := range 4 {
				lines = append(lines, framework.LogLine{Time: start.Add(time.Duration(10+j*3+i) * time.Second), Text: fmt.Sprintf("request %d", j*3+i)})
			}
			return cluster.WriteLog(p.Namespace, p.Name, "web", lines...)
		})
		require.NoError(t, err)
		cleanupPod(t, ns, name)
	}
	res := plugin(t, "logs", "-l", "app=web", "-n", ns)
	require.Equal(t, 0, res.ExitCode, "%s", res)
	var want strings.Builder
	for k := range 12 {
		fmt.Fprintf(&want, "[web-%d web main] request %d\n", k%3, k)
	}
	assert.Equal(t, want.String(), res.Stdout)
}

func TestLogsPreviousMergesInstances(t *testing.T) {
	const ns = "e2e-logs-previous"
	ctx := testContext(t)
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	p := lab.Task3Pod(ns)
	created, err := lab.Seed(ctx, cluster, p, start, nil)
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)
	// nginx ran, crashed and was restarted; the sidecar never restarted.
	require.NoError(t, cluster.WriteLog(ns, lab.PodName, "nginx", framework.Lines(start.Add(3*time.Second), time.Second, "first run", "about to crash")...))
	require.NoError(t, cluster.RotateLog(ns, lab.PodName, "nginx"))
	require.NoError(t, cluster.WriteLog(ns, lab.PodName, "nginx", framework.Lines(start.Add(20*time.Second), time.Second, "second run")...))
	require.NoError(t, cluster.WriteLog(ns, lab.PodName, "sidecar", framework.Lines(start.Add(4500*time.Millisecond), time.Second, "tick")...))
	_, err = cluster.UpdatePodStatus(ctx, ns, created.Name, func(pod *corev1.Pod) {
		framework.TerminateContainer(pod, "nginx", 137, start.Add(5*time.Second))
		framework.RestartContainer(pod, "nginx", start.Add(19*time.Second))
		framework.SyncPodStatus(pod, start.Add(19*time.Second))
	})
	require.NoError(t, err)

	res := plugin(t, "logs", "nx", "-n", ns, "-p")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	// One marker between the instances: how the previous one ended, from the status.
	assert.Equal(t, "[nginx main previous] first run\n[nginx main previous] about to crash\n"+
		"── nginx restarted: exit 137 (Error) after 4s, restart 1 ──\n[nginx main] second run\n", res.Stdout)
	assert.Equal(t, "note: pod/nx container sidecar has no previous instance (0 restarts), skipped\n", res.Stderr)

	// The marker stands between printed lines: --tail 1 keeps one line of
	// each instance and the marker between; --tail 0 prints nothing at all,
	// as kubectl does, and --grep that keeps nothing of the first instance
	// leaves no boundary to mark.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tail", "1"}, "[nginx main previous] about to crash\n── nginx restarted: exit 137 (Error) after 4s, restart 1 ──\n[nginx main] second run\n"},
		{[]string{"--tail", "0"}, ""},
		{[]string{"--grep", "second"}, "[nginx main] second run\n"},
	} {
		res := plugin(t, append([]string{"logs", "nx", "-n", ns, "-p", "-c", "nginx"}, c.args...)...)
		require.Equal(t, 0, res.ExitCode, "%s", res)
		assert.Equal(t, c.want, res.Stdout, "%v", c.args)
		assert.Empty(t, res.Stderr, "%v", c.args)
	}

	// kubectl gives up on the whole pod (kubernetes#97530).
	kres, err := cluster.Kubectl(ctx, "logs", "nx", "-n", ns, "--all-containers", "--previous")
	require.NoError(t, err)
	assert.NotEqual(t, 0, kres.ExitCode, "%s", kres)
}

// followed collects the lines of a running `logs -f`.
type followed struct {
	mu    sync.Mutex
	lines []string
}

func (f *followed) read(r io.Reader) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		f.mu.Lock()
		f.lines = append(f.lines, s.Text())
		f.mu.Unlock()
	}
}

func (f *followed) get() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}

// followPlugin runs kubectl with args in the background, collecting its
// output lines; the test's end stops it and waits for it.
func followPlugin(t *testing.T, ctx context.Context, args ...string) (*followed, *strings.Builder) {
	t.Helper()
	runCtx, stop := context.WithCancel(ctx)
	cmd := cluster.Command(runCtx, args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	out := &followed{}
	readDone := make(chan struct{})
	go func() { defer close(readDone); out.read(stdout) }()
	t.Cleanup(func() {
		stop()
		<-readDone
		_ = cmd.Wait()
	})
	return out, stderr
}

func TestLogsFollowSurvivesACutStream(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-follow"
	ctx := testContext(t)
	seedFollowedPod(t, ctx, ns)

	out, stderr := followPlugin(t, ctx, "pods-pattern", "logs", "nx", "-n", ns, "-f", "--max-delay", "1s")
	for _, c := range []string{"nginx", "sidecar"} {
		require.Eventually(t, func() bool {
			n, err := cluster.ActiveLogStreams(ctx, ns, lab.PodName, c)
			return err == nil && n == 1
		}, 10*time.Second, 20*time.Millisecond, "the follow did not reach the kubelet for %s", c)
	}

	// Lines arrive in rounds; between rounds nginx's stream is cut, and lines
	// are written while nobody reads nginx's log.
	want := []string{"[nginx main] nginx 0", "[sidecar sidecar] sidecar 0"}
	now := time.Now()
	for round := 1; round <= 6; round++ {
		base := now.Add(time.Duration(round) * 100 * time.Millisecond)
		for i := range 10 {
			n := round*10 + i
			require.NoError(t, cluster.AppendLog(ns, lab.PodName, "nginx", framework.LogLine{Time: base.Add(time.Duration(2*i) * time.Millisecond), Text: fmt.Sprintf("nginx %d", n)}))
			require.NoError(t, cluster.AppendLog(ns, lab.PodName, "sidecar", framework.LogLine{Time: base.Add(time.Duration(2*i+1) * time.Millisecond), Text: fmt.Sprintf("sidecar %d", n)}))
			want = append(want, fmt.Sprintf("[nginx main] nginx %d", n), fmt.Sprintf("[sidecar sidecar] sidecar %d", n))
		}
		if round%2 == 1 {
			// The previous cut's reconnection must be up to be cut again.
			require.Eventually(t, func() bool {
				n, err := cluster.ActiveLogStreams(ctx, ns, lab.PodName, "nginx")
				return err == nil && n == 1
			}, 10*time.Second, 10*time.Millisecond, "nginx's stream was not reopened; stderr: %s", stderr.String())
			cut, err := cluster.CutLogStreams(ctx, ns, lab.PodName, "nginx")
			require.NoError(t, err)
			require.Equal(t, 1, cut, "round %d; stderr: %s; lines: %q", round, stderr.String(), out.get())
			require.NoError(t, cluster.AppendLog(ns, lab.PodName, "nginx", framework.LogLine{Time: base.Add(50 * time.Millisecond), Text: fmt.Sprintf("nginx after cut %d", round)}))
			want = append(want, fmt.Sprintf("[nginx main] nginx after cut %d", round))
		}
	}
	require.Eventually(t, func() bool { return len(out.get()) >= len(want) }, 15*time.Second, 50*time.Millisecond,
		"got %d of %d lines; stderr: %s", len(out.get()), len(want), stderr.String())
	time.Sleep(300 * time.Millisecond) // a duplicate would come now
	assert.Equal(t, want, out.get(), "every line once, in time order")
	n, err := cluster.ActiveLogStreams(ctx, ns, lab.PodName, "nginx")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the cut stream was reopened")
}

func TestLogsFollowAttachesARestartedContainer(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-restart"
	ctx := testContext(t)
	created, _ := seedTask3(t, ctx, ns, "first run", "")

	out, stderr := followPlugin(t, ctx, "pods-pattern", "logs", "nx", "-n", ns, "-f", "--max-delay", "100ms")
	require.Eventually(t, func() bool { return len(out.get()) == 1 }, 10*time.Second, 20*time.Millisecond)

	// nginx crashes and the kubelet starts a new instance with a log of its own.
	now := time.Now()
	require.NoError(t, cluster.AppendLog(ns, lab.PodName, "nginx", framework.LogLine{Time: now, Text: "crashing"}))
	require.Eventually(t, func() bool { return len(out.get()) == 2 }, 10*time.Second, 20*time.Millisecond)
	_, err := cluster.UpdatePodStatus(ctx, ns, created.Name, func(pod *corev1.Pod) {
		framework.TerminateContainer(pod, "nginx", 1, now.Add(10*time.Millisecond))
		framework.SyncPodStatus(pod, now.Add(10*time.Millisecond))
	})
	require.NoError(t, err)
	require.NoError(t, cluster.RotateLog(ns, lab.PodName, "nginx"))
	require.NoError(t, cluster.AppendLog(ns, lab.PodName, "nginx", framework.LogLine{Time: now.Add(time.Second), Text: "second run"}))
	_, err = cluster.UpdatePodStatus(ctx, ns, created.Name, func(pod *corev1.Pod) {
		framework.RestartContainer(pod, "nginx", now.Add(time.Second))
		framework.SyncPodStatus(pod, now.Add(time.Second))
	})
	require.NoError(t, err)
	require.NoError(t, cluster.AppendLog(ns, lab.PodName, "sidecar", framework.LogLine{Time: now.Add(2 * time.Second), Text: "still here"}))

	// One marker between the instances, with the exit from the status.
	restarted, err := cluster.Client.CoreV1().Pods(ns).Get(ctx, created.Name, metav1.GetOptions{})
	require.NoError(t, err)
	var last *corev1.ContainerStateTerminated
	for _, st := range restarted.Status.ContainerStatuses {
		if st.Name == "nginx" {
			last = st.LastTerminationState.Terminated
		}
	}
	require.NotNil(t, last)
	ran := last.FinishedAt.Sub(last.StartedAt.Time)
	want := []string{"[nginx main] first run", "[nginx main] crashing",
		fmt.Sprintf("── nginx restarted: exit 1 (Error) after %s, restart 1 ──", ran),
		"[nginx main] second run", "[sidecar sidecar] still here"}
	require.Eventually(t, func() bool { return len(out.get()) >= len(want) }, 15*time.Second, 50*time.Millisecond,
		"got %q; stderr: %s", out.get(), stderr.String())
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, want, out.get())
	assert.Empty(t, stderr.String())
}

// seedFollowedPod creates Task 3's pod nx in ns, started a minute ago, with
// one line in each container ("nginx 0", "sidecar 0"), for the follow tests.
// seedTask3 seeds task 3's pod, started a minute ago: nginx logged
// nginxText 3s after the start, the sidecar sidecarText 4s after it (nothing
// yet when empty). It returns the pod and the start.
func seedTask3(t *testing.T, ctx context.Context, ns, nginxText, sidecarText string) (*corev1.Pod, time.Time) {
	t.Helper()
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	created, err := lab.Seed(ctx, cluster, lab.Task3Pod(ns), start, func(p *corev1.Pod) error {
		if err := cluster.WriteLog(p.Namespace, p.Name, "nginx", framework.LogLine{Time: start.Add(3 * time.Second), Text: nginxText}); err != nil {
			return err
		}
		var sidecar []framework.LogLine
		if sidecarText != "" {
			sidecar = append(sidecar, framework.LogLine{Time: start.Add(4 * time.Second), Text: sidecarText})
		}
		return cluster.WriteLog(p.Namespace, p.Name, "sidecar", sidecar...)
	})
	require.NoError(t, err)
	cleanupPod(t, ns, created.Name)
	return created, start
}

// seedFollowedPod seeds the pod the follow tests read: one line of each container.
func seedFollowedPod(t *testing.T, ctx context.Context, ns string) {
	t.Helper()
	seedTask3(t, ctx, ns, "nginx 0", "sidecar 0")
}
