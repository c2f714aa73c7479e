//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// Issue 13: a pod deleted while followed gets a note, its streams are
// closed, and logs -f of pods named by name ends once none remains.
func TestLogsFollowEndsWhenThePodIsDeleted(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-logs-deleted"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, want := followSeededPod(t, ctx, ns)

	require.NoError(t, cluster.DeletePod(ctx, ns, lab.PodName))
	var code int
	select {
	case code = <-run.exit:
		run.exit <- code // for the cleanup
	case <-time.After(20 * time.Second):
		require.Failf(t, "logs -f did not end after the pod was deleted", "stderr: %s", run.stderr)
	}
	assert.Equal(t, 0, code)
	assert.Equal(t, want, run.out.get())
	assert.Equal(t, "note: pod/nx was deleted; its streams are closed\n", run.stderr.String())
}
