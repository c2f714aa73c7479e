package classify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
)

func TestFixtures(t *testing.T) {
	rules := classify.BuiltinRules()
	for _, f := range testutil.Fixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			res := classify.Classify(f.Pod, rules)
			assert.Equal(t, f.Expected.Main, res.Main)
			roles, kinds := map[string]string{}, map[string]string{}
			var initOrder []string
			for _, c := range res.Containers {
				roles[c.Name] = string(c.Role)
				kinds[c.Name] = string(c.Kind)
				if c.Order > 0 {
					initOrder = append(initOrder, c.Name)
				}
				assert.NotEmpty(t, c.Reasons, "container %s has no evidence", c.Name)
			}
			assert.Equal(t, f.Expected.Roles, roles)
			assert.Equal(t, f.Expected.Kinds, kinds)
			assert.Equal(t, f.Expected.InitOrder, nilIfEmpty(initOrder))
			assert.Empty(t, res.Warnings)
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return []string{}
	}
	return s
}

func pod(annotations map[string]string, inits []corev1.Container, containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Annotations: annotations},
		Spec:       corev1.PodSpec{InitContainers: inits, Containers: containers},
	}
}

func ctr(name, image string, ports ...int32) corev1.Container {
	c := corev1.Container{Name: name, Image: image}
	for _, p := range ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: p})
	}
	return c
}

// Every built-in rule must be reachable: a container built from its own
// signature gets the rule's role and names the rule in its evidence.
func TestEveryBuiltinRuleMatches(t *testing.T) {
	rules := classify.BuiltinRules()
	require.NotEmpty(t, rules)
	examples := map[string]corev1.Container{
		"istio proxy":             ctr("istio-proxy", "docker.io/istio/proxyv2:1.22.3"),
		"linkerd proxy":           ctr("linkerd-proxy", "cr.l5d.io/linkerd/proxy:stable-2.11.5"),
		"vault agent":             ctr("vault-agent", "hashicorp/vault:1.17.2"),
		"dapr runtime":            ctr("daprd", "ghcr.io/dapr/daprd:1.14.4"),
		"consul dataplane":        ctr("consul-dataplane", "hashicorp/consul-dataplane:1.5"),
		"cloud-sql-proxy":         ctr("db", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1"),
		"alloydb-auth-proxy":      ctr("db", "gcr.io/alloydb-connectors/alloydb-auth-proxy:1.10"),
		"oauth2-proxy":            ctr("auth", "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0"),
		"envoy":                   ctr("egress", "envoyproxy/envoy:v1.31.0"),
		"database or cache proxy": ctr("pool", "bitnami/pgbouncer:1.23"),
		"generic ambassador name": ctr("redis-ambassador", "example/thing"),
		"prometheus exporter":     ctr("metrics", "oliver006/redis_exporter:latest"),
		"generic adapter name":    ctr("log-adapter", "example/thing"),
		"log shipper":             ctr("logs", "fluent/fluent-bit:3.1"),
		"config reloader":         ctr("reload", "jimmidyson/configmap-reload:v0.12"),
		"cloud storage sync":      ctr("sync", "registry.k8s.io/git-sync/git-sync:v4.2.4"),
		"generic sidecar name":    ctr("sidecar", "busybox"),
	}
	ann := map[string]string{"vault.hashicorp.com/agent-inject-status": "injected"}
	for _, r := range rules {
		c, ok := examples[r.Label]
		require.True(t, ok, "no example for rule %q: add one", r.Label)
		res := classify.Classify(pod(ann, nil, ctr("app", "example/app", 8080), c), rules)
		got := res.Find(c.Name)
		require.NotNil(t, got)
		assert.Equal(t, r.Role, got.Role, r.Label)
		assert.Contains(t, got.Reasons[0], r.Label, r.Label)
		assert.Equal(t, "app", res.Main, r.Label)
	}
	assert.Len(t, examples, len(rules), "an example names a rule that no longer exists")
}

func TestVaultRuleNeedsItsAnnotation(t *testing.T) {
	res := classify.Classify(pod(nil, nil, ctr("app", "example/app"), ctr("vault-agent", "hashicorp/vault:1.17.2")), classify.BuiltinRules())
	assert.NotContains(t, res.Find("vault-agent").Reasons[0], "vault agent")
}

func TestOverrideAnnotationWins(t *testing.T) {
	p := pod(map[string]string{
		classify.RolesAnnotation:            "istio-proxy=main, app=adapter, ghost=sidecar, bad",
		classify.DefaultContainerAnnotation: "app",
	}, nil, ctr("app", "example/app", 80), ctr("istio-proxy", "istio/proxyv2:1.2"))
	res := classify.Classify(p, classify.BuiltinRules())
	assert.Equal(t, classify.RoleMain, res.Find("istio-proxy").Role)
	assert.Equal(t, classify.RoleAdapter, res.Find("app").Role)
	assert.Equal(t, "istio-proxy", res.Main)
	assert.Contains(t, res.Find("app").Reasons[0], "pods-pattern.io/roles says adapter")
	require.Len(t, res.Warnings, 2)
	assert.Contains(t, res.Warnings[1], `ignored "bad"`)
	assert.Contains(t, res.Warnings[0], `"ghost"`)
}

func TestUserRulesComeFirst(t *testing.T) {
	user, err := classify.ParseRules([]byte(`
rules:
  - label: our metrics bridge
    role: adapter
    images: ['acme/bridge']
  - label: our app
    role: main
    names: ['^web$']
`))
	require.NoError(t, err)
	rules := append(user, classify.BuiltinRules()...)
	res := classify.Classify(pod(nil, nil, ctr("bridge-sidecar", "acme/bridge:1"), ctr("helper", "busybox"), ctr("web", "acme/web")), rules)
	assert.Equal(t, classify.RoleAdapter, res.Find("bridge-sidecar").Role)
	assert.Equal(t, "web", res.Main)
	assert.Equal(t, []string{"name matches our app (main)"}, res.Find("web").Reasons)
	assert.Equal(t, classify.RoleSidecar, res.Find("helper").Role)
}

func TestParseRulesErrors(t *testing.T) {
	// The first rule is fine; the one at fault starts on line 5.
	const ok = "rules:\n- label: ok\n  role: adapter\n  names: [exp]\n"
	for name, tc := range map[string]struct{ src, want string }{
		"bad role":    {ok + "- label: x\n  role: boss\n  names: [a]\n", `line 5: rule "x": role must be one of main, sidecar, adapter, ambassador, got "boss"`},
		"no matchers": {ok + "- label: x\n  role: sidecar\n", `line 5: rule "x": needs names or images`},
		"bad regexp":  {ok + "- label: x\n  role: sidecar\n  names: ['(']\n", `line 5: rule "x": error parsing regexp`},
		"unknown key": {ok + "- label: x\n  role: sidecar\n  name: a\n", `line 7: rule 2: unknown field "name" (a rule has label, role, names, images, annotation, proxy)`},
		"no label":    {ok + "- role: sidecar\n  names: [a]\n", "line 5: rule 2: label is required"},
		"not a list":  {"rules: {label: x}\n", `line 1: "rules" must be a list`},
		"top key":     {"rule:\n- label: x\n", `line 1: unknown field "rule"`},
		"not yaml":    {"rules: [", "yaml: line 1"},
	} {
		_, err := classify.ParseRules([]byte(tc.src))
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), tc.want, name)
		}
	}
}

func TestMainByPortsAndFallbacks(t *testing.T) {
	rules := classify.BuiltinRules()
	res := classify.Classify(pod(nil, nil, ctr("a", "x/a"), ctr("b", "x/b", 8080)), rules)
	assert.Equal(t, "b", res.Main)
	assert.Equal(t, "only unrecognised container exposing ports", res.Find("b").Reasons[0])
	assert.Equal(t, classify.RoleSidecar, res.Find("a").Role)

	res = classify.Classify(pod(nil, nil, ctr("a", "x/a"), ctr("b", "x/b")), rules)
	assert.Equal(t, "a", res.Main)
	assert.Contains(t, res.Find("a").Reasons[0], "weak hint")

	res = classify.Classify(pod(nil, nil, ctr("logs", "fluent/fluent-bit"), ctr("m", "prom/node-exporter:1")), rules)
	assert.Equal(t, "logs", res.Main)
	assert.Contains(t, res.Find("logs").Reasons[0], "every container looks like a helper")
}

func TestEphemeralIsDebug(t *testing.T) {
	p := pod(nil, nil, ctr("app", "x/app"))
	p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{
		EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger-x", Image: "busybox"},
		TargetContainerName:      "app",
	}}
	res := classify.Classify(p, classify.BuiltinRules())
	d := res.Find("debugger-x")
	assert.Equal(t, classify.KindEphemeral, d.Kind)
	assert.Equal(t, classify.RoleDebug, d.Role)
	assert.Equal(t, "debugger-x", res.Containers[len(res.Containers)-1].Name)
}

func TestSharedVolumeEvidence(t *testing.T) {
	var f testutil.Fixture
	for _, x := range testutil.Fixtures(t) {
		if x.Name == "seed/task3-nx" {
			f = x
		}
	}
	require.NotNil(t, f.Pod)
	res := classify.Classify(f.Pod, classify.BuiltinRules())
	assert.Contains(t, res.Find("sidecar").Reasons, "shares emptyDir logs-vol with nginx")
	assert.Contains(t, res.Find("nginx").Reasons, "shares emptyDir logs-vol with sidecar")
	shared := classify.SharedVolumes(f.Pod)
	require.Len(t, shared, 1)
	assert.Equal(t, "logs-vol", shared[0].Name)
}
