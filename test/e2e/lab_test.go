//go:build e2e

package e2e

import (
	"bufio"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// Each lab task has its own namespace: every task's pod is called nx.

func TestLabTask1Nginx(t *testing.T) {
	const ns = "e2e-task1"
	_, err := lab.SeedTask1(testContext(t), cluster, ns, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)

	row := rowOf(t, kubectl(t, "get", "pod", "nx", "-n", ns), "nx")
	assert.Equal(t, []string{"1/1", "Running", "0"}, row[1:4])
	assert.Equal(t, "lab-node 80 Default",
		kubectl(t, "get", "pod", "nx", "-n", ns, "-o", "jsonpath={.spec.nodeName} {.spec.containers[0].ports[0].containerPort} {.spec.dnsPolicy}"))
	assert.Contains(t, kubectl(t, "logs", "nx", "-n", ns), "/docker-entrypoint.sh: Configuration complete; ready for start up\n")
}

func TestLabTask2InitContainer(t *testing.T) {
	const ns = "e2e-task2"
	_, err := lab.SeedTask2(testContext(t), cluster, ns, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)

	row := rowOf(t, kubectl(t, "get", "pod", "nx", "-n", ns), "nx")
	assert.Equal(t, []string{"1/1", "Running", "0"}, row[1:4])
	assert.Equal(t, "Completed 0",
		kubectl(t, "get", "pod", "nx", "-n", ns, "-o", "jsonpath={.status.initContainerStatuses[0].state.terminated.reason} {.status.initContainerStatuses[0].state.terminated.exitCode}"))
	assert.Equal(t, "static-html static-html",
		kubectl(t, "get", "pod", "nx", "-n", ns, "-o", "jsonpath={.spec.initContainers[0].volumeMounts[0].name} {.spec.containers[0].volumeMounts[0].name}"))

	// The wget output comes from the test kubelet, through the API server.
	assert.Equal(t,
		"Connecting to info.cern.ch (188.184.67.127:80)\n"+
			"index.html           100% |*******************************|   646   0:00:00 ETA\n",
		kubectl(t, "logs", "nx", "-c", "init-index", "-n", ns))
}

func TestLabTask2InitContainerFails(t *testing.T) {
	const ns = "e2e-task2-broken"
	_, err := lab.SeedTask2InitFailure(testContext(t), cluster, ns, time.Now().Add(-3*time.Minute))
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)

	row := rowOf(t, kubectl(t, "get", "pod", "nx", "-n", ns), "nx")
	assert.Equal(t, []string{"0/1", "Init:CrashLoopBackOff", "3"}, row[1:4])
	assert.Equal(t, "wget: bad address 'info.cern.ch'\n", kubectl(t, "logs", "nx", "-c", "init-index", "-n", ns))

	// nginx never started: the kubelet's own error reaches kubectl.
	res, err := cluster.Kubectl(testContext(t), "logs", "nx", "-c", "nginx", "-n", ns)
	require.NoError(t, err)
	assert.Equal(t, 1, res.ExitCode, "%s", res)
	assert.Equal(t, `Error from server (BadRequest): container "nginx" in pod "nx" is waiting to start: PodInitializing`,
		strings.TrimSpace(res.Stderr))
}

func TestLabTask3Sidecar(t *testing.T) {
	const ns = "e2e-task3"
	_, err := lab.SeedTask3(testContext(t), cluster, ns, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)

	row := rowOf(t, kubectl(t, "get", "pod", "nx", "-n", ns), "nx")
	assert.Equal(t, []string{"2/2", "Running", "0"}, row[1:4])
	assert.Equal(t, "nginx sidecar",
		kubectl(t, "get", "pod", "nx", "-n", ns, "-o", "jsonpath={.spec.containers[*].name}"))
	assert.Equal(t, "logs-vol logs-vol",
		kubectl(t, "get", "pod", "nx", "-n", ns, "-o", "jsonpath={.spec.containers[*].volumeMounts[0].name}"))
	// No error in nginx's log yet: the sidecar has printed nothing.
	assert.Empty(t, kubectl(t, "logs", "nx", "-c", "sidecar", "-n", ns))
}

// stampedLine is a `kubectl logs --timestamps` line.
type stampedLine struct {
	at   time.Time
	text string
}

func parseStamped(t *testing.T, line string) stampedLine {
	t.Helper()
	stamp, text, ok := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
	require.True(t, ok, "line without a timestamp: %q", line)
	at, err := time.Parse(time.RFC3339Nano, stamp)
	require.NoError(t, err, "line %q", line)
	return stampedLine{at: at, text: text}
}

func TestLabTask4ErrorDiscovered(t *testing.T) {
	const ns = "e2e-task4"
	ctx := testContext(t)
	_, err := lab.SeedTask3(ctx, cluster, ns, time.Now().Add(-25*time.Second))
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)

	// Follow the sidecar as a user would while provoking the error.
	follow := cluster.Command(ctx, "logs", "-f", "--timestamps", "nx", "-c", "sidecar", "-n", ns)
	stdout, err := follow.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, follow.Start())
	t.Cleanup(func() {
		_ = follow.Process.Kill()
		_ = follow.Wait()
	})
	require.Eventually(t, func() bool {
		n, err := cluster.ActiveLogStreams(ctx, ns, lab.PodName, "sidecar")
		return err == nil && n == 1
	}, 10*time.Second, 50*time.Millisecond, "kubectl logs -f did not reach the kubelet")

	task4, err := lab.ProvokeTask4(ctx, cluster, ns, time.Now())
	require.NoError(t, err)

	lines := make(chan string)
	go func() {
		defer close(lines)
		r := bufio.NewReader(stdout)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			lines <- l
		}
	}()
	var discovered stampedLine
	select {
	case l, ok := <-lines:
		require.True(t, ok, "kubectl logs -f ended without a line")
		discovered = parseStamped(t, l)
	case <-time.After(10 * time.Second):
		require.Fail(t, "the follow did not show the sidecar's line within 10s")
	}
	assert.Equal(t, lab.ErrorDiscovered, discovered.text)
	assert.True(t, discovered.at.Equal(task4.Discovered), "discovered at %v, want %v", discovered.at, task4.Discovered)

	// In nginx's log, the 404 comes first; the sidecar notices within its 10 s loop.
	var notFound stampedLine
	for _, l := range strings.SplitAfter(kubectl(t, "logs", "nx", "-c", "nginx", "-n", ns, "--timestamps"), "\n") {
		if strings.Contains(l, `" 404 `) {
			notFound = parseStamped(t, l)
		}
	}
	require.NotZero(t, notFound.at, "no 404 line in nginx's log")
	assert.True(t, discovered.at.After(notFound.at), "%v is not after %v", discovered.at, notFound.at)
	assert.LessOrEqual(t, discovered.at.Sub(notFound.at), 10*time.Second)

	// Plain `kubectl logs` (no follow) returns the line the test wrote.
	assert.Equal(t, lab.ErrorDiscovered+"\n", kubectl(t, "logs", "nx", "-c", "sidecar", "-n", ns))

	// Merged by time, the cause precedes the effect.
	var all []stampedLine
	for _, l := range strings.SplitAfter(kubectl(t, "logs", "nx", "--all-containers", "--timestamps", "-n", ns), "\n") {
		if l != "" {
			all = append(all, parseStamped(t, l))
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	require.NotEmpty(t, all)
	assert.Equal(t, lab.ErrorDiscovered, all[len(all)-1].text)
	assert.Contains(t, all[len(all)-2].text, `"GET /unknown HTTP/1.1" 404`)
}
