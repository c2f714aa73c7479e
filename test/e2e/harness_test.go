//go:build e2e

package e2e

import (
	"bufio"
	"io"
	"net/url"
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

// These tests check the harness itself: that kubectl and client-go reach the
// test kubelet through the real API server, with every log option.

const harnessNS = "e2e-harness"

func appPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: harnessNS},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyAlways,
			Containers:    []corev1.Container{{Name: "app", Image: "busybox"}},
		},
	}
}

func TestNodePointsAtTestKubelet(t *testing.T) {
	u, err := url.Parse(cluster.KubeletURL)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1 "+u.Port()+" True",
		kubectl(t, "get", "node", cluster.Node, "-o",
			`jsonpath={.status.addresses[?(@.type=="InternalIP")].address} {.status.daemonEndpoints.kubeletEndpoint.Port} {.status.conditions[?(@.type=="Ready")].status}`))
}

func TestLogOptionsThroughAPIServer(t *testing.T) {
	ctx := testContext(t)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	recent := time.Now().Add(-10 * time.Second)
	pod, err := lab.Seed(ctx, cluster, appPod("options"), old.Add(-time.Minute), func(p *corev1.Pod) error {
		lines := append(framework.Lines(old, time.Second, "l1", "l2", "l3", "l4", "l5"), framework.LogLine{Time: recent, Text: "l6"})
		return cluster.WriteLog(p.Namespace, p.Name, "app", lines...)
	})
	require.NoError(t, err)
	cleanupPod(t, harnessNS, pod.Name)

	tests := []struct {
		args []string
		want string
	}{
		{nil, "l1\nl2\nl3\nl4\nl5\nl6\n"},
		{[]string{"--tail=2"}, "l5\nl6\n"},
		{[]string{"--tail=0"}, ""},
		{[]string{"--timestamps", "--tail=1"}, recent.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") + " l6\n"},
		{[]string{"--since-time=" + old.Add(3*time.Second).Format(time.RFC3339)}, "l4\nl5\nl6\n"},
		{[]string{"--since=1m"}, "l6\n"},
		{[]string{"--limit-bytes=5"}, "l1\nl2"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"logs", "options", "-n", harnessNS}, tt.args...)
			assert.Equal(t, tt.want, kubectl(t, args...))
		})
	}

	// client-go's GetLogs goes the same way.
	tail := int64(1)
	stream, err := cluster.Client.CoreV1().Pods(harnessNS).GetLogs("options", &corev1.PodLogOptions{Container: "app", TailLines: &tail}).Stream(ctx)
	require.NoError(t, err)
	body, err := io.ReadAll(stream)
	require.NoError(t, err)
	require.NoError(t, stream.Close())
	assert.Equal(t, "l6\n", string(body))

	// No previous instance yet: the kubelet's error, through the API server.
	res, err := cluster.Kubectl(ctx, "logs", "options", "-n", harnessNS, "--previous")
	require.NoError(t, err)
	assert.Equal(t, 1, res.ExitCode, "%s", res)
	assert.Equal(t, `Error from server (BadRequest): previous terminated container "app" in pod "options" not found`, strings.TrimSpace(res.Stderr))

	// A restart: the old log becomes --previous, the new instance starts empty.
	require.NoError(t, cluster.RotateLog(harnessNS, "options", "app"))
	restarted := time.Now()
	_, err = cluster.UpdatePodStatus(ctx, harnessNS, "options", func(p *corev1.Pod) {
		framework.TerminateContainer(p, "app", 137, restarted.Add(-time.Second))
		framework.RestartContainer(p, "app", restarted)
		framework.SyncPodStatus(p, restarted)
	})
	require.NoError(t, err)
	require.NoError(t, cluster.AppendLog(harnessNS, "options", "app", framework.LogLine{Time: restarted, Text: "again"}))
	assert.Equal(t, "again\n", kubectl(t, "logs", "options", "-n", harnessNS))
	assert.Equal(t, "l5\nl6\n", kubectl(t, "logs", "options", "-n", harnessNS, "--previous", "--tail=2"))
	row := rowOf(t, kubectl(t, "get", "pod", "options", "-n", harnessNS), "options")
	assert.Equal(t, []string{"1/1", "Running", "1"}, row[1:4])
}

// startFollow runs `kubectl logs -f` on container app of pod name and returns
// its lines as they come, once the stream has reached the test kubelet.
func startFollow(t *testing.T, name string) (lines <-chan string, exit <-chan int) {
	t.Helper()
	ctx := testContext(t)
	cmd := cluster.Command(ctx, "logs", "-f", name, "-n", harnessNS)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	ch := make(chan string, 100)
	done := make(chan int, 1)
	go func() {
		r := bufio.NewReader(stdout)
		for {
			l, err := r.ReadString('\n')
			if l != "" {
				ch <- l
			}
			if err != nil {
				break
			}
		}
		close(ch)
		_ = cmd.Wait()
		done <- cmd.ProcessState.ExitCode()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	require.Eventually(t, func() bool {
		n, err := cluster.ActiveLogStreams(ctx, harnessNS, name, "app")
		return err == nil && n == 1
	}, 10*time.Second, 50*time.Millisecond, "kubectl logs -f did not reach the kubelet")
	return ch, done
}

func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		require.True(t, ok, "the stream ended")
		return l
	case <-time.After(10 * time.Second):
		require.Fail(t, "no line within 10s")
		return ""
	}
}

func waitExit(t *testing.T, exit <-chan int) int {
	t.Helper()
	select {
	case code := <-exit:
		return code
	case <-time.After(15 * time.Second):
		require.Fail(t, "kubectl logs -f did not end within 15s")
		return -1
	}
}

func TestFollowSeesLinesAndHidesACutStream(t *testing.T) {
	ctx := testContext(t)
	pod, err := lab.Seed(ctx, cluster, appPod("cut"), time.Now().Add(-time.Minute), func(p *corev1.Pod) error {
		return cluster.WriteLog(p.Namespace, p.Name, "app", framework.LogLine{Time: time.Now(), Text: "before"})
	})
	require.NoError(t, err)
	cleanupPod(t, harnessNS, pod.Name)

	lines, exit := startFollow(t, "cut")
	assert.Equal(t, "before\n", nextLine(t, lines))
	require.NoError(t, cluster.AppendLog(harnessNS, "cut", "app", framework.LogLine{Time: time.Now(), Text: "live"}))
	assert.Equal(t, "live\n", nextLine(t, lines))

	n, err := cluster.CutLogStreams(ctx, harnessNS, "cut", "app")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	// Measured on kube-apiserver 1.37.2: a broken kubelet stream ends the
	// client's response cleanly, so kubectl exits 0 while the container runs on.
	assert.Equal(t, 0, waitExit(t, exit))
	_, more := <-lines
	assert.False(t, more, "no line after the cut")
}

func TestFollowEndsWhenContainerStops(t *testing.T) {
	ctx := testContext(t)
	pod, err := lab.Seed(ctx, cluster, appPod("stops"), time.Now().Add(-time.Minute), func(p *corev1.Pod) error {
		return cluster.WriteLog(p.Namespace, p.Name, "app", framework.LogLine{Time: time.Now(), Text: "working"})
	})
	require.NoError(t, err)
	cleanupPod(t, harnessNS, pod.Name)

	lines, exit := startFollow(t, "stops")
	assert.Equal(t, "working\n", nextLine(t, lines))
	require.NoError(t, cluster.AppendLog(harnessNS, "stops", "app", framework.LogLine{Time: time.Now(), Text: "bye"}))
	_, err = cluster.UpdatePodStatus(ctx, harnessNS, "stops", func(p *corev1.Pod) {
		framework.TerminateContainer(p, "app", 0, time.Now())
		framework.SyncPodStatus(p, time.Now())
	})
	require.NoError(t, err)
	assert.Equal(t, "bye\n", nextLine(t, lines))
	assert.Equal(t, 0, waitExit(t, exit))
}

func TestViewerIsForbidden(t *testing.T) {
	ctx := testContext(t)
	res, err := cluster.Kubectl(ctx, "--context", "viewer", "get", "pods", "-n", "default")
	require.NoError(t, err)
	assert.Equal(t, 1, res.ExitCode, "%s", res)
	assert.Equal(t, `Error from server (Forbidden): pods is forbidden: User "viewer" cannot list resource "pods" in API group "" in the namespace "default"`,
		strings.TrimSpace(res.Stderr))

	res, err = cluster.Kubectl(ctx, "--context", "viewer", "auth", "can-i", "get", "pods/log")
	require.NoError(t, err)
	assert.Equal(t, "no", strings.TrimSpace(res.Stdout), "%s", res)
}
