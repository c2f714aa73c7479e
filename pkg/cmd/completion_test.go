package cmd

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
)

// fakeAPI serves pod and deployment lists like an API server and records
// the paths asked for.
type fakeAPI struct {
	mu    sync.Mutex
	paths []string
	pods  map[string][]string // namespace -> pod names
	deps  map[string][]string // namespace -> deployment names
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	f.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	// GET /api/v1/namespaces/NS/pods/NAME: a pod with an init, an app and a sidecar container.
	if len(parts) == 6 && parts[4] == "pods" && slices.Contains(f.pods[parts[3]], parts[5]) {
		pod := &corev1.Pod{
			TypeMeta:   metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
			ObjectMeta: metav1.ObjectMeta{Name: parts[5], Namespace: parts[3]},
			Spec: corev1.PodSpec{
				InitContainers: []corev1.Container{{Name: "init-index"}},
				Containers:     []corev1.Container{{Name: "nginx"}, {Name: "log-shipper"}},
			},
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(pod)
		return
	}
	// /api/v1/namespaces/NS/pods or /apis/apps/v1/namespaces/NS/deployments
	if len(parts) < 3 || parts[len(parts)-3] != "namespaces" {
		http.NotFound(w, r)
		return
	}
	ns, resource := parts[len(parts)-2], parts[len(parts)-1]
	var obj runtime.Object
	switch resource {
	case "pods":
		list := &corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}}
		for _, n := range f.pods[ns] {
			list.Items = append(list.Items, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: n, Namespace: ns}})
		}
		obj = list
	case "deployments":
		list := &appsv1.DeploymentList{TypeMeta: metav1.TypeMeta{Kind: "DeploymentList", APIVersion: "apps/v1"}}
		for _, n := range f.deps[ns] {
			list.Items = append(list.Items, appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: n, Namespace: ns}})
		}
		obj = list
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(obj)
}

// complete runs `kubectl-pods_pattern __complete ARGS...` as kubectl's
// completion shim does and returns the candidates and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	root := NewRootCmd(streams)
	root.SetOut(out)
	root.SetErr(&bytes.Buffer{})
	root.SetArgs(append([]string{cobra.ShellCompRequestCmd}, args...))
	require.NoError(t, root.Execute())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.NotEmpty(t, lines)
	return lines[:len(lines)-1], lines[len(lines)-1]
}

func TestCompleteDescribeListsPodsOfTheFlagsNamespace(t *testing.T) {
	api := &fakeAPI{
		pods: map[string][]string{"team": {"web-1", "nx", "web-2"}, "other": {"db-0"}},
		deps: map[string][]string{"team": {"web", "api"}},
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	kubeconfig := writeKubeconfig(t, srv.URL, "team")

	tests := []struct {
		name      string
		args      []string
		want      []string
		directive string
	}{
		{"kubeconfig's namespace", []string{"--kubeconfig", kubeconfig, "describe", ""}, []string{"nx", "web-1", "web-2"}, ":4"},
		{"prefix", []string{"--kubeconfig", kubeconfig, "describe", "we"}, []string{"web-1", "web-2"}, ":4"},
		{"names already given are left out", []string{"--kubeconfig", kubeconfig, "describe", "web-1", ""}, []string{"nx", "web-2"}, ":4"},
		{"-n wins", []string{"--kubeconfig", kubeconfig, "-n", "other", "describe", ""}, []string{"db-0"}, ":4"},
		{"--context's namespace", []string{"--kubeconfig", kubeconfig, "--context", "other", "describe", ""}, []string{"db-0"}, ":4"},
		{"flags after the command", []string{"describe", "--kubeconfig", kubeconfig, "--namespace=other", ""}, []string{"db-0"}, ":4"},
		{"TYPE/ lists that type", []string{"--kubeconfig", kubeconfig, "describe", "deploy/"}, []string{"deploy/api", "deploy/web"}, ":4"},
		{"TYPE/prefix", []string{"--kubeconfig", kubeconfig, "describe", "deployment/w"}, []string{"deployment/web"}, ":4"},
		{"a started type word offers TYPE/ without a space", []string{"--kubeconfig", kubeconfig, "describe", "dep"}, []string{"deploy/", "deployment/"}, ":6"},
		{"unknown type offers nothing", []string{"--kubeconfig", kubeconfig, "describe", "nope/"}, nil, ":4"},
		{"-f names the pods", []string{"--kubeconfig", kubeconfig, "describe", "-f", "pod.yaml", ""}, nil, ":4"},
		{"-o", []string{"describe", "-o", ""}, []string{"wide", "json", "yaml"}, ":4"},
		{"--color", []string{"describe", "--color", ""}, []string{"auto", "always", "never"}, ":4"},
		{"--context", []string{"--kubeconfig", kubeconfig, "--context", ""}, []string{"lab", "other"}, ":4"},
		{"completion shells", []string{"completion", ""}, []string{"bash", "zsh", "fish", "powershell"}, ":4"},
		{"init takes the same targets", []string{"--kubeconfig", kubeconfig, "init", "deploy/a"}, []string{"deploy/api"}, ":4"},
		{"init -o", []string{"init", "-o", ""}, []string{"wide", "json", "yaml"}, ":4"},
		{"scaffold patterns", []string{"scaffold", ""}, []string{"init", "sidecar", "native-sidecar", "adapter", "ambassador", "seed\tthe seed lab's pods: task1, task2, task3"}, ":4"},
		{"scaffold pattern prefix", []string{"scaffold", "s"}, []string{"sidecar", "seed\tthe seed lab's pods: task1, task2, task3"}, ":4"},
		{"scaffold seed examples", []string{"scaffold", "seed", ""}, []string{"task1", "task2", "task3"}, ":4"},
		{"scaffold NAME is free", []string{"scaffold", "adapter", ""}, nil, ":4"},
		{"scaffold --kind", []string{"scaffold", "sidecar", "--kind", ""}, []string{"pod", "deployment", "statefulset", "job", "cronjob"}, ":4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, directive := complete(t, tt.args...)
			assert.Equal(t, tt.want, nilIfEmpty(got))
			assert.Equal(t, tt.directive, directive)
		})
	}
}

func TestCompleteWithoutClusterOffersNothingAndPrintsNoError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	for _, kubeconfig := range []string{writeKubeconfig(t, srv.URL, "team"), filepath.Join(t.TempDir(), "missing")} {
		got, directive := complete(t, "--kubeconfig", kubeconfig, "describe", "")
		assert.Empty(t, got)
		assert.Equal(t, ":4", directive)
	}
}

func TestCompleteContainers(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nx", Namespace: "team", Labels: map[string]string{"app": "nx"}},
		Spec: corev1.PodSpec{
			InitContainers:      []corev1.Container{{Name: "init-index"}, {Name: "proxy"}},
			Containers:          []corev1.Container{{Name: "nginx"}, {Name: "exporter"}},
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger"}}},
		},
	}
	other := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nx-2", Namespace: "team", Labels: map[string]string{"app": "nx"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx"}, {Name: "shipper"}}},
	}
	c := &completer{
		// The namespace comes from the kubeconfig's context; the fake answers.
		getter:    &genericclioptions.ConfigFlags{KubeConfig: ptr(writeKubeconfig(t, "https://127.0.0.1:1", "team"))},
		newClient: func() (kubernetes.Interface, error) { return fake.NewClientset(pod, other), nil },
	}
	cmd := &cobra.Command{Use: "logs"}
	var selector string
	cmd.Flags().StringVarP(&selector, "selector", "l", "", "")

	got, directive := c.containers(cmd, []string{"nx"}, "")
	assert.Equal(t, []string{"init-index", "proxy", "nginx", "exporter", "debugger"}, got, "start order")
	assert.Equal(t, cobra.ShellCompDirectiveNoFileComp, directive)

	got, _ = c.containers(cmd, []string{"pod/nx"}, "e")
	assert.Equal(t, []string{"exporter"}, got)

	got, _ = c.containers(cmd, []string{"nx", "nx-2"}, "")
	assert.Equal(t, []string{"init-index", "proxy", "nginx", "exporter", "debugger", "shipper"}, got, "each name once")

	got, _ = c.containers(cmd, nil, "")
	assert.Empty(t, got, "no pod chosen yet")

	require.NoError(t, cmd.Flags().Set("selector", "app=nx"))
	got, _ = c.containers(cmd, nil, "s")
	assert.Equal(t, []string{"shipper"}, got)

	got, _ = c.containers(cmd, []string{"missing"}, "")
	assert.Empty(t, got)
}

// completeContainers as a command registers it: through the kubeconfig the
// flags name, to the pod named by the argument.
func TestCompleteContainersThroughTheFlags(t *testing.T) {
	api := &fakeAPI{pods: map[string][]string{"team": {"nx"}}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	flags := genericclioptions.NewConfigFlags(true)
	cmd := &cobra.Command{Use: "logs"}
	flags.AddFlags(cmd.Flags())
	require.NoError(t, cmd.Flags().Set("kubeconfig", writeKubeconfig(t, srv.URL, "team")))

	got, directive := completeContainers(flags)(cmd, []string{"nx"}, "")
	assert.Equal(t, []string{"init-index", "nginx", "log-shipper"}, got)
	assert.Equal(t, cobra.ShellCompDirectiveNoFileComp, directive)
	assert.Contains(t, api.paths, "/api/v1/namespaces/team/pods/nx")
}

func TestCompleteRoles(t *testing.T) {
	f := completeRoles()
	tests := []struct {
		toComplete string
		want       []string
	}{
		{"", []string{"init", "main", "sidecar", "adapter", "ambassador", "debug"}},
		{"a", []string{"adapter", "ambassador"}},
		{"main,", []string{"main,init", "main,sidecar", "main,adapter", "main,ambassador", "main,debug"}},
		{"main,sidecar,a", []string{"main,sidecar,adapter", "main,sidecar,ambassador"}},
		{"x", nil},
	}
	for _, tt := range tests {
		got, directive := f(nil, nil, tt.toComplete)
		assert.Equal(t, tt.want, nilIfEmpty(got), tt.toComplete)
		assert.Equal(t, cobra.ShellCompDirectiveNoFileComp, directive)
	}
}

func TestCompletionCommandPrintsScriptsForTheBinary(t *testing.T) {
	wants := map[string]string{
		"bash":       "complete -o default -F __start_kubectl-pods_pattern kubectl-pods_pattern",
		"zsh":        "#compdef kubectl-pods_pattern",
		"fish":       "complete -c kubectl-pods_pattern",
		"powershell": "Register-ArgumentCompleter -CommandName 'kubectl-pods_pattern'",
	}
	for shell, want := range wants {
		streams, _, out, _ := genericiooptions.NewTestIOStreams()
		root := NewRootCmd(streams)
		root.SetArgs([]string{"completion", shell})
		require.NoError(t, root.Execute(), shell)
		assert.Contains(t, out.String(), want, shell)
		assert.Contains(t, out.String(), "__complete", shell)
	}

	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	root := NewRootCmd(streams)
	root.SetArgs([]string{"completion", "tcsh"})
	assert.EqualError(t, root.Execute(), `unsupported shell "tcsh": use bash, zsh, fish or powershell`)
	root = NewRootCmd(streams)
	root.SetArgs([]string{"completion"})
	assert.EqualError(t, root.Execute(), "name one shell: bash, zsh, fish or powershell")
}

func TestTypeWordsHaveNoPlurals(t *testing.T) {
	words := typeWords()
	assert.Contains(t, words, "deploy")
	assert.Contains(t, words, "sts")
	assert.NotContains(t, words, "deployments")
	assert.NotContains(t, words, "pods")
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func ptr[T any](v T) *T { return &v }

// The README's table of global flags lists every flag the root command has.
func TestReadmeListsEveryGlobalFlag(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, table, found := strings.Cut(string(data), "### Global flags")
	require.True(t, found, "README.md has no ### Global flags section")
	documented := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell := strings.Trim(strings.Split(line, "|")[1], " `")
		for _, name := range strings.Split(cell, ", ") {
			documented[strings.TrimLeft(name, "-")] = true
		}
	}
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	root := NewRootCmd(streams)
	root.InitDefaultHelpFlag()
	var missing []string
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if !documented[f.Name] {
			missing = append(missing, f.Name)
		}
	})
	root.Flags().VisitAll(func(f *pflag.Flag) {
		if !documented[f.Name] {
			missing = append(missing, f.Name)
		}
	})
	assert.Empty(t, missing, "flags missing from README.md's Global flags table")
}

// A command built on TargetOptions with -c and --role (as logs is) gets their
// completion without registering it; a registration of its own is kept.
func TestRegisterCompletionsFillsInTargetCommands(t *testing.T) {
	api := &fakeAPI{pods: map[string][]string{"team": {"nx", "web-1"}}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	kubeconfig := writeKubeconfig(t, srv.URL, "team")

	flags := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{Use: "pods-pattern"}
	flags.AddFlags(root.PersistentFlags())
	var targets TargetOptions
	var containers, roles []string
	var color string
	logs := &cobra.Command{Use: "logs", RunE: func(*cobra.Command, []string) error { return nil }}
	targets.AddFlags(logs, false)
	logs.Flags().StringArrayVarP(&containers, "container", "c", nil, "")
	logs.Flags().StringSliceVar(&roles, "role", nil, "")
	logs.Flags().StringVar(&color, "color", "auto", "")
	own := &cobra.Command{Use: "own", ValidArgs: []string{"mine"}, RunE: func(*cobra.Command, []string) error { return nil }}
	own.Flags().StringVar(&color, "color", "auto", "")
	require.NoError(t, own.RegisterFlagCompletionFunc("color", completeChoices("mine")))
	root.AddCommand(logs, own)
	registerCompletions(root, flags)

	run := func(args ...string) []string {
		out := &bytes.Buffer{}
		root.SetOut(out)
		root.SetErr(&bytes.Buffer{})
		root.SetArgs(append([]string{cobra.ShellCompRequestCmd, "--kubeconfig", kubeconfig}, args...))
		require.NoError(t, root.Execute())
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		return nilIfEmpty(lines[:len(lines)-1])
	}
	assert.Equal(t, []string{"nx", "web-1"}, run("logs", ""))
	assert.Equal(t, []string{"init-index", "nginx", "log-shipper"}, run("logs", "nx", "-c", ""))
	assert.Equal(t, []string{"main,sidecar"}, run("logs", "nx", "--role", "main,s"))
	assert.Equal(t, []string{"auto", "always", "never"}, run("logs", "--color", ""))
	assert.Equal(t, []string{"mine"}, run("own", ""))
	assert.Equal(t, []string{"mine"}, run("own", "--color", ""))
}
