package cmd

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
)

const twoContexts = `apiVersion: v1
kind: Config
clusters:
- {name: one, cluster: {server: "https://127.0.0.1:1"}}
- {name: two, cluster: {server: "https://127.0.0.1:2"}}
users:
- {name: u, user: {token: t}}
contexts:
- {name: prod, context: {cluster: one, user: u, namespace: shop}}
- {name: staging, context: {cluster: two, user: u}}
current-context: prod
`

// Two clusters read in parallel: each row says its context, the one that
// fails is reported on its own and the run exits 1 at the end.
func TestSeveralContexts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, writeFile(path, twoContexts))
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "web"}}}}
	var (
		mu    sync.Mutex
		asked []string
	)
	setup := func(s *ScanOptions, contexts []string, all bool) {
		s.Contexts, s.AllContexts = contexts, all
		s.NewClientFor = func(f *genericclioptions.ConfigFlags) (kubernetes.Interface, error) {
			// Clusters are read in parallel.
			mu.Lock()
			asked = append(asked, *f.Context)
			mu.Unlock()
			if *f.Context == "staging" {
				return nil, errors.New("cannot reach the Kubernetes API at https://127.0.0.1:2")
			}
			return fake.NewClientset(pod), nil
		}
	}
	for _, all := range []bool{false, true} {
		asked = nil
		out, _, err := runSummary(t, nil, nil, func(o *SummaryOptions) {
			o.getter.(*genericclioptions.ConfigFlags).KubeConfig = &path
			o.getter.(*genericclioptions.ConfigFlags).Namespace = new(string)
			o.Output = "json"
			if all {
				setup(&o.Scan, nil, true)
			} else {
				setup(&o.Scan, []string{"prod", "staging"}, false)
			}
		})
		require.EqualError(t, err, "1 cluster could not be read")
		assert.ElementsMatch(t, []string{"prod", "staging"}, asked)
		var res struct {
			Items []struct {
				Context, Namespace, Name string
			} `json:"items"`
			Errors []struct{ Context, Error string } `json:"errors"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &res), out)
		require.Len(t, res.Items, 1)
		assert.Equal(t, "prod", res.Items[0].Context)
		assert.Equal(t, "shop", res.Items[0].Namespace, "each context's own namespace")
		require.Len(t, res.Errors, 1)
		assert.Equal(t, "staging", res.Errors[0].Context)
	}

	// The table says the context on every row and the failure below.
	out, _, err := runSummary(t, nil, nil, func(o *SummaryOptions) {
		o.getter.(*genericclioptions.ConfigFlags).KubeConfig = &path
		o.getter.(*genericclioptions.ConfigFlags).Namespace = new(string)
		setup(&o.Scan, []string{"prod", "staging"}, false)
	})
	require.Error(t, err)
	assert.Contains(t, out, "CONTEXT   POD   READY")
	assert.Contains(t, out, "prod      web   0/1")
	assert.Contains(t, out, `FAILED  context "staging": cannot reach the Kubernetes API at https://127.0.0.1:2`)

	_, _, err = runSummary(t, nil, nil, func(o *SummaryOptions) { o.Scan.Contexts = []string{"a"}; o.Scan.AllContexts = true })
	assert.ErrorContains(t, err, "use --context or --all-contexts, not both")
}

func TestContextFlagCompletes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, writeFile(path, twoContexts))
	for _, cmd := range []string{"summary", "doctor"} {
		streams, _, out, _ := genericiooptions.NewTestIOStreams()
		root := NewRootCmd(streams)
		root.SetOut(out)
		root.SetArgs([]string{"__complete", cmd, "--kubeconfig", path, "--context", "prod", "--context", ""})
		require.NoError(t, root.Execute())
		assert.Contains(t, out.String(), "prod\nstaging\n", cmd)
	}
}
