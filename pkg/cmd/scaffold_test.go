package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
)

func runScaffold(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	streams, in, out, errOut := genericiooptions.NewTestIOStreams()
	in.WriteString(stdin)
	root := NewRootCmd(streams)
	root.SetArgs(append([]string{"scaffold"}, args...))
	err := root.Execute()
	return out.String(), errOut.String(), err
}

func TestScaffoldCommand(t *testing.T) {
	out, _, err := runScaffold(t, "", "adapter", "web")
	require.NoError(t, err)
	pods, err := manifest.Decode(strings.NewReader(out), "out")
	require.NoError(t, err)
	require.Len(t, pods, 1)
	assert.Equal(t, "exporter", pods[0].Pod.Spec.Containers[1].Name)

	// -n goes into every object; the main command after -- replaces the default.
	out, _, err = runScaffold(t, "", "sidecar", "api", "--kind", "deploy", "-n", "shop", "--image", "ghcr.io/me/api:1",
		"--share", "logs:/var/log/api:/logs", "--labels", "team=shop", "--", "/api", "--verbose")
	require.NoError(t, err)
	pods, err = manifest.Decode(strings.NewReader(out), "out")
	require.NoError(t, err)
	p := pods[0].Pod
	assert.Equal(t, "shop", p.Namespace)
	assert.Equal(t, []string{"/api", "--verbose"}, p.Spec.Containers[0].Command)
	assert.Equal(t, "api", p.Spec.Containers[0].Name)
	assert.Equal(t, "shop", p.Labels["team"])
	assert.Equal(t, "/logs", p.Spec.Containers[1].VolumeMounts[0].MountPath)

	out, _, err = runScaffold(t, "", "seed", "task2", "-o", "json")
	require.NoError(t, err)
	assert.Contains(t, out, `"init-index"`)

	out, _, err = runScaffold(t, "", "--list-examples")
	require.NoError(t, err)
	for _, n := range []string{"task1", "task2", "task3"} {
		assert.Contains(t, out, n)
	}
}

func TestScaffoldLegacyJobWarns(t *testing.T) {
	out, errOut, err := runScaffold(t, "", "sidecar", "report", "--kind", "job", "--legacy")
	require.NoError(t, err)
	assert.Contains(t, out, "kind: Job")
	assert.Contains(t, errOut, "warning: sidecar \"log-tailer\" is a regular container in a pod with restartPolicy Never")
}

func TestScaffoldTo(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "scaffold", "testdata", "to", "multi.yaml"))
	require.NoError(t, err)
	out, _, err := runScaffold(t, string(src), "sidecar", "worker", "--to", "-")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, string(src[:bytes.Index(src, []byte("kind: Deployment"))])))
	assert.Contains(t, out, "- name: log-tailer")

	file := filepath.Join(t.TempDir(), "m.yaml")
	require.NoError(t, os.WriteFile(file, src, 0o644))
	out, _, err = runScaffold(t, "", "ambassador", "api", "--to", file, "--kind", "statefulset")
	require.NoError(t, err)
	assert.Contains(t, out, "- name: ambassador")
}

// Bad input: one error line, and nothing on stdout.
func TestScaffoldErrorsPrintNothing(t *testing.T) {
	cases := map[string][]string{
		"no args":          {},
		"one arg":          {"sidecar"},
		"bad pattern":      {"mesh", "web"},
		"bad name":         {"sidecar", "Web_1"},
		"relative share":   {"sidecar", "web", "--share", "logs:var/log"},
		"legacy native":    {"sidecar", "web", "--legacy", "--native"},
		"explain json":     {"sidecar", "web", "--explain", "-o", "json"},
		"bad output":       {"sidecar", "web", "-o", "wide"},
		"bad kind":         {"sidecar", "web", "--kind", "daemonset"},
		"seed with flags":  {"seed", "task3", "--image", "nginx:1.27"},
		"seed unknown":     {"seed", "task4"},
		"to with image":    {"sidecar", "web", "--to", "-", "--image", "x"},
		"to json":          {"sidecar", "web", "--to", "-", "-o", "json"},
		"list with args":   {"--list-examples", "x"},
		"command twice":    {"sidecar", "web", "--command", "a", "--", "b"},
		"bad labels":       {"sidecar", "web", "--labels", "a"},
		"schedule for pod": {"sidecar", "web", "--schedule", "* * * * *"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			out, _, err := runScaffold(t, "", args...)
			require.Error(t, err)
			assert.Empty(t, out)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

// `describe -f` of what scaffold writes (ConfigMaps and Services included)
// shows each container in the kind and role the pattern intends.
func TestDescribeFileOfScaffold(t *testing.T) {
	want := map[string]map[string][2]string{
		"init":           {"nginx": {"container", "main"}, "init-html": {"init", "init"}},
		"sidecar":        {"task": {"container", "main"}, "log-tailer": {"sidecar", "sidecar"}},
		"native-sidecar": {"nginx": {"container", "main"}, "log-tailer": {"sidecar", "sidecar"}},
		"adapter":        {"nginx": {"container", "main"}, "exporter": {"container", "adapter"}},
		"ambassador":     {"app": {"container", "main"}, "ambassador": {"container", "ambassador"}},
	}
	kinds := map[string]string{"init": "statefulset", "sidecar": "job", "native-sidecar": "deployment", "adapter": "pod", "ambassador": "deployment"}
	for pattern, roles := range want {
		t.Run(pattern, func(t *testing.T) {
			out, _, err := runScaffold(t, "", pattern, "web", "--kind", kinds[pattern], "--explain")
			require.NoError(t, err)
			file := filepath.Join(t.TempDir(), "web.yaml")
			require.NoError(t, writeFile(file, out))

			streams, _, stdout, _ := genericiooptions.NewTestIOStreams()
			root := NewRootCmd(streams)
			root.SetArgs([]string{"describe", "-f", file, "-o", "json"})
			require.NoError(t, root.Execute())
			var got struct {
				Containers []struct{ Name, Kind, Role string }
			}
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), stdout.String())
			seen := map[string][2]string{}
			for _, c := range got.Containers {
				seen[c.Name] = [2]string{c.Kind, c.Role}
			}
			assert.Equal(t, roles, seen)
		})
	}
}
