//go:build e2e

package e2e

import (
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

// Events created while following join the stream between the log lines
// around them; a repeated event shows once per time the API gives, and a
// count that grows without a later time shows nothing.
func TestLogsFollowEventsBetweenLines(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-events"
	ctx := testContext(t)
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	created, err := lab.Seed(ctx, cluster, lab.Task3Pod(ns), start, func(p *corev1.Pod) error {
		if err := cluster.WriteLog(p.Namespace, p.Name, "nginx", framework.Lines(start.Add(3*time.Second), time.Second, "nginx up")...); err != nil {
			return err
		}
		return cluster.WriteLog(p.Namespace, p.Name, "sidecar")
	})
	require.NoError(t, err)
	cleanupPod(t, ns, created.Name)
	events := cluster.Client.CoreV1().Events(ns)
	// An event from before the follow, and one of another pod that must not show.
	_, err = events.Create(ctx, podEvent(created, "nx.started", "nginx", "Normal", "Started", "Started container nginx", start.Add(2*time.Second)), metav1.CreateOptions{})
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
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	created, err := lab.Seed(ctx, cluster, lab.Task3Pod(ns), start, func(p *corev1.Pod) error {
		if err := cluster.WriteLog(p.Namespace, p.Name, "nginx", framework.Lines(start.Add(3*time.Second), time.Second, "nginx up")...); err != nil {
			return err
		}
		return cluster.WriteLog(p.Namespace, p.Name, "sidecar")
	})
	require.NoError(t, err)
	cleanupPod(t, ns, created.Name)

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
