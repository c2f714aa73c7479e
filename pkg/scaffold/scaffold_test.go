package scaffold_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/scaffold"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./pkg/scaffold -update to create it")
	assert.Equal(t, string(want), string(got))
}

func build(t *testing.T, o scaffold.Options, explain bool) []byte {
	t.Helper()
	res, err := scaffold.Build(o)
	require.NoError(t, err)
	out, err := scaffold.Render(res.Objects, "yaml", explain)
	require.NoError(t, err)
	return out
}

// Every pattern for every kind, with --explain (the comments are part of
// what users read, so they are pinned too).
func TestGoldenPatternKind(t *testing.T) {
	for _, p := range scaffold.Patterns {
		for _, k := range scaffold.Kinds {
			t.Run(string(p)+"-"+string(k), func(t *testing.T) {
				out := build(t, scaffold.Options{Pattern: p, Name: "web", Kind: k}, true)
				golden(t, string(p)+"-"+string(k)+".yaml", out)
			})
		}
	}
}

func TestGoldenVariants(t *testing.T) {
	cases := map[string]scaffold.Options{
		"adapter-pod-plain.yaml":  {Pattern: scaffold.PatternAdapter, Name: "web"},
		"sidecar-job-legacy.yaml": {Pattern: scaffold.PatternSidecar, Name: "report", Kind: scaffold.KindJob, Legacy: true},
		"sidecar-deployment-custom.yaml": {Pattern: scaffold.PatternSidecar, Name: "api", Kind: scaffold.KindDeployment, Namespace: "shop",
			Image: "ghcr.io/example/api:1.2", Port: 8080, HelperImage: "fluent/fluent-bit:3.1",
			Shares: []scaffold.Share{{Name: "logs", MainPath: "/var/log/api", HelperPath: "/logs"}},
			Labels: map[string]string{"team": "shop"}},
		"ambassador-deployment-native-upstream.yaml": {Pattern: scaffold.PatternAmbassador, Name: "api", Kind: scaffold.KindDeployment,
			Native: true, Upstream: "db.example.com:5432"},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			golden(t, name, build(t, o, strings.Contains(name, "legacy")))
		})
	}
	res, err := scaffold.Build(scaffold.Options{Pattern: scaffold.PatternInit, Name: "web", Kind: scaffold.KindDeployment})
	require.NoError(t, err)
	out, err := scaffold.Render(res.Objects, "json", false)
	require.NoError(t, err)
	golden(t, "init-deployment.json", out)
}

// The seed lab's pods, byte for byte.
func TestGoldenSeed(t *testing.T) {
	for _, name := range scaffold.ExampleNames() {
		res, err := scaffold.Seed(name, "")
		require.NoError(t, err)
		out, err := scaffold.Render(res.Objects, "yaml", false)
		require.NoError(t, err)
		golden(t, "seed-"+name+".yaml", out)
	}
}

// intended is what the classifier must say about a scaffolded helper.
type intended struct {
	kind classify.Kind
	role classify.Role
}

func intendedFor(p scaffold.Pattern, k scaffold.Kind, o scaffold.Options) intended {
	batch := k == scaffold.KindJob || k == scaffold.KindCronJob
	native := p == scaffold.PatternNativeSidecar || o.Native || batch && !o.Legacy
	kind := classify.KindContainer
	if native {
		kind = classify.KindSidecar
	}
	switch p {
	case scaffold.PatternInit:
		return intended{classify.KindInit, classify.RoleInit}
	case scaffold.PatternAdapter:
		return intended{kind, classify.RoleAdapter}
	case scaffold.PatternAmbassador:
		return intended{kind, classify.RoleAmbassador}
	}
	return intended{kind, classify.RoleSidecar}
}

// Round trip: what scaffold writes, read back as a manifest, is classified
// as the pattern intends, and describe finds nothing wrong with it. The
// helper's role must hold with the default images and with images the rules
// do not know (the helper's name carries the role then).
func TestRoundTripClassify(t *testing.T) {
	rules := classify.BuiltinRules()
	variants := map[string]func(*scaffold.Options){
		"defaults": func(*scaffold.Options) {},
		"own-images": func(o *scaffold.Options) {
			o.Image, o.HelperImage = "registry.example/app:1", "registry.example/helper:1"
		},
		"native": func(o *scaffold.Options) {
			o.Native = o.Pattern != scaffold.PatternInit && o.Pattern != scaffold.PatternNativeSidecar
		},
		"legacy-or-not": func(o *scaffold.Options) {
			o.Legacy = o.Pattern != scaffold.PatternInit && o.Pattern != scaffold.PatternNativeSidecar
		},
	}
	for vname, vary := range variants {
		for _, p := range scaffold.Patterns {
			for _, k := range scaffold.Kinds {
				t.Run(vname+"/"+string(p)+"-"+string(k), func(t *testing.T) {
					o := scaffold.Options{Pattern: p, Name: "web", Kind: k}
					vary(&o)
					res, err := scaffold.Build(o)
					require.NoError(t, err)
					out, err := scaffold.Render(res.Objects, "yaml", true)
					require.NoError(t, err)
					pods, err := manifest.Decode(bytes.NewReader(out), "scaffold")
					require.NoError(t, err)
					require.Len(t, pods, 1, "one pod template")
					pod := pods[0].Pod
					cls := classify.Classify(pod, rules)
					require.Len(t, cls.Containers, 2)

					want := intendedFor(p, k, o)
					var helper, main *classify.Container
					for i := range cls.Containers {
						if cls.Containers[i].Name == cls.Main {
							main = &cls.Containers[i]
						} else {
							helper = &cls.Containers[i]
						}
					}
					require.NotNil(t, main, "a main container")
					require.NotNil(t, helper, "a helper")
					assert.Equal(t, classify.KindContainer, main.Kind)
					assert.Equal(t, want.kind, helper.Kind, "helper kind")
					assert.Equal(t, want.role, helper.Role, "helper role; evidence: %v", helper.Reasons)

					r := report.Build(pod, nil, rules)
					for _, f := range r.Findings {
						if o.Legacy && (k == scaffold.KindJob || k == scaffold.KindCronJob) {
							assert.Contains(t, f.Message, "cannot complete")
							continue
						}
						t.Errorf("unexpected finding: %s", f.Message)
					}
					if o.Legacy && (k == scaffold.KindJob || k == scaffold.KindCronJob) {
						require.Len(t, res.Warnings, 1, "a classic sidecar in a Job is warned about")
						assert.Contains(t, res.Warnings[0], "cannot complete")
					} else {
						assert.Empty(t, res.Warnings)
					}
					assertShared(t, pod)
				})
			}
		}
	}
}

// assertShared: every emptyDir is mounted by both containers, the mistake
// users make most with these patterns.
func assertShared(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	for _, v := range classify.Volumes(pod) {
		if v.Type != "emptyDir" {
			continue
		}
		seen := map[string]bool{}
		for _, m := range v.Mounts {
			seen[m.Container] = true
		}
		assert.Len(t, seen, 2, "emptyDir %s must be mounted in both containers: %v", v.Name, v.Mounts)
	}
}

func TestNativeSidecarProbe(t *testing.T) {
	get := func(o scaffold.Options) *corev1.Container {
		res, err := scaffold.Build(o)
		require.NoError(t, err)
		out, err := scaffold.Render(res.Objects, "yaml", false)
		require.NoError(t, err)
		pods, err := manifest.Decode(bytes.NewReader(out), "t")
		require.NoError(t, err)
		require.Len(t, pods[0].Pod.Spec.InitContainers, 1)
		return &pods[0].Pod.Spec.InitContainers[0]
	}
	amb := get(scaffold.Options{Pattern: scaffold.PatternAmbassador, Name: "a", Kind: scaffold.KindJob})
	require.NotNil(t, amb.StartupProbe, "the app needs its ambassador: probe it")
	assert.Equal(t, int32(9000), amb.StartupProbe.TCPSocket.Port.IntVal)
	require.NotNil(t, amb.RestartPolicy)
	assert.Equal(t, corev1.ContainerRestartPolicyAlways, *amb.RestartPolicy)

	assert.Nil(t, get(scaffold.Options{Pattern: scaffold.PatternAdapter, Name: "a", Kind: scaffold.KindJob}).StartupProbe,
		"the app does not need its exporter")
	assert.Nil(t, get(scaffold.Options{Pattern: scaffold.PatternNativeSidecar, Name: "a"}).StartupProbe,
		"a log tailer serves nobody")
	withPort := get(scaffold.Options{Pattern: scaffold.PatternNativeSidecar, Name: "a", HelperPort: 7000})
	require.NotNil(t, withPort.StartupProbe, "a sidecar with a port serves the app")
	assert.Equal(t, int32(7000), withPort.StartupProbe.TCPSocket.Port.IntVal)
}

func TestValidationErrors(t *testing.T) {
	ok := scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "web"}
	cases := map[string]struct {
		change func(*scaffold.Options)
		want   string
	}{
		"upper-case name": {func(o *scaffold.Options) { o.Name = "Web" }, `name "Web" is not valid`},
		"dotted name":     {func(o *scaffold.Options) { o.Name = "web.v1" }, `name "web.v1" is not valid`},
		"no name":         {func(o *scaffold.Options) { o.Name = "" }, "NAME is required"},
		"sts digit":       {func(o *scaffold.Options) { o.Name, o.Kind = "1web", scaffold.KindStatefulSet }, "statefulset"},
		"long cronjob":    {func(o *scaffold.Options) { o.Name, o.Kind = strings.Repeat("a", 53), scaffold.KindCronJob }, "at most 52"},
		"legacy+native":   {func(o *scaffold.Options) { o.Legacy, o.Native = true, true }, "contradict"},
		"init legacy":     {func(o *scaffold.Options) { o.Pattern, o.Legacy = scaffold.PatternInit, true }, "not to init"},
		"native legacy":   {func(o *scaffold.Options) { o.Pattern, o.Legacy = scaffold.PatternNativeSidecar, true }, "contradicts itself"},
		"upstream":        {func(o *scaffold.Options) { o.Upstream = "x:1" }, "ambassador pattern only"},
		"bad upstream":    {func(o *scaffold.Options) { o.Pattern, o.Upstream = scaffold.PatternAmbassador, "x:99999" }, "port"},
		"schedule":        {func(o *scaffold.Options) { o.Schedule = "* * * * *" }, "cronjob only"},
		"same ports":      {func(o *scaffold.Options) { o.Port, o.HelperPort = 80, 80 }, "different ports"},
		"bad port":        {func(o *scaffold.Options) { o.Port = 70000 }, "--port 70000"},
		"helper name":     {func(o *scaffold.Options) { o.HelperName = "Bad_Name" }, "--helper-name"},
		"same names":      {func(o *scaffold.Options) { o.HelperName = "nginx" }, "both named"},
		"namespace":       {func(o *scaffold.Options) { o.Namespace = "A" }, "namespace"},
		"share twice":     {func(o *scaffold.Options) { o.Shares = []scaffold.Share{{"a", "/a", "/a"}, {"a", "/b", "/b"}} }, "twice"},
		"share vs config": {func(o *scaffold.Options) {
			o.Pattern, o.Shares = scaffold.PatternAdapter, []scaffold.Share{{"nginx-status", "/a", "/a"}}
		}, "used twice"},
		"unknown pattern": {func(o *scaffold.Options) { o.Pattern = "mesh" }, "unknown pattern"},
		"unknown kind":    {func(o *scaffold.Options) { o.Kind = "daemonset" }, "unknown --kind"},
		"label key":       {func(o *scaffold.Options) { o.Labels = map[string]string{"-bad": "x"} }, "--labels"},
		"name too long":   {func(o *scaffold.Options) { o.Name = strings.Repeat("a", 64) }, "not valid"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			o := ok
			c.change(&o)
			_, err := scaffold.Build(o)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
	_, err := scaffold.Build(ok)
	require.NoError(t, err)
}

func TestParseShare(t *testing.T) {
	s, err := scaffold.ParseShare("logs:/var/log/app")
	require.NoError(t, err)
	assert.Equal(t, scaffold.Share{Name: "logs", MainPath: "/var/log/app", HelperPath: "/var/log/app"}, s)
	s, err = scaffold.ParseShare("html:/usr/share/nginx/html:/html")
	require.NoError(t, err)
	assert.Equal(t, scaffold.Share{Name: "html", MainPath: "/usr/share/nginx/html", HelperPath: "/html"}, s)
	for in, want := range map[string]string{
		"logs":            "want NAME:PATH",
		"logs:rel":        "must be absolute",
		"logs:/a:b":       "must be absolute",
		"Logs:/a":         "volume name",
		"logs:/a/../etc":  "'..'",
		"a:/b:/c:/d":      "want NAME:PATH",
		"logs:/a:":        "must be absolute",
		"under_score:/a:": "volume name",
	} {
		_, err := scaffold.ParseShare(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func TestParseLabels(t *testing.T) {
	l, err := scaffold.ParseLabels("team=shop, tier=front")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"team": "shop", "tier": "front"}, l)
	for _, bad := range []string{"team", "a=b,a=c", "-x=y", "k=" + strings.Repeat("v", 64)} {
		_, err := scaffold.ParseLabels(bad)
		assert.Error(t, err, bad)
	}
}

func TestRenderJSONIsAList(t *testing.T) {
	res, err := scaffold.Build(scaffold.Options{Pattern: scaffold.PatternAdapter, Name: "web"})
	require.NoError(t, err)
	out, err := scaffold.Render(res.Objects, "json", false)
	require.NoError(t, err)
	pods, err := manifest.Decode(bytes.NewReader(out), "json")
	require.NoError(t, err)
	require.Len(t, pods, 1)
	assert.Equal(t, "exporter", pods[0].Pod.Spec.Containers[1].Name)
	assert.Contains(t, string(out), `"kind": "List"`)
	_, err = scaffold.Render(res.Objects, "xml", false)
	assert.Error(t, err)
}

// kubectl reads YAML 1.1: yes, no, on, y and friends must come back as the
// same strings, as keys and as values, through the decoder kubectl uses.
func TestStringsSurviveKubectlYAML(t *testing.T) {
	words := []string{"yes", "no", "on", "off", "y", "n", "Y", "NO", "true", "~", "null", "012", "0x10", "1e3", "1:20", "", " a", "b: c", "#x", "- d", "@e", "%f"}
	labels := map[string]string{"y": "n", "on": "off"}
	res, err := scaffold.Build(scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "web", Image: "x:1", Command: words, Labels: labels})
	require.NoError(t, err)
	for _, explain := range []bool{false, true} {
		out, err := scaffold.Render(res.Objects, "yaml", explain)
		require.NoError(t, err)
		pods, err := manifest.Decode(bytes.NewReader(out), "out")
		require.NoError(t, err, "%s", out)
		assert.Equal(t, words, pods[0].Pod.Spec.Containers[0].Command)
		assert.Equal(t, "n", pods[0].Pod.Labels["y"])
		assert.Equal(t, "off", pods[0].Pod.Labels["on"])
	}
}
