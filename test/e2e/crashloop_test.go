//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// A container waiting in CrashLoopBackOff has no current instance: the kubelet
// serves its last run with and without --previous, and so must the plugin.
func TestCrashLoopingInitLogsAndDescribe(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-crashloop"
	_, err := lab.SeedTask2InitFailure(testContext(t), cluster, ns, time.Now().Add(-3*time.Minute))
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)

	assert.Contains(t, kubectl(t, "logs", "nx", "-n", ns, "-c", "init-index", "--previous"), "wget: bad address 'info.cern.ch'")

	for _, args := range [][]string{{"logs", "nx", "-n", ns}, {"logs", "nx", "-n", ns, "--previous"}} {
		res := plugin(t, args...)
		require.Equal(t, 0, res.ExitCode, "%s", res)
		assert.Equal(t, 1, strings.Count(res.Stdout, "wget: bad address 'info.cern.ch'"), "%v once:\n%s", args, res.Stdout)
		assert.Contains(t, res.Stdout, "[init-index init")
		assert.Contains(t, res.Stderr, "nginx", "a note says nginx has nothing to show")
	}

	res := plugin(t, "describe", "nx", "-n", ns)
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Contains(t, res.Stdout, "Init:CrashLoopBackOff")
	assert.Contains(t, res.Stdout, `init "init-index" (1/1) is failing: CrashLoopBackOff, last exit 1 (Error), 3 restarts; it blocks the app containers`)
}
