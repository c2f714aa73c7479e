//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
	"github.com/pods-pattern/kubectl-pods-pattern/test/kubelet"
)

// podEvent is an event about the pod (fieldPath "") or one of its
// containers, as the kubelet's recorder writes it.
func podEvent(pod *corev1.Pod, name, container, typ, reason, message string, at time.Time) *corev1.Event {
	e := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: name},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace,
			Name: pod.Name, UID: pod.UID},
		Type: typ, Reason: reason, Message: message,
		Source:         corev1.EventSource{Component: "kubelet", Host: cluster.Node},
		FirstTimestamp: metav1.NewTime(at), LastTimestamp: metav1.NewTime(at), Count: 1,
	}
	if container != "" {
		e.InvolvedObject.FieldPath = fmt.Sprintf("spec.containers{%s}", container)
	}
	return e
}

// freshEvents removes the namespace's events now and after the test, so that
// the test can run again on the same cluster.
func freshEvents(t *testing.T, ctx context.Context, ns string) {
	t.Helper()
	deleteAll := func(ctx context.Context) error {
		return cluster.Client.CoreV1().Events(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
	}
	require.NoError(t, cluster.EnsureNamespace(ctx, ns))
	require.NoError(t, deleteAll(ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := deleteAll(ctx); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
}

// Events created while following join the stream between the log lines
// around them; a repeated event shows once per time the API gives, and a
// count that grows without a later time shows nothing.
func TestLogsFollowEventsBetweenLines(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-events"
	ctx := testContext(t)
	freshEvents(t, ctx, ns)
	created, start := seedTask3(t, ctx, ns, "nginx up", "")
	events := cluster.Client.CoreV1().Events(ns)
	// An event from before the follow, and one of another pod that must not show.
	_, err := events.Create(ctx, podEvent(created, "nx.started", "nginx", "Normal", "Started", "Started container nginx", start.Add(2*time.Second)), metav1.CreateOptions{})
	require.NoError(t, err)
	stranger := podEvent(created, "web.killing", "", "Normal", "Killing", "of another pod", start.Add(2*time.Second))
	stranger.InvolvedObject.Name, stranger.InvolvedObject.UID = "web", ""
	_, err = events.Create(ctx, stranger, metav1.CreateOptions{})
	require.NoError(t, err)

	out, stderr := followPlugin(t, ctx, "pods-pattern", "logs", "nx", "-n", ns, "-f", "--events", "--max-delay", "300ms")
	waitLines := func(n int) {
		t.Helper()
		require.Eventually(t, func() bool { return len(out.get()) >= n }, 15*time.Second, 20*time.Millisecond,
			"got %q; stderr: %s", out.get(), stderr.String())
	}
	waitLines(2)

	// Event times are whole seconds: the lines sit half a second around them.
	base := time.Now().Truncate(time.Second).Add(time.Second)
	require.NoError(t, cluster.AppendLog(ns, lab.PodName, "nginx", framework.LogLine{Time: base.Add(-500 * time.Millisecond), Text: "before the probe"}))
	waitLines(3)
	probe, err := events.Create(ctx, podEvent(created, "nx.unhealthy", "sidecar", "Warning", "Unhealthy", "Readiness probe failed: HTTP 500", base), metav1.CreateOptions{})
	require.NoError(t, err)
	waitLines(4)
	require.NoError(t, cluster.AppendLog(ns, lab.PodName, "sidecar", framework.LogLine{Time: base.Add(500 * time.Millisecond), Text: "sidecar saw it"}))
	waitLines(5)
	// The kubelet's recorder counts a repeat on the same event.
	probe.Count, probe.LastTimestamp = 2, metav1.NewTime(base.Add(time.Second))
	probe, err = events.Update(ctx, probe, metav1.UpdateOptions{})
	require.NoError(t, err)
	waitLines(6)
	probe.Count = 3 // within the same second: no new time, no new line
	_, err = events.Update(ctx, probe, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.NoError(t, cluster.AppendLog(ns, lab.PodName, "nginx", framework.LogLine{Time: base.Add(1500 * time.Millisecond), Text: "after the probes"}))
	waitLines(7)
	time.Sleep(500 * time.Millisecond) // an extra line would come now

	want := []string{
		"[events nginx] Started: Started container nginx",
		"[nginx main] nginx up",
		"[nginx main] before the probe",
		"[events sidecar] Warning Unhealthy: Readiness probe failed: HTTP 500",
		"[sidecar sidecar] sidecar saw it",
		"[events sidecar] Warning Unhealthy: Readiness probe failed: HTTP 500 (2 times since " + base.UTC().Format(time.RFC3339) + ")",
		"[nginx main] after the probes",
	}
	assert.Equal(t, want, out.get())
	assert.Empty(t, stderr.String())
	assert.False(t, strings.Contains(strings.Join(out.get(), "\n"), "another pod"))
}

// A stream reopened after a cut prints a marker only when the kubelet's
// file no longer holds the last line read (rotated past it).
func TestLogsFollowMarksAGapAfterRotation(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-gap"
	ctx := testContext(t)
	seedTask3(t, ctx, ns, "nginx up", "")

	out, stderr := followPlugin(t, ctx, "pods-pattern", "logs", "nx", "-n", ns, "-f", "-c", "nginx", "--max-delay", "100ms")
	require.Eventually(t, func() bool {
		n, err := cluster.ActiveLogStreams(ctx, ns, lab.PodName, "nginx")
		return err == nil && n == 1 && len(out.get()) == 1
	}, 10*time.Second, 20*time.Millisecond)
	before := time.Now().UTC()
	require.NoError(t, cluster.AppendLog(ns, lab.PodName, "nginx", framework.LogLine{Time: before, Text: "before the rotation"}))
	require.Eventually(t, func() bool { return len(out.get()) == 2 }, 10*time.Second, 20*time.Millisecond)

	// The kubelet rotates: the file read so far is renamed away (the open
	// stream keeps reading it), a new one starts; then the stream is cut.
	path := kubelet.LogPath(cluster.KubeletDir, kubelet.ContainerRef{Namespace: ns, Pod: lab.PodName, Container: "nginx"}, false)
	require.NoError(t, os.Rename(path, path+".1"))
	after := before.Add(2 * time.Second)
	require.NoError(t, cluster.AppendLog(ns, lab.PodName, "nginx", framework.LogLine{Time: after, Text: "after the rotation"}))
	cut, err := cluster.CutLogStreams(ctx, ns, lab.PodName, "nginx")
	require.NoError(t, err)
	require.Equal(t, 1, cut)

	want := []string{"[nginx main] nginx up", "[nginx main] before the rotation",
		fmt.Sprintf("── nginx: lines may be missing between %s and %s (the log was rotated while its stream was reopened) ──",
			before.Format(time.RFC3339Nano), after.Format(time.RFC3339Nano)),
		"[nginx main] after the rotation"}
	require.Eventually(t, func() bool { return len(out.get()) >= len(want) }, 15*time.Second, 50*time.Millisecond,
		"got %q; stderr: %s", out.get(), stderr.String())
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, want, out.get())
	assert.Empty(t, stderr.String())
}

// Following a selector, a new pod's first event can come before the pod
// watch shows the pod: it waits for the pod and is shown, not dropped.
func TestLogsFollowSelectorShowsAnEventBeforeItsPod(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-events-join"
	ctx := testContext(t)
	freshEvents(t, ctx, ns)
	web := func(name string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{NodeName: cluster.Node, Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		}
	}
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	first, err := lab.Seed(ctx, cluster, web("web-0"), start, func(p *corev1.Pod) error {
		return cluster.WriteLog(p.Namespace, p.Name, "web", framework.Lines(start.Add(3*time.Second), time.Second, "web-0 up")...)
	})
	require.NoError(t, err)
	cleanupPod(t, ns, "web-0")
	require.NoError(t, cluster.DeletePod(ctx, ns, "web-1"))
	cleanupPod(t, ns, "web-1")

	out, stderr := followPlugin(t, ctx, "pods-pattern", "logs", "-l", "app=web", "-n", ns, "-f", "--events", "--max-delay", "300ms")
	waitLines := func(n int) {
		t.Helper()
		require.Eventually(t, func() bool { return len(out.get()) >= n }, 15*time.Second, 20*time.Millisecond,
			"got %q; stderr: %s", out.get(), stderr.String())
	}
	waitLines(1)
	// An event of the pod there: the events watch is on.
	events := cluster.Client.CoreV1().Events(ns)
	base := time.Now().Truncate(time.Second)
	_, err = events.Create(ctx, podEvent(first, "web-0.unhealthy", "web", "Warning", "Unhealthy", "Readiness probe failed", base), metav1.CreateOptions{})
	require.NoError(t, err)
	waitLines(2)

	// The scheduler's event, then the pod it is about: the pod watch shows
	// the pod after the events watch brought the event.
	_, err = events.Create(ctx, podEvent(web("web-1"), "web-1.scheduled", "", "Normal", "Scheduled",
		"Successfully assigned "+ns+"/web-1 to "+cluster.Node, base.Add(time.Second)), metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = lab.Seed(ctx, cluster, web("web-1"), base, func(p *corev1.Pod) error {
		return cluster.WriteLog(p.Namespace, p.Name, "web", framework.LogLine{Time: base.Add(1500 * time.Millisecond), Text: "web-1 up"})
	})
	require.NoError(t, err)
	waitLines(4)
	time.Sleep(500 * time.Millisecond) // an extra line would come now

	assert.Equal(t, []string{
		"[web-0 web main] web-0 up",
		"[web-0 events web] Warning Unhealthy: Readiness probe failed",
		"[web-1 events pod] Scheduled: Successfully assigned " + ns + "/web-1 to " + cluster.Node,
		"[web-1 web main] web-1 up",
	}, out.get())
	assert.Empty(t, stderr.String())
}

// When the pod followed finishes, its last event, created right as its
// containers end, is still shown before logs -f ends.
func TestLogsFollowShowsTheLastEventOfAFinishedPod(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-events-last"
	ctx := testContext(t)
	freshEvents(t, ctx, ns)
	p := lab.Task3Pod(ns)
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	created, err := lab.Seed(ctx, cluster, p, start, func(p *corev1.Pod) error {
		if err := cluster.WriteLog(p.Namespace, p.Name, "nginx", framework.Lines(start.Add(3*time.Second), time.Second, "nginx up")...); err != nil {
			return err
		}
		return cluster.WriteLog(p.Namespace, p.Name, "sidecar")
	})
	require.NoError(t, err)
	cleanupPod(t, ns, created.Name)

	run := startPlugin(t, ctx, "logs", "nx", "-n", ns, "-f", "--events", "--max-delay", "300ms")
	waitLines := func(n int) {
		t.Helper()
		require.Eventually(t, func() bool { return len(run.out.get()) >= n }, 15*time.Second, 20*time.Millisecond,
			"got %q; stderr: %s", run.out.get(), run.stderr)
	}
	waitLines(1)
	events := cluster.Client.CoreV1().Events(ns)
	base := time.Now().Truncate(time.Second).Add(time.Second)
	_, err = events.Create(ctx, podEvent(created, "nx.unhealthy", "sidecar", "Warning", "Unhealthy", "Liveness probe failed", base.Add(-time.Second)), metav1.CreateOptions{})
	require.NoError(t, err)
	waitLines(2)

	// The pod ends: its last line, its final status, and then the kubelet's
	// event, whose recorder sends it asynchronously.
	require.NoError(t, cluster.AppendLog(ns, lab.PodName, "nginx", framework.LogLine{Time: base.Add(-500 * time.Millisecond), Text: "shutting down"}))
	waitLines(3)
	_, err = cluster.UpdatePodStatus(ctx, ns, created.Name, func(pod *corev1.Pod) {
		framework.TerminateContainer(pod, "nginx", 0, base)
		framework.TerminateContainer(pod, "sidecar", 0, base)
		framework.SyncPodStatus(pod, base)
	})
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)
	_, err = events.Create(ctx, podEvent(created, "nx.killing", "nginx", "Normal", "Killing", "Stopping container nginx", base), metav1.CreateOptions{})
	require.NoError(t, err)

	assert.Equal(t, 0, run.waitExit(t, 20*time.Second))
	assert.Equal(t, []string{
		"[nginx main] nginx up",
		"[events sidecar] Warning Unhealthy: Liveness probe failed",
		"[nginx main] shutting down",
		"[events nginx] Killing: Stopping container nginx",
	}, run.out.get())
	assert.Empty(t, run.stderr.String())
}
