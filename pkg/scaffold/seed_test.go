package scaffold_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/scaffold"
)

// authored keeps what a person writes in a pod spec and drops what the API
// server fills in (defaults, the service-account token volume, the node).
func authored(spec corev1.PodSpec) corev1.PodSpec {
	ctrs := func(in []corev1.Container) []corev1.Container {
		var out []corev1.Container
		for _, c := range in {
			a := corev1.Container{Name: c.Name, Image: c.Image, Command: c.Command, Args: c.Args, Env: c.Env, RestartPolicy: c.RestartPolicy}
			for _, p := range c.Ports {
				if p.Protocol == corev1.ProtocolTCP {
					p.Protocol = ""
				}
				a.Ports = append(a.Ports, p)
			}
			for _, m := range c.VolumeMounts {
				if !strings.HasPrefix(m.Name, "kube-api-access-") {
					a.VolumeMounts = append(a.VolumeMounts, m)
				}
			}
			out = append(out, a)
		}
		return out
	}
	out := corev1.PodSpec{InitContainers: ctrs(spec.InitContainers), Containers: ctrs(spec.Containers), DNSPolicy: spec.DNSPolicy}
	if spec.RestartPolicy != corev1.RestartPolicyAlways {
		out.RestartPolicy = spec.RestartPolicy
	}
	for _, v := range spec.Volumes {
		if !strings.HasPrefix(v.Name, "kube-api-access-") {
			out.Volumes = append(out.Volumes, v)
		}
	}
	return out
}

// scaffold seed TASK is the lab's pod: the same spec as the seed fixture once
// the API server's defaults are taken away, nothing more, and the same
// structure in describe.
func TestSeedMatchesLabFixtures(t *testing.T) {
	fixtures := map[string]string{"task1": "seed/task1-nx", "task2": "seed/task2-nx", "task3": "seed/task3-nx"}
	byName := map[string]testutil.Fixture{}
	for _, f := range testutil.Fixtures(t) {
		byName[f.Name] = f
	}
	rules := classify.BuiltinRules()
	for example, fixture := range fixtures {
		t.Run(example, func(t *testing.T) {
			f, ok := byName[fixture]
			require.True(t, ok, "fixture %s", fixture)
			res, err := scaffold.Seed(example, "")
			require.NoError(t, err)
			out, err := scaffold.Render(res.Objects, "yaml", false)
			require.NoError(t, err)
			pods, err := manifest.Decode(bytes.NewReader(out), example)
			require.NoError(t, err)
			require.Len(t, pods, 1)
			got := pods[0].Pod
			assert.Equal(t, f.Pod.Name, got.Name)
			assert.Equal(t, authored(f.Pod.Spec), got.Spec, "spec differs from %s", filepath.Base(f.Path))

			cls := classify.Classify(got, rules)
			assert.Equal(t, f.Expected.Main, cls.Main)
			roles, kinds := map[string]string{}, map[string]string{}
			for _, c := range cls.Containers {
				roles[c.Name], kinds[c.Name] = string(c.Role), string(c.Kind)
			}
			assert.Equal(t, f.Expected.Roles, roles)
			assert.Equal(t, f.Expected.Kinds, kinds)
		})
	}
	_, err := scaffold.Seed("task4", "")
	assert.ErrorContains(t, err, "unknown example")
}
