//go:build e2e

// Package e2e tests kubectl and the plugin against the real kube-apiserver
// started by hack/cluster-up.sh (hack/e2e.sh starts and stops one):
//
//	go test -tags e2e -count=1 ./test/e2e/...
package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
)

var cluster *framework.Cluster

func TestMain(m *testing.M) {
	var err error
	cluster, err = framework.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// testContext ends with the test, and after a minute at most.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// kubectl runs kubectl and requires it to succeed.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	res, err := cluster.Kubectl(testContext(t), args...)
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "%s", res)
	return res.Stdout
}

// requirePlugin skips the test only when the plugin binary has not been built.
func requirePlugin(t *testing.T) {
	t.Helper()
	if !cluster.HasPlugin() {
		t.Skipf("plugin binary %s not built (make build)", cluster.PluginPath)
	}
}

// plugin runs `kubectl pods-pattern args...`.
func plugin(t *testing.T, args ...string) framework.Result {
	t.Helper()
	requirePlugin(t)
	res, err := cluster.Plugin(testContext(t), args...)
	require.NoError(t, err)
	return res
}

// fields splits the line of `kubectl get` output that starts with name.
func rowOf(t *testing.T, table, name string) []string {
	t.Helper()
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == name {
			return f
		}
	}
	require.Failf(t, "row not found", "no row %q in:\n%s", name, table)
	return nil
}

// cleanupPod deletes the pod when the test ends.
func cleanupPod(t *testing.T, namespace, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cluster.DeletePod(ctx, namespace, name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
}
