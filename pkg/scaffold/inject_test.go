package scaffold_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/scaffold"
)

// onlyAdds checks that every line of src is in out, in order: --to may add
// lines but never change or drop one.
func onlyAdds(t *testing.T, src, out []byte) {
	t.Helper()
	want := strings.SplitAfter(string(src), "\n")
	i := 0
	for _, line := range strings.SplitAfter(string(out), "\n") {
		if i < len(want) && line == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("line %d of the input is not kept as it was: %q", i+1, want[i])
	}
}

func inject(t *testing.T, file string, o scaffold.Options, kindSet, explain bool) ([]byte, scaffold.InjectResult) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "to", file))
	require.NoError(t, err)
	res, err := scaffold.Inject(src, file, o, kindSet, explain)
	require.NoError(t, err)
	return src, res
}

// target returns the pod of the workload changed, read back from the output.
func target(t *testing.T, out []byte, source string) *corev1.Pod {
	t.Helper()
	pods, err := manifest.Decode(bytes.NewReader(out), "out")
	require.NoError(t, err, "the output must still be a valid manifest:\n%s", out)
	for _, p := range pods {
		if p.Source == source || p.Source == "" && source == "pod/"+p.Pod.Name {
			return p.Pod
		}
	}
	t.Fatalf("%s not in the output", source)
	return nil
}

func helperOf(t *testing.T, pod *corev1.Pod, name string) classify.Container {
	t.Helper()
	cls := classify.Classify(pod, classify.BuiltinRules())
	c := cls.Find(name)
	require.NotNil(t, c, "helper %s", name)
	return *c
}

func TestInjectDeployment(t *testing.T) {
	src, res := inject(t, "deployment.yaml", scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "web"}, false, false)
	golden(t, "to-deployment-sidecar.yaml", res.Manifest)
	onlyAdds(t, src, res.Manifest)
	assert.Equal(t, "deployment/web", res.Target)
	assert.Empty(t, res.Warnings)
	pod := target(t, res.Manifest, "deployment/web template")
	h := helperOf(t, pod, "log-tailer")
	assert.Equal(t, classify.KindContainer, h.Kind)
	assert.Equal(t, classify.RoleSidecar, h.Role)
	assertShared(t, pod)

	// The adapter's nginx config goes to an nginx app, with its ConfigMap.
	src, res = inject(t, "deployment.yaml", scaffold.Options{Pattern: scaffold.PatternAdapter, Name: "web", Kind: scaffold.KindDeployment}, true, true)
	golden(t, "to-deployment-adapter-explain.yaml", res.Manifest)
	onlyAdds(t, src, res.Manifest)
	pod = target(t, res.Manifest, "deployment/web template")
	assert.Equal(t, classify.RoleAdapter, helperOf(t, pod, "exporter").Role)
	assert.Equal(t, "/etc/nginx/conf.d/stub_status.conf", pod.Spec.Containers[0].VolumeMounts[0].MountPath)
	assert.Contains(t, string(res.Manifest), "kind: ConfigMap")
}

func TestInjectJobBecomesNative(t *testing.T) {
	src, res := inject(t, "job.yaml", scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "report"}, false, true)
	golden(t, "to-job-sidecar.yaml", res.Manifest)
	onlyAdds(t, src, res.Manifest)
	pod := target(t, res.Manifest, "job/report template")
	h := helperOf(t, pod, "log-tailer")
	assert.Equal(t, classify.KindSidecar, h.Kind, "a sidecar in a Job must be native")
	assert.Equal(t, []string{"scratch", "logs"}, []string{pod.Spec.Volumes[0].Name, pod.Spec.Volumes[1].Name})
	assertShared(t, &corev1.Pod{Spec: corev1.PodSpec{InitContainers: pod.Spec.InitContainers, Containers: pod.Spec.Containers,
		Volumes: pod.Spec.Volumes[1:]}})

	// --legacy is written as asked, with the finding that says why not.
	_, res = inject(t, "job.yaml", scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "report", Legacy: true}, false, false)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], "cannot complete")
	pod = target(t, res.Manifest, "job/report template")
	assert.Equal(t, classify.KindContainer, helperOf(t, pod, "log-tailer").Kind)
}

func TestInjectMultiDocument(t *testing.T) {
	src, res := inject(t, "multi.yaml", scaffold.Options{Pattern: scaffold.PatternAmbassador, Name: "api", Upstream: "db.example.com:5432"}, false, false)
	golden(t, "to-multi-ambassador.yaml", res.Manifest)
	onlyAdds(t, src, res.Manifest)
	assert.Equal(t, "statefulset/api", res.Target)
	// The documents before and after the target are untouched bytes.
	out := string(res.Manifest)
	before := src[:bytes.Index(src, []byte("--- # the API itself"))]
	assert.True(t, strings.HasPrefix(out, string(before)))
	worker := src[bytes.Index(src, []byte("---\napiVersion: apps/v1\nkind: Deployment")):]
	assert.Contains(t, out, string(worker))

	pod := target(t, res.Manifest, "statefulset/api template")
	assert.Equal(t, classify.RoleAmbassador, helperOf(t, pod, "ambassador").Role)
	assert.Equal(t, "migrate", pod.Spec.InitContainers[0].Name, "existing init containers stay first")
	var addr string
	for _, e := range pod.Spec.Containers[0].Env {
		if e.Name == "UPSTREAM_ADDR" {
			addr = e.Value
		}
	}
	assert.Equal(t, "localhost:9000", addr, "the app is pointed at the ambassador (TCP: a database port)")
	assert.Contains(t, out, "envoy.filters.network.tcp_proxy")

	// The other workload of the same file, as a native sidecar.
	src, res = inject(t, "multi.yaml", scaffold.Options{Pattern: scaffold.PatternNativeSidecar, Name: "worker", HelperImage: "fluent/fluent-bit:3.1",
		Shares: []scaffold.Share{{Name: "logs", MainPath: "/var/log/worker", HelperPath: "/logs"}}}, false, false)
	golden(t, "to-multi-native-sidecar.yaml", res.Manifest)
	onlyAdds(t, src, res.Manifest)
	pod = target(t, res.Manifest, "deployment/worker template")
	assert.Equal(t, classify.KindSidecar, helperOf(t, pod, "log-tailer").Kind)
}

// JSON cannot be edited line by line: the document is re-written, and the
// user is told.
func TestInjectFlowStyle(t *testing.T) {
	src := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"containers":[{"name":"web","image":"nginx"}]}}`)
	res, err := scaffold.Inject(src, "pod.json", scaffold.Options{Pattern: scaffold.PatternInit, Name: "web"}, false, false)
	require.NoError(t, err)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], "flow style")
	pod := target(t, res.Manifest, "pod/web")
	assert.Equal(t, classify.KindInit, helperOf(t, pod, "init-html").Kind)
	assertShared(t, pod)
}

func TestInjectErrors(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "to", "multi.yaml"))
	require.NoError(t, err)
	cases := map[string]struct {
		o       scaffold.Options
		kindSet bool
		want    string
	}{
		"no such name":     {scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "web"}, false, `no workload named "web"; it holds statefulset/api, deployment/worker`},
		"kind filter":      {scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "api", Kind: scaffold.KindDeployment}, true, `no deployment named "api"`},
		"main flags":       {scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "api", Image: "x"}, false, "--image does not apply with --to"},
		"labels":           {scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "api", Labels: map[string]string{"a": "b"}}, false, "--labels does not apply"},
		"helper name used": {scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "api", HelperName: "migrate"}, false, `already has a container named "migrate"`},
		"bad share name": {scaffold.Options{Pattern: scaffold.PatternAmbassador, Name: "api",
			Shares: []scaffold.Share{{Name: "LOG_LEVEL", MainPath: "/a", HelperPath: "/a"}}}, false, "volume name"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := scaffold.Inject(src, "multi.yaml", c.o, c.kindSet, false)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	_, err = scaffold.Inject([]byte("kind: ConfigMap\nmetadata: {name: a}\n"), "cm.yaml", scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "a"}, false, false)
	assert.ErrorContains(t, err, "no Pod or workload found")
	_, err = scaffold.Inject([]byte("kind: Pod\nmetadata: {name: [a\n"), "bad.yaml", scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "a"}, false, false)
	assert.ErrorContains(t, err, "bad.yaml: document 1")

	// A second share at a path the app already mounts would be rejected by
	// the API server: refuse it here.
	pod := []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: a\n    image: nginx\n    volumeMounts:\n    - name: data\n      mountPath: /data\n  volumes:\n  - name: data\n    emptyDir: {}\n")
	_, err = scaffold.Inject(pod, "pod.yaml", scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "a",
		Shares: []scaffold.Share{{Name: "other", MainPath: "/data", HelperPath: "/data"}}}, false, false)
	assert.ErrorContains(t, err, "already mounts data at /data")
	_, err = scaffold.Inject(pod, "pod.yaml", scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "a",
		Shares: []scaffold.Share{{Name: "data", MainPath: "/x", HelperPath: "/x"}}}, false, false)
	assert.ErrorContains(t, err, `already has a volume named "data"`)
	_, err = scaffold.Inject(src, "multi.yaml", scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "api", HelperPort: 8080}, false, false)
	assert.ErrorContains(t, err, "both use port 8080")
	withEnv := bytes.Replace(pod, []byte("    volumeMounts:\n"), []byte("    env:\n    - name: UPSTREAM_URL\n      value: http://x\n    volumeMounts:\n"), 1)
	_, err = scaffold.Inject(withEnv, "pod.yaml", scaffold.Options{Pattern: scaffold.PatternAmbassador, Name: "a"}, false, false)
	assert.ErrorContains(t, err, "already sets UPSTREAM_URL")
	_, err = scaffold.Inject(withEnv, "pod.yaml", scaffold.Options{Pattern: scaffold.PatternAmbassador, Name: "a", Upstream: "redis:6379"}, false, false)
	assert.NoError(t, err, "UPSTREAM_ADDR is another variable")
	// Appending to existing lists at the end of a file with no final newline.
	res, err := scaffold.Inject(bytes.TrimRight(pod, "\n"), "pod.yaml", scaffold.Options{Pattern: scaffold.PatternSidecar, Name: "a"}, false, false)
	require.NoError(t, err)
	p := target(t, res.Manifest, "pod/a")
	assert.Len(t, p.Spec.Volumes, 2)
	assert.Len(t, p.Spec.Containers, 2)
}

// Any workload kind can be the target, named as kubectl names it, and an
// existing object's name may contain dots.
func TestInjectDaemonSetByShortKind(t *testing.T) {
	src := []byte(`apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent.v2
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: agent
          image: example/agent:2
          ports:
            - containerPort: 8080
`)
	res, err := scaffold.Inject(src, "ds.yaml", scaffold.Options{Pattern: scaffold.PatternAdapter, Name: "node-agent.v2", Kind: "ds",
		HelperImage: "example/agent-exporter:1", HelperArgs: []string{"--scrape=http://localhost:8080/stats"}}, true, false)
	require.NoError(t, err)
	onlyAdds(t, src, res.Manifest)
	assert.Equal(t, "daemonset/node-agent.v2", res.Target)
	assert.Contains(t, string(res.Manifest), "        - name: exporter\n          image: example/agent-exporter:1\n",
		"the new item follows the file's indented sequence style")
	pod := target(t, res.Manifest, "daemonset/node-agent.v2 template")
	assert.Equal(t, classify.RoleAdapter, helperOf(t, pod, "exporter").Role)
	assert.NotContains(t, string(res.Manifest), "ConfigMap", "no nginx config for an app that is not nginx")
	require.Len(t, res.Warnings, 0, "the user brought the exporter: nothing to warn about")

	_, err = scaffold.Inject(src, "ds.yaml", scaffold.Options{Pattern: scaffold.PatternAdapter, Name: "node-agent.v2"}, false, false)
	require.NoError(t, err)
	_, err = scaffold.Inject(src, "ds.yaml", scaffold.Options{Pattern: scaffold.PatternAdapter, Name: "node-agent.v2", Kind: "widget"}, true, false)
	assert.ErrorContains(t, err, "unknown --kind")
	res, err = scaffold.Inject(src, "ds.yaml", scaffold.Options{Pattern: scaffold.PatternAdapter, Name: "node-agent.v2"}, false, false)
	require.NoError(t, err)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], "stub_status")
}

// Every shared fixture (kubectl get -o yaml copies of real pods and
// workloads) takes every pattern: the output still decodes, only lines were
// added, and the new helper is classified as intended.
func TestInjectEveryFixture(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "fixtures", "*", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		pods, err := manifest.Decode(bytes.NewReader(src), path)
		require.NoError(t, err)
		for _, p := range scaffold.Patterns {
			name := filepath.Base(filepath.Dir(path)) + "/" + strings.TrimSuffix(filepath.Base(path), ".yaml") + "/" + string(p)
			t.Run(name, func(t *testing.T) {
				o := scaffold.Options{Pattern: p, Name: pods[0].Pod.Name, HelperName: "added-helper",
					Shares: []scaffold.Share{{Name: "added-share", MainPath: "/added", HelperPath: "/added"}}}
				res, err := scaffold.Inject(src, path, o, false, true)
				require.NoError(t, err)
				onlyAdds(t, src, res.Manifest)
				if pods[0].Source == "" && pods[0].Pod.UID != "" {
					assert.Contains(t, strings.Join(res.Warnings, "\n"), "kubectl replace --force", "a live pod cannot take new containers")
				}
				source := pods[0].Source
				if source == "" {
					source = "pod/" + pods[0].Pod.Name
				}
				pod := target(t, res.Manifest, source)
				h := helperOf(t, pod, "added-helper")
				batch := pod.Spec.RestartPolicy == corev1.RestartPolicyNever || pod.Spec.RestartPolicy == corev1.RestartPolicyOnFailure
				want := intendedFor(p, map[bool]scaffold.Kind{true: scaffold.KindJob, false: scaffold.KindPod}[batch], o)
				assert.Equal(t, want.kind, h.Kind)
				if p == scaffold.PatternInit || p == scaffold.PatternAdapter || p == scaffold.PatternAmbassador {
					assert.Equal(t, want.role, h.Role, "evidence: %v", h.Reasons)
				}
				var mounted bool
				for _, c := range pod.Spec.Containers {
					for _, m := range c.VolumeMounts {
						mounted = mounted || m.Name == "added-share" && c.Name != "added-helper"
					}
				}
				assert.True(t, mounted, "the main container mounts the share")
			})
		}
	}
}
