package logs

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
)

func TestRestartMarker(t *testing.T) {
	at := func(s string) metav1.Time {
		tm, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return metav1.NewTime(tm)
	}
	st := &corev1.ContainerStatus{Name: "sidecar", RestartCount: 3,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: at("2026-01-02T10:04:30Z")}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled",
			StartedAt: at("2026-01-02T10:00:00Z"), FinishedAt: at("2026-01-02T10:04:12Z")}}}
	m := restartMarker(st)
	require.NotNil(t, m)
	assert.Equal(t, "sidecar restarted: exit 137 (OOMKilled) after 4m12s, restart 3", m.Text("sidecar"))
	assert.Equal(t, "2026-01-02T10:04:30.000000000Z", string(m.Stamp), "at the new instance's start")
	st.LastTerminationState.Terminated = nil
	assert.Nil(t, restartMarker(st), "never restarted")
}

func gapRead(t *testing.T, since time.Time, stream string) (string, *run) {
	r := &run{}
	g := &gapReader{rc: io.NopCloser(strings.NewReader(stream)), check: func(first []byte) []byte { return r.checkGap(7, since, first) }}
	b, err := io.ReadAll(g)
	require.NoError(t, err)
	return string(b), r
}

func TestGapAfterAReopening(t *testing.T) {
	since := time.Date(2026, 1, 2, 10, 0, 5, 500_000_000, time.UTC)
	// The kubelet sends the last line read again: its file still holds it.
	out, r := gapRead(t, since, "2026-01-02T10:00:05.1Z a\n2026-01-02T10:00:05.5Z b\n2026-01-02T10:00:06Z c\n")
	assert.Equal(t, "2026-01-02T10:00:05.1Z a\n2026-01-02T10:00:05.5Z b\n2026-01-02T10:00:06Z c\n", out)
	assert.Empty(t, r.gaps)

	// The file was rotated past it: a marker at the last line's time.
	out, r = gapRead(t, since, "2026-01-02T10:00:09Z d\n2026-01-02T10:00:10Z e")
	require.Len(t, r.gaps, 1)
	g := r.gaps[7]
	assert.Equal(t, "2026-01-02T10:00:05.500000000Z "+string(g.token)+"\n2026-01-02T10:00:09Z d\n2026-01-02T10:00:10Z e", out)
	assert.Equal(t, "nginx: lines may be missing between 2026-01-02T10:00:05.5Z and 2026-01-02T10:00:09Z (the log was rotated while its stream was reopened)",
		g.marker.Text("nginx"))
	r.sources = make([]streamOut, 8)
	_, kind, m := r.lookup(logmerge.Line{Stream: 7, Text: []byte("d")})
	assert.Nil(t, m, "a line that is not the token is a line")
	assert.Equal(t, logLine, kind)
	_, kind, m = r.lookup(logmerge.Line{Stream: 7, Text: g.token})
	assert.Same(t, g.marker, m)
	assert.Equal(t, markerLine, kind)
	_, _, m = r.lookup(logmerge.Line{Stream: 7, Text: g.token})
	assert.Nil(t, m, "once")
}

// restartedNginx is Task 3's pod after nginx was OOM-killed once.
func restartedNginx(t *testing.T) *corev1.Pod {
	pod := testutil.LoadPod(t, filepath.Join(testutil.FixturesDir(), "seed", "task3-nx.yaml"))
	st := kube.FindContainerStatus(pod, "nginx")
	require.NotNil(t, st)
	at := func(s int) metav1.Time { return metav1.NewTime(time.Date(2025, 9, 15, 9, 3, s, 0, time.UTC)) }
	st.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled",
		StartedAt: at(0), FinishedAt: at(20), ContainerID: "containerd://old"}
	st.State.Running.StartedAt = at(30)
	st.RestartCount = 1
	return pod
}

// With -p the marker stands between the instances' lines: it follows a
// printed line of the instance that ended, or is left out (--tail 0 prints
// nothing, and a marker alone would mark a boundary between nothing and
// nothing).
func TestRunPreviousMarkerFollowsAPrintedLine(t *testing.T) {
	previous := "2025-09-15T09:03:05Z first run\n2025-09-15T09:03:15Z about to crash\n"
	current := "2025-09-15T09:03:31Z second run\n2025-09-15T09:03:32Z serving\n"
	const marker = "── nginx restarted: exit 137 (OOMKilled) after 20s, restart 1 ──\n"
	cases := []struct {
		name     string
		tail     int64
		previous string
		grep     string
		want     string
	}{
		{"all lines", -1, previous, "", "[nginx main previous] first run\n[nginx main previous] about to crash\n" + marker +
			"[nginx main] second run\n[nginx main] serving\n"},
		{"--tail 1", 1, previous, "", "[nginx main previous] about to crash\n" + marker + "[nginx main] serving\n"},
		{"--tail 0", 0, previous, "", ""},
		{"the previous instance logged nothing", -1, "", "", "[nginx main] second run\n[nginx main] serving\n"},
		{"--grep leaves out every line before", -1, previous, "serving", "[nginx main] serving\n"},
		{"--grep keeps a line before, none after", -1, previous, "crash", "[nginx main previous] about to crash\n" + marker},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := &kubeletLogs{logs: map[string]string{"nginx": current}, previous: map[string]string{"nginx": c.previous}}
			cs := fake.NewClientset(restartedNginx(t))
			cs.PrependReactor("get", "pods", k.react)
			var out, errOut bytes.Buffer
			cfg := Config{
				Query: kube.Query{Namespace: "default", Names: []string{"nx"}}, Rules: classify.BuiltinRules(),
				Containers: []string{"nginx"}, MaxLogRequests: 10, Prefix: true,
				LogOptions: corev1.PodLogOptions{Previous: true},
			}
			if c.tail >= 0 {
				cfg.LogOptions.TailLines = &c.tail
			}
			if c.grep != "" {
				cfg.Grep = []*regexp.Regexp{regexp.MustCompile(c.grep)}
			}
			require.NoError(t, Run(context.Background(), cs, cfg, &out, &errOut))
			assert.Equal(t, c.want, out.String())
			assert.Empty(t, errOut.String())
		})
	}
}
