package podstatus_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus/statuscases"
)

func TestFixtures(t *testing.T) {
	for _, f := range testutil.Fixtures(t) {
		s := podstatus.Summarize(f.Pod)
		assert.Equal(t, f.Expected.Status, s.Status, f.Name)
		assert.Equal(t, f.Expected.Ready, s.Ready(), f.Name)
	}
}

// One case per branch of kubectl 1.37's printPod; test/e2e asks kubectl
// itself about the same pods.
func TestPrintPodBranches(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := statuscases.Cases(now)
	names := map[string]bool{}
	for _, c := range cases {
		require.False(t, names[c.Pod.Name], "pod name %q used twice", c.Pod.Name)
		names[c.Pod.Name] = true
		t.Run(c.Pod.Name, func(t *testing.T) {
			s := podstatus.Summarize(c.Pod)
			assert.Equal(t, c.Status, s.Status, "STATUS, branch: %s", c.Branch)
			assert.Equal(t, c.Ready, s.Ready(), "READY, branch: %s", c.Branch)
			assert.Equal(t, c.Restarts, s.RestartsString(now), "RESTARTS, branch: %s", c.Branch)
		})
	}
}

func TestRestartsStringAges(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for ago, want := range map[time.Duration]string{
		90 * time.Second:             "4 (90s ago)",
		5*time.Hour + 30*time.Minute: "4 (5h30m ago)",
		3*24*time.Hour + 2*time.Hour: "4 (3d2h ago)",
		400 * 24 * time.Hour:         "4 (400d ago)",
	} {
		s := podstatus.Summary{Restarts: 4, LastRestartAt: now.Add(-ago)}
		assert.Equal(t, want, s.RestartsString(now), ago.String())
	}
	assert.Equal(t, "0", podstatus.Summary{}.RestartsString(now))
}
