package logs

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
)

func TestNeedTimestamps(t *testing.T) {
	cases := []struct {
		name                             string
		streams                          int
		follow, printed, asJSON, limited bool
		want                             bool
	}{
		{name: "one stream read once is confirmed from its last line", streams: 1, want: true},
		{name: "one stream read once up to --limit-bytes", streams: 1, limited: true, want: false},
		{name: "several streams up to --limit-bytes", streams: 2, limited: true, want: true},
		{name: "several streams are merged by time", streams: 2, want: true},
		{name: "a followed stream is reopened from its last line", streams: 1, follow: true, want: true},
		{name: "--timestamps prints them", streams: 1, printed: true, want: true},
		{name: "JSON has the time", streams: 1, asJSON: true, want: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, needTimestamps(c.streams, c.follow, c.printed, c.asJSON, c.limited))
		})
	}
}

// kubeletLogs serves pods/log like a kubelet: logs are kept as
// "<stamp> <message>" lines and sent without stamps unless asked.
type kubeletLogs struct {
	mu       sync.Mutex
	logs     map[string]string // by container
	previous map[string]string // by container: the instance before (-p)
	requests []corev1.PodLogOptions
}

func (k *kubeletLogs) react(action k8stesting.Action) (bool, runtime.Object, error) {
	if action.GetSubresource() != "log" {
		return false, nil, nil
	}
	opts := action.(k8stesting.GenericAction).GetValue().(*corev1.PodLogOptions)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.requests = append(k.requests, *opts)
	log := k.logs[opts.Container]
	if opts.Previous {
		log = k.previous[opts.Container]
	}
	if opts.TailLines != nil {
		lines := strings.SplitAfter(log, "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		log = strings.Join(lines[max(0, len(lines)-int(*opts.TailLines)):], "")
	}
	if !opts.Timestamps {
		var b strings.Builder
		for _, l := range strings.SplitAfter(log, "\n") {
			_, msg, _ := strings.Cut(l, " ")
			b.WriteString(msg)
		}
		log = b.String()
	}
	return true, &runtime.Unknown{Raw: []byte(log)}, nil
}

// A single stream cut on purpose by --limit-bytes is asked for without
// timestamps, and an application's own timestamp at the start of its message
// stays in the output; merged streams and a single stream whose end must be
// confirmed ask for them and print the same text.
func TestRunAsksForTimestampsOnlyToMerge(t *testing.T) {
	pod := testutil.LoadPod(t, filepath.Join(testutil.FixturesDir(), "seed", "task3-nx.yaml"))
	logs := map[string]string{
		"nginx":   "2026-11-26T03:30:01Z 2026/11/26 03:30:01 [notice] start\n2026-11-26T03:30:03Z GET / 200\n",
		"sidecar": "2026-11-26T03:30:02Z 2026-11-26T03:30:02Z INFO tick\n",
	}
	cases := []struct {
		name       string
		containers []string
		limit      int64
		want       string
		stamped    bool
	}{
		{"one container up to --limit-bytes", []string{"sidecar"}, 1000, "[sidecar sidecar] 2026-11-26T03:30:02Z INFO tick\n", false},
		{"one container", []string{"sidecar"}, 0, "[sidecar sidecar] 2026-11-26T03:30:02Z INFO tick\n", true},
		{"two containers", nil, 0, "[nginx main] 2026/11/26 03:30:01 [notice] start\n" +
			"[sidecar sidecar] 2026-11-26T03:30:02Z INFO tick\n[nginx main] GET / 200\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := &kubeletLogs{logs: logs}
			cs := fake.NewClientset(pod)
			cs.PrependReactor("get", "pods", k.react)
			var out, errOut bytes.Buffer
			cfg := Config{
				Query:      kube.Query{Namespace: "default", Names: []string{"nx"}},
				Rules:      classify.BuiltinRules(),
				Containers: c.containers, MaxLogRequests: 10, Prefix: true,
			}
			if c.limit > 0 {
				cfg.LogOptions.LimitBytes = &c.limit
			}
			require.NoError(t, Run(context.Background(), cs, cfg, &out, &errOut))
			assert.Equal(t, c.want, out.String())
			assert.Empty(t, errOut.String())
			require.NotEmpty(t, k.requests)
			for _, r := range k.requests {
				assert.Equal(t, c.stamped, r.Timestamps, r.Container)
			}
		})
	}
}
