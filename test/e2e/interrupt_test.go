//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// Issue 13: Ctrl-C during a long read of every namespace (describe -A,
// summary -A, doctor -A, init -A) ends it within a second with exit 130,
// and nothing more is printed: no warning about a request the user cut
// short, no report built without what it was waiting for.

const interruptNS = "e2e-interrupt-all"

// seedInterruptPods creates pods one, two and three in interruptNS, labelled
// e2e=interrupt.
func seedInterruptPods(t *testing.T, ctx context.Context) {
	t.Helper()
	for _, name := range []string{"one", "two", "three"} {
		pod := lab.Task3Pod(interruptNS)
		pod.Name = name
		pod.Labels = map[string]string{"e2e": "interrupt"}
		created, err := lab.Seed(ctx, cluster, pod, time.Now().Add(-time.Minute), nil)
		require.NoError(t, err)
		cleanupPod(t, interruptNS, created.Name)
	}
}

// interrupt sends Ctrl-C to a command that is waiting and requires it to
// end within a second with exit 130.
func interrupt(t *testing.T, run *runningPlugin) {
	t.Helper()
	select {
	case code := <-run.exit:
		require.Failf(t, "the command did not wait", "exit %d; stderr: %s", code, run.stderr)
	case <-time.After(300 * time.Millisecond):
	}
	sent := time.Now()
	require.NoError(t, run.proc.Signal(os.Interrupt))
	assert.Equal(t, 130, run.waitExit(t, time.Second), "exit code after Ctrl-C")
	t.Logf("ended %s after Ctrl-C", time.Since(sent).Round(time.Millisecond))
}

// An API server that hangs (paused: the kernel accepts the connection, the
// server never answers) makes the first request last as long as it gets.
func TestReadsInterruptedWhileTheAPIServerHangs(t *testing.T) {
	requirePlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seedInterruptPods(t, ctx)

	for _, args := range [][]string{{"describe", "-A"}, {"summary", "-A"}, {"doctor", "-A"}, {"init", "-A"}} {
		t.Run(args[0], func(t *testing.T) {
			resume, err := cluster.PauseAPIServer()
			if resume != nil {
				t.Cleanup(func() { require.NoError(t, resume()) })
			}
			require.NoError(t, err)

			run := startPlugin(t, ctx, args...)
			// The plugin (kubectl has exec'd it) has asked and waits for the answer.
			require.NoError(t, cluster.WaitAPIServerConnection(ctx, run.proc.Pid), "stderr: %s", run.stderr)
			interrupt(t, run)
			assert.Empty(t, run.out.get(), "stdout")
			assert.Empty(t, run.stderr.String(), "stderr")
			require.NoError(t, resume())

			// The server answers again.
			res := plugin(t, "summary", "-A", "-l", "e2e=interrupt")
			require.Equal(t, 0, res.ExitCode, "%s", res)
			assert.Regexp(t, interruptNS+`\s+three\s`, res.Stdout)
		})
	}
}

// A proxy holds one request of the command's while the others go through:
// Ctrl-C comes while the command waits for the events, the Services, the
// ServiceAccounts or the second page of pods.
func TestReadsInterruptedWhileWaitingForOneRequest(t *testing.T) {
	requirePlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seedInterruptPods(t, ctx)

	path := func(suffix string) func(*http.Request) bool {
		return func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, suffix) }
	}
	secondPage := func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/pods") && r.URL.Query().Get("continue") != ""
	}
	tests := []struct {
		name   string
		args   []string
		hold   func(*http.Request) bool
		stdout string // a regexp of everything printed
	}{
		{"describe waiting for events", []string{"describe"}, path("/events"), `^$`},
		{"describe waiting for Services", []string{"describe"}, path("/services"), `^$`},
		{"init waiting for events", []string{"init"}, path("/events"), `^$`},
		{"init waiting for Services", []string{"init"}, path("/services"), `^$`},
		{"summary waiting for Services", []string{"summary"}, path("/services"), `^$`},
		// The table streams a page at a time: the first page stays on screen.
		{"summary waiting for the second page", []string{"summary", "--chunk-size", "1"}, secondPage,
			`^NAMESPACE\s+POD\s+.*\n` + interruptNS + `\s+one\s+.*\n$`},
		{"doctor waiting for Services", []string{"doctor"}, path("/services"), `^$`},
		{"doctor waiting for ServiceAccounts", []string{"doctor"}, path("/serviceaccounts"), `^$`},
		{"doctor waiting for the second page", []string{"doctor", "--chunk-size", "1"}, secondPage, `^$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy, err := cluster.StartAPIProxy(tt.hold)
			require.NoError(t, err)
			t.Cleanup(proxy.Close)
			args := append(append([]string{}, tt.args...), "-A", "-l", "e2e=interrupt", "--server", proxy.URL)
			run := startPlugin(t, ctx, args...)
			holdCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			require.NoError(t, proxy.WaitHeld(holdCtx), "stdout: %q; stderr: %s", run.out.get(), run.stderr)
			interrupt(t, run)
			out := strings.Join(run.out.get(), "\n")
			if out != "" {
				out += "\n"
			}
			assert.Regexp(t, tt.stdout, out, "stdout")
			assert.Empty(t, run.stderr.String(), "stderr")
		})
	}
}
