package cmd

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// Ctrl-C while a read waits for the events or the Services: the command
// returns ctx's error (main exits 130) and prints nothing more, no warning
// about the request it cut short, no report built without its answer.
// (test/e2e proves it against kube-apiserver: TestReadsInterrupted*.)
func TestReadsInterruptedPrintNothing(t *testing.T) {
	for _, c := range []struct {
		command, resource string
	}{
		{"describe", "events"}, {"describe", "services"},
		{"init", "events"}, {"init", "services"},
		{"summary", "services"},
	} {
		t.Run(c.command+" waiting for "+c.resource, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			task3, task2 := seedPod(t, "task3-nx"), seedPod(t, "task2-nx")
			task2.Namespace = "other"
			cs := fake.NewClientset(task3, task2)
			cs.PrependReactor("list", c.resource, func(k8stesting.Action) (bool, runtime.Object, error) {
				// Ctrl-C while the request is out: client-go returns ctx's error.
				cancel()
				return true, nil, ctx.Err()
			})
			var out, errOut string
			var err error
			switch c.command {
			case "describe":
				out, errOut, err = runDescribeCtx(t, ctx, cs, nil, func(o *DescribeOptions) { o.Targets.AllNamespaces = true })
			case "init":
				out, errOut, err = runInit(t, ctx, cs, time.Now(), "-A")
			case "summary":
				out, errOut, err = runSummaryCtx(t, ctx, cs, nil, func(o *SummaryOptions) { o.Scan.Targets.AllNamespaces = true })
			}
			require.ErrorIs(t, err, context.Canceled)
			assert.Empty(t, out, "stdout")
			assert.Empty(t, errOut, "stderr")
		})
	}
}
