package logs

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
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
	r.sources = make([]*printers.LogSource, 8)
	_, _, m := r.lookup(logmerge.Line{Stream: 7, Text: []byte("d")})
	assert.Nil(t, m, "a line that is not the token is a line")
	_, _, m = r.lookup(logmerge.Line{Stream: 7, Text: g.token})
	assert.Same(t, g.marker, m)
	_, _, m = r.lookup(logmerge.Line{Stream: 7, Text: g.token})
	assert.Nil(t, m, "once")
}
