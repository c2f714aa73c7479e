//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

var (
	scaffoldPatterns = []string{"init", "sidecar", "native-sidecar", "adapter", "ambassador"}
	scaffoldKinds    = []string{"pod", "deployment", "statefulset", "job", "cronjob"}
)

// scaffold runs `kubectl pods-pattern scaffold args...` and requires success.
func scaffold(t *testing.T, args ...string) string {
	t.Helper()
	res := plugin(t, append([]string{"scaffold"}, args...)...)
	require.Equal(t, 0, res.ExitCode, "%s", res)
	require.NotEmpty(t, res.Stdout)
	return res.Stdout
}

// apply pipes a manifest into kubectl apply and requires the API server to
// accept every object.
func apply(t *testing.T, manifestText string, args ...string) framework.Result {
	t.Helper()
	res, err := cluster.KubectlStdin(testContext(t), strings.NewReader(manifestText), append([]string{"apply", "-f", "-"}, args...)...)
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "the API server refused:\n%s\n--- manifest\n%s", res, manifestText)
	return res
}

// Every pattern for every kind, in every output form, is valid for the real
// API server: schema, defaults, and the validation of native sidecars,
// probes, volume mounts and Job restart policies.
func TestScaffoldAcceptedByAPIServer(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-scaffold-dry-run"
	require.NoError(t, cluster.EnsureNamespace(testContext(t), ns))
	for _, p := range scaffoldPatterns {
		for _, k := range scaffoldKinds {
			variants := [][]string{nil, {"--explain"}, {"-o", "json"}}
			if p == "sidecar" || p == "adapter" || p == "ambassador" {
				variants = append(variants, []string{"--legacy"}, []string{"--native"})
			}
			for _, v := range variants {
				name := p + "-" + k
				t.Run(name+strings.Join(v, ""), func(t *testing.T) {
					out := scaffold(t, append([]string{p, name, "--kind", k, "-n", ns}, v...)...)
					res := apply(t, out, "--dry-run=server")
					assert.Contains(t, res.Stdout, "(server dry run)")
				})
			}
		}
	}
	own := map[string][]string{
		"own-parts": {"sidecar", "api", "--kind", "deployment", "--image", "ghcr.io/example/api:1.2", "--port", "8080",
			"--helper-image", "fluent/fluent-bit:3.1", "--share", "logs:/var/log/api:/logs", "--share", "tmp:/tmp",
			"--labels", "team=shop,tier=back", "--", "/api", "--verbose"},
		"tcp-ambassador": {"ambassador", "db-client", "--kind", "job", "--upstream", "db.example.com:5432"},
		"probed-sidecar": {"native-sidecar", "cache", "--kind", "statefulset", "--helper-image", "redis:7", "--helper-port", "6379"},
		"cron-schedule":  {"adapter", "nightly", "--kind", "cronjob", "--schedule", "0 3 * * *"},
	}
	for name, args := range own {
		t.Run(name, func(t *testing.T) {
			apply(t, scaffold(t, append(args, "-n", ns)...), "--dry-run=server")
		})
	}
}

// --to edits real-world shaped manifests; the result must still be valid.
func TestScaffoldToAcceptedByAPIServer(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-scaffold-to"
	require.NoError(t, cluster.EnsureNamespace(testContext(t), ns))
	root, err := framework.RepoRoot()
	require.NoError(t, err)
	dir := filepath.Join(root, "pkg", "scaffold", "testdata", "to")
	cases := map[string][]string{
		"deployment-sidecar":   {"sidecar", "web", "--to", filepath.Join(dir, "deployment.yaml")},
		"deployment-adapter":   {"adapter", "web", "--to", filepath.Join(dir, "deployment.yaml"), "--explain"},
		"job-sidecar":          {"sidecar", "report", "--to", filepath.Join(dir, "job.yaml")},
		"multi-ambassador":     {"ambassador", "api", "--to", filepath.Join(dir, "multi.yaml"), "--upstream", "db.example.com:5432"},
		"multi-native-sidecar": {"native-sidecar", "worker", "--to", filepath.Join(dir, "multi.yaml"), "--helper-port", "7000"},
		"multi-init":           {"init", "api", "--to", filepath.Join(dir, "multi.yaml"), "--kind", "statefulset"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			out := scaffold(t, args...)
			// The status stanza of a `kubectl get -o yaml` copy is dropped
			// by apply; everything else must pass server-side validation.
			apply(t, out, "--dry-run=server", "-n", ns)
		})
	}
}

func describePod(t *testing.T, ns, name string) describedPod {
	t.Helper()
	res := plugin(t, "describe", name, "-n", ns, "-o", "json")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	var d describedPod
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &d), "not JSON:\n%s", res.Stdout)
	return d
}

// Pods are created for real, read back from the API server and described:
// each container has the kind and role the pattern intends.
func TestScaffoldPodsCreated(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-scaffold-pods"
	require.NoError(t, cluster.EnsureNamespace(testContext(t), ns))
	want := map[string]struct{ main, helper, kind, role string }{
		"init":           {"nginx", "init-html", "init", "init"},
		"sidecar":        {"nginx", "log-tailer", "container", "sidecar"},
		"native-sidecar": {"nginx", "log-tailer", "sidecar", "sidecar"},
		"adapter":        {"nginx", "exporter", "container", "adapter"},
		"ambassador":     {"app", "ambassador", "container", "ambassador"},
	}
	for _, p := range scaffoldPatterns {
		t.Run(p, func(t *testing.T) {
			name := "scaffold-" + p
			res := apply(t, scaffold(t, p, name, "-n", ns))
			assert.Contains(t, res.Stdout, "pod/"+name)
			cleanupPod(t, ns, name)

			d := describePod(t, ns, name)
			w := want[p]
			assert.Equal(t, w.main, d.Main)
			got := map[string][2]string{}
			for _, c := range d.Containers {
				got[c.Name] = [2]string{c.Kind, c.Role}
			}
			assert.Equal(t, map[string][2]string{w.main: {"container", "main"}, w.helper: {w.kind, w.role}}, got)
		})
	}
}

// `scaffold seed taskN` creates the lab's pod; once the harness reports it
// started, describe shows the same structure as the seed lab's fixture.
func TestScaffoldSeedMatchesLab(t *testing.T) {
	requirePlugin(t)
	root, err := framework.RepoRoot()
	require.NoError(t, err)
	for task, fixture := range map[string]string{"task1": "task1-nx", "task2": "task2-nx", "task3": "task3-nx"} {
		t.Run(task, func(t *testing.T) {
			ns := "e2e-scaffold-seed-" + task
			data, err := os.ReadFile(filepath.Join(root, "testdata", "fixtures", "seed", fixture+".expected.json"))
			require.NoError(t, err)
			var want fixtureExpectation
			require.NoError(t, json.Unmarshal(data, &want))

			out := scaffold(t, "seed", task, "-n", ns)
			pods, err := manifest.Decode(strings.NewReader(out), task)
			require.NoError(t, err)
			require.Len(t, pods, 1)
			_, err = lab.Seed(testContext(t), cluster, pods[0].Pod, time.Now().Add(-time.Minute), nil)
			require.NoError(t, err)
			cleanupPod(t, ns, lab.PodName)

			checkExpectation(t, want, describePod(t, ns, lab.PodName))
		})
	}
}
