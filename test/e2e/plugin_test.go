//go:build e2e

package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// These tests run the built plugin through kubectl, as users run it. They skip
// only when bin/kubectl-pods_pattern (or $PODS_PATTERN_PLUGIN) does not exist.

// describeJSON is the part of `describe -o json` the tests rely on.
type describeJSON struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	Ready      string `json:"ready"`
	Main       string `json:"main"`
	Containers []struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
		Role string `json:"role"`
	} `json:"containers"`
}

// rowShows reports whether a line of out has both cells, whole: "init-index"
// is not a cell "init".
func rowShows(out, name, value string) bool {
	for _, line := range strings.Split(out, "\n") {
		cells := strings.FieldsFunc(line, func(r rune) bool {
			return unicode.IsSpace(r) || strings.ContainsRune("|│,;:()[]{}", r)
		})
		if slices.Contains(cells, name) && slices.Contains(cells, value) {
			return true
		}
	}
	return false
}

func TestPluginDescribeTask2(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-plugin-task2"
	_, err := lab.SeedTask2(testContext(t), cluster, ns, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)

	res := plugin(t, "describe", "nx", "-n", ns)
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.True(t, rowShows(res.Stdout, "init-index", "init"), "no line shows init-index as init:\n%s", res.Stdout)
	assert.True(t, rowShows(res.Stdout, "nginx", "main"), "no line shows nginx as main:\n%s", res.Stdout)
	assert.Contains(t, res.Stdout, "Running")
	assert.Contains(t, res.Stdout, "1/1")
}

func TestPluginDescribeJSON(t *testing.T) {
	requirePlugin(t)
	ctx := testContext(t)
	_, err := lab.SeedTask2(ctx, cluster, "e2e-plugin-json2", time.Now().Add(-time.Minute))
	require.NoError(t, err)
	cleanupPod(t, "e2e-plugin-json2", lab.PodName)
	_, err = lab.SeedTask3(ctx, cluster, "e2e-plugin-json3", time.Now().Add(-time.Minute))
	require.NoError(t, err)
	cleanupPod(t, "e2e-plugin-json3", lab.PodName)

	type container struct{ Name, Kind, Role string }
	tests := []struct {
		ns         string
		ready      string
		containers []container
	}{
		{"e2e-plugin-json2", "1/1", []container{{"init-index", "init", "init"}, {"nginx", "container", "main"}}},
		{"e2e-plugin-json3", "2/2", []container{{"nginx", "container", "main"}, {"sidecar", "container", "sidecar"}}},
	}
	for _, tt := range tests {
		t.Run(tt.ns, func(t *testing.T) {
			res := plugin(t, "describe", "nx", "-n", tt.ns, "-o", "json")
			require.Equal(t, 0, res.ExitCode, "%s", res)

			var fields map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(res.Stdout), &fields), "not JSON:\n%s", res.Stdout)
			for _, f := range []string{"name", "status", "ready", "main", "containers"} {
				assert.Contains(t, fields, f)
			}
			var got describeJSON
			require.NoError(t, json.Unmarshal([]byte(res.Stdout), &got))
			assert.Equal(t, "nx", got.Name)
			assert.Equal(t, "Running", got.Status)
			assert.Equal(t, tt.ready, got.Ready)
			assert.Equal(t, "nginx", got.Main)
			var containers []container
			for _, c := range got.Containers {
				containers = append(containers, container{c.Name, c.Kind, c.Role})
			}
			assert.ElementsMatch(t, tt.containers, containers)
		})
	}
}

func TestPluginForbidden(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-plugin-forbidden"
	_, err := lab.SeedTask2(testContext(t), cluster, ns, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	cleanupPod(t, ns, lab.PodName)

	res := plugin(t, "describe", "nx", "-n", ns, "--context", "viewer")
	assert.Equal(t, 1, res.ExitCode, "%s", res)
	assert.Empty(t, res.Stdout)
	stderr := strings.TrimSpace(res.Stderr)
	assert.NotContains(t, stderr, "\n", "want one line, got:\n%s", res.Stderr)
	assert.Contains(t, strings.ToLower(stderr), "forbidden")
}
