package checks

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// podYAML reads a pod written in a test; the header is added here.
func podYAML(t *testing.T, body string) *corev1.Pod {
	t.Helper()
	var pod corev1.Pod
	require.NoError(t, yaml.Unmarshal([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\n"+body), &pod))
	return &pod
}

func input(pod *corev1.Pod, ns *Namespace, events []corev1.Event) *Input {
	r := report.Build(pod, events, classify.BuiltinRules())
	return &Input{Pod: pod, Report: &r, Rules: classify.BuiltinRules(), Events: events, Namespace: ns}
}

func ids(findings []Finding) []string {
	var out []string
	for _, f := range findings {
		out = append(out, f.ID)
	}
	return out
}

// fullNamespace has every object the test pods refer to.
func fullNamespace() *Namespace {
	return &Namespace{
		ConfigMaps:      Names{"cfg": true},
		Secrets:         Names{"creds": true, "pull": true},
		ServiceAccounts: Names{"default": true, "app": true},
		PVCs:            Names{"data": true},
		Owners:          map[string]map[string]string{"ReplicaSet": {"web-1": "uid-1"}},
	}
}

type checkCase struct {
	id            string
	trips, clean  string
	ns            *Namespace
	events        []corev1.Event
	wantSeverity  string // of the tripping finding; the catalogue's when empty
	wantInMessage string
}

var cases = []checkCase{
	{id: "duplicate-container-name",
		trips: `spec:
  initContainers: [{name: app, image: busybox}]
  containers: [{name: app, image: nginx}]`,
		clean: `spec:
  initContainers: [{name: setup, image: busybox}]
  containers: [{name: app, image: nginx}]`,
		wantInMessage: "initContainers[0] and containers[0]"},
	{id: "container-restart-policy",
		trips: `spec:
  containers: [{name: app, image: nginx}, {name: log-shipper, image: fluent-bit, restartPolicy: Always}]`,
		clean: `spec:
  initContainers: [{name: log-shipper, image: fluent-bit, restartPolicy: Always}]
  containers: [{name: app, image: nginx}]`},
	{id: "sidecar-restart-policy",
		trips: `spec:
  initContainers: [{name: proxy, image: envoy, restartPolicy: OnFailure}]
  containers: [{name: app, image: nginx}]`,
		clean: `spec:
  initContainers: [{name: proxy, image: envoy, restartPolicy: Always}]
  containers: [{name: app, image: nginx}]`},
	{id: "init-container-probe",
		trips: `spec:
  initContainers: [{name: migrate, image: migrate, readinessProbe: {exec: {command: ["true"]}}}]
  containers: [{name: app, image: nginx}]`,
		clean: `spec:
  initContainers: [{name: proxy, image: envoy, restartPolicy: Always, readinessProbe: {exec: {command: ["true"]}}}]
  containers: [{name: app, image: nginx}]`},
	{id: "undefined-volume-mount",
		trips: `spec:
  containers: [{name: app, image: nginx, volumeMounts: [{name: html, mountPath: /usr/share/nginx/html}]}]`,
		clean: `spec:
  volumes: [{name: html, emptyDir: {}}]
  containers: [{name: app, image: nginx, volumeMounts: [{name: html, mountPath: /usr/share/nginx/html}]}]`},
	{id: "duplicate-port",
		trips: `spec:
  initContainers: [{name: proxy, image: envoy, restartPolicy: Always, ports: [{containerPort: 8080}]}]
  containers: [{name: app, image: web, ports: [{containerPort: 8080, protocol: TCP}]}]`,
		// A plain init container finishes before the app binds the port.
		clean: `spec:
  initContainers: [{name: warmup, image: web, ports: [{containerPort: 8080}]}]
  containers: [{name: app, image: web, ports: [{containerPort: 8080}]}, {name: dns, image: coredns, ports: [{containerPort: 8080, protocol: UDP}]}]`},
	{id: "probe-port-undeclared",
		trips: `spec:
  containers: [{name: app, image: web, ports: [{name: web, containerPort: 8080}], readinessProbe: {httpGet: {path: /, port: http}}}]`,
		clean: `spec:
  containers: [{name: app, image: web, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /, port: http}}, livenessProbe: {tcpSocket: {port: 8080}}}]`,
		wantInMessage: `readinessProbe port "http" is not among its named ports (web)`},
	{id: report.IDHelperInFinitePod,
		trips: `spec:
  restartPolicy: Never
  containers: [{name: job, image: batch}, {name: istio-proxy, image: istio/proxyv2:1.22}]`,
		clean: `spec:
  restartPolicy: Never
  initContainers: [{name: istio-proxy, image: istio/proxyv2:1.22, restartPolicy: Always}]
  containers: [{name: job, image: batch}]`},
	{id: "sidecar-without-startup-probe",
		trips: `spec:
  initContainers: [{name: db-proxy, image: pgbouncer, restartPolicy: Always, ports: [{containerPort: 6432}]}]
  containers: [{name: app, image: api, env: [{name: DATABASE_URL, value: "postgres://localhost:6432/db"}]}]`,
		clean: `spec:
  initContainers: [{name: db-proxy, image: pgbouncer, restartPolicy: Always, ports: [{containerPort: 6432}], startupProbe: {tcpSocket: {port: 6432}}}]
  containers: [{name: app, image: api, env: [{name: DATABASE_URL, value: "postgres://localhost:6432/db"}]}]`,
		wantInMessage: `"app" calls it on localhost:6432`},
	{id: "emptydir-not-shared",
		trips: `spec:
  volumes: [{name: shared-data, emptyDir: {}}]
  initContainers: [{name: fetch, image: busybox, volumeMounts: [{name: shared-data, mountPath: /out}]}]
  containers: [{name: app, image: nginx}]`,
		clean: `spec:
  volumes: [{name: shared-data, emptyDir: {}}, {name: tmp, emptyDir: {}}]
  initContainers: [{name: fetch, image: busybox, volumeMounts: [{name: shared-data, mountPath: /out}]}]
  containers: [{name: app, image: nginx, volumeMounts: [{name: shared-data, mountPath: /in}, {name: tmp, mountPath: /tmp}]}]`},
	{id: "mesh-proxy-not-native",
		trips: `spec:
  initContainers: [{name: istio-init, image: istio/proxyv2}, {name: fetch-config, image: curl}]
  containers: [{name: app, image: web}, {name: istio-proxy, image: istio/proxyv2}]`,
		clean: `spec:
  initContainers: [{name: istio-init, image: istio/proxyv2}]
  containers: [{name: app, image: web}, {name: istio-proxy, image: istio/proxyv2}]`},
	{id: "no-default-container",
		trips: `spec:
  containers: [{name: api, image: api}, {name: worker, image: worker}]`,
		clean: `metadata:
  annotations: {kubectl.kubernetes.io/default-container: api}
spec:
  containers: [{name: api, image: api}, {name: worker, image: worker}]`},
	{id: "helper-without-resources",
		trips: `spec:
  containers:
  - {name: app, image: web, resources: {requests: {cpu: 100m}}}
  - {name: log-shipper, image: fluent/fluent-bit}`,
		clean: `spec:
  containers:
  - {name: app, image: web, resources: {requests: {cpu: 100m}}}
  - {name: log-shipper, image: fluent/fluent-bit, resources: {requests: {cpu: 10m}}}`},
	{id: report.IDRolesAnnotation,
		trips: `metadata:
  annotations: {pods-pattern.io/roles: "ghost=adapter"}
spec:
  containers: [{name: app, image: web}]`,
		clean: `metadata:
  annotations: {pods-pattern.io/roles: "app=main"}
spec:
  containers: [{name: app, image: web}]`},
	{id: report.IDPodUnscheduled,
		trips: `spec:
  containers: [{name: app, image: web}]
status:
  phase: Pending
  conditions: [{type: PodScheduled, status: "False", reason: Unschedulable, message: "0/3 nodes are available"}]`,
		clean: runningPod},
	{id: report.IDInitFailing,
		trips: `spec:
  initContainers: [{name: migrate, image: migrate}]
  containers: [{name: app, image: web}]
status:
  phase: Pending
  initContainerStatuses: [{name: migrate, restartCount: 3, state: {waiting: {reason: CrashLoopBackOff}}, lastState: {terminated: {exitCode: 1, reason: Error}}}]
  containerStatuses: [{name: app, state: {waiting: {reason: PodInitializing}}}]`,
		clean: runningPod},
	{id: report.IDInitCannotStart,
		trips: `spec:
  initContainers: [{name: migrate, image: migrate}]
  containers: [{name: app, image: web}]
status:
  phase: Pending
  initContainerStatuses: [{name: migrate, state: {waiting: {reason: ImagePullBackOff, message: "not found"}}}]
  containerStatuses: [{name: app, state: {waiting: {reason: PodInitializing}}}]`,
		clean: runningPod},
	{id: "init-stuck",
		trips: stuckPod, events: []corev1.Event{{Type: "Warning", Reason: "FailedMount", Count: 4,
			Message: `MountVolume.SetUp failed for volume "certs" : secret "certs" not found`}},
		clean: stuckPod, wantInMessage: "a volume cannot be mounted: FailedMount"},
	{id: report.IDInitWaiting, trips: stuckPod, clean: runningPod},
	{id: report.IDImagePullFailing,
		trips: `spec:
  containers: [{name: app, image: web:nope}]
status:
  phase: Pending
  containerStatuses: [{name: app, image: web:nope, state: {waiting: {reason: ErrImagePull}}}]`,
		clean: runningPod},
	{id: report.IDCannotStart,
		trips: `spec:
  containers: [{name: app, image: web}]
status:
  phase: Pending
  containerStatuses: [{name: app, state: {waiting: {reason: CreateContainerConfigError, message: 'configmap "cfg" not found'}}}]`,
		clean: runningPod},
	{id: report.IDCrashLooping,
		trips: `spec:
  containers: [{name: app, image: web}]
status:
  phase: Running
  containerStatuses: [{name: app, restartCount: 5, state: {waiting: {reason: CrashLoopBackOff}}, lastState: {terminated: {exitCode: 2, reason: Error}}}]`,
		clean: runningPod},
	{id: report.IDExited,
		trips: `spec:
  restartPolicy: Never
  containers: [{name: app, image: web}]
status:
  phase: Failed
  containerStatuses: [{name: app, state: {terminated: {exitCode: 3, reason: Error}}}]`,
		clean: runningPod},
	{id: report.IDOOMKilled,
		trips: `spec:
  containers: [{name: app, image: web}, {name: log-shipper, image: fluent/fluent-bit, resources: {limits: {memory: 64Mi}}}]
status:
  phase: Running
  containerStatuses:
  - {name: app, ready: true, state: {running: {}}}
  - {name: log-shipper, ready: true, restartCount: 2, state: {running: {}}, lastState: {terminated: {exitCode: 137, reason: OOMKilled}}}`,
		clean: runningPod, wantInMessage: "memory limit 64Mi"},
	{id: report.IDHelperRestarting,
		trips: `spec:
  containers: [{name: app, image: web}, {name: log-shipper, image: fluent/fluent-bit}]
status:
  phase: Running
  containerStatuses:
  - {name: app, ready: true, state: {running: {}}}
  - {name: log-shipper, ready: true, restartCount: 2, state: {running: {}}, lastState: {terminated: {exitCode: 1, reason: Error}}}`,
		clean: runningPod},
	{id: report.IDAppRestarting,
		trips: `spec:
  containers: [{name: app, image: web}]
status:
  phase: Running
  containerStatuses: [{name: app, ready: true, restartCount: 1, state: {running: {}}, lastState: {terminated: {exitCode: 1, reason: Error}}}]`,
		clean: runningPod},
	{id: report.IDAppNotReady,
		trips: `spec:
  initContainers: [{name: proxy, image: envoy, restartPolicy: Always}]
  containers: [{name: app, image: web}]
status:
  phase: Running
  initContainerStatuses: [{name: proxy, ready: true, started: true, state: {running: {}}}]
  containerStatuses: [{name: app, ready: false, state: {running: {}}}]`,
		clean: runningPod, wantInMessage: `is running but not ready while sidecar "proxy" is ready`},
	{id: report.IDNotReady,
		trips: `spec:
  containers: [{name: app, image: web}, {name: log-shipper, image: fluent/fluent-bit}]
status:
  phase: Running
  containerStatuses:
  - {name: app, ready: true, state: {running: {}}}
  - {name: log-shipper, ready: false, state: {running: {}}}`,
		clean: runningPod},
	{id: report.IDSidecarShutdownExit,
		trips: `spec:
  restartPolicy: Never
  initContainers: [{name: proxy, image: envoy, restartPolicy: Always}]
  containers: [{name: job, image: batch}]
status:
  phase: Succeeded
  initContainerStatuses: [{name: proxy, state: {terminated: {exitCode: 143, reason: Error}}}]
  containerStatuses: [{name: job, state: {terminated: {exitCode: 0, reason: Completed}}}]`,
		clean: runningPod},
	{id: "missing-configmap", ns: fullNamespace(),
		trips: `spec:
  volumes: [{name: config, configMap: {name: nope}}]
  containers: [{name: app, image: web, env: [{name: LEVEL, valueFrom: {configMapKeyRef: {name: nope, key: level}}}], volumeMounts: [{name: config, mountPath: /etc/app}]}]`,
		clean: `spec:
  volumes: [{name: config, configMap: {name: cfg}}]
  containers: [{name: app, image: web, volumeMounts: [{name: config, mountPath: /etc/app}]}]`,
		wantInMessage: `ConfigMap "nope" does not exist; used by volume "config", env LEVEL of "app"`},
	{id: "missing-secret", ns: fullNamespace(),
		trips: `spec:
  containers: [{name: app, image: web, envFrom: [{secretRef: {name: gone, optional: true}}]}]`,
		clean: `spec:
  containers: [{name: app, image: web, envFrom: [{secretRef: {name: creds}}]}]`,
		wantSeverity: Info, wantInMessage: "optional: true"},
	{id: "missing-service-account", ns: fullNamespace(),
		trips: `spec:
  serviceAccountName: robot
  containers: [{name: app, image: web}]`,
		clean: `spec:
  serviceAccountName: app
  containers: [{name: app, image: web}]`},
	{id: "missing-image-pull-secret", ns: fullNamespace(),
		trips: `spec:
  imagePullSecrets: [{name: regcred}]
  containers: [{name: app, image: web}]`,
		clean: `spec:
  imagePullSecrets: [{name: pull}]
  containers: [{name: app, image: web}]`},
	{id: "missing-pvc", ns: fullNamespace(),
		trips: `spec:
  volumes: [{name: data, persistentVolumeClaim: {claimName: other}}]
  containers: [{name: app, image: web, volumeMounts: [{name: data, mountPath: /data}]}]`,
		clean: `spec:
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
  containers: [{name: app, image: web, volumeMounts: [{name: data, mountPath: /data}]}]`},
	{id: "owner-missing", ns: fullNamespace(),
		trips: `metadata:
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: uid-0, controller: true}]
spec:
  containers: [{name: app, image: web}]`,
		clean: `metadata:
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: uid-1, controller: true}]
spec:
  containers: [{name: app, image: web}]`,
		wantInMessage: "recreated"},
}

const runningPod = `spec:
  containers: [{name: app, image: web}]
status:
  phase: Running
  containerStatuses: [{name: app, ready: true, started: true, state: {running: {}}}]`

const stuckPod = `spec:
  volumes: [{name: certs, secret: {secretName: certs}}]
  initContainers: [{name: setup, image: busybox, volumeMounts: [{name: certs, mountPath: /certs}]}]
  containers: [{name: app, image: web}]
status:
  phase: Pending
  initContainerStatuses: [{name: setup, state: {waiting: {reason: PodInitializing}}}]
  containerStatuses: [{name: app, state: {waiting: {reason: PodInitializing}}}]`

func TestEveryCheck(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			check, ok := Lookup(tc.id)
			require.True(t, ok, "no check %s in the catalogue", tc.id)

			trips := Run(input(podYAML(t, tc.trips), tc.ns, tc.events))
			var hit *Finding
			for i := range trips {
				if trips[i].ID == tc.id {
					hit = &trips[i]
					break
				}
			}
			require.NotNil(t, hit, "%s not found; got %v", tc.id, ids(trips))
			want := tc.wantSeverity
			if want == "" {
				want = check.Severity
			}
			assert.Equal(t, want, hit.Severity)
			assert.Contains(t, hit.Message, tc.wantInMessage)

			// The clean pod differs by the one thing the check is about (events
			// left out for the event-driven checks).
			clean := Run(input(podYAML(t, tc.clean), tc.ns, nil))
			assert.NotContains(t, ids(clean), tc.id)
		})
	}
}

func TestEveryCheckHasATestAndADocPage(t *testing.T) {
	tested := map[string]bool{}
	for _, tc := range cases {
		tested[tc.id] = true
	}
	doc, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "docs", "checks.md"))
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, c := range Catalogue() {
		assert.False(t, seen[c.ID], "duplicate ID %s", c.ID)
		seen[c.ID] = true
		assert.Regexp(t, `^[a-z0-9]+(-[a-z0-9]+)*$`, c.ID)
		assert.True(t, tested[c.ID], "check %s has no test case", c.ID)
		assert.NotEmpty(t, c.Title+c.Why+c.Fix)
		assert.Contains(t, []string{Error, Warning, Info}, c.Severity, c.ID)
		assert.Regexp(t, regexp.MustCompile(`(?m)^## `+regexp.QuoteMeta("`"+c.ID+"`")), string(doc), "docs/checks.md has no section for %s", c.ID)
	}
	// Every ID report.Build can give has a catalogue entry, so describe's IDs mean the same as doctor's.
	src, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "pkg", "report", "findings.go"))
	require.NoError(t, err)
	for _, m := range regexp.MustCompile(`ID\w+\s+= "([a-z0-9-]+)"`).FindAllStringSubmatch(string(src), -1) {
		assert.True(t, seen[m[1]], "report finding ID %s is not in the catalogue", m[1])
	}
}

// The shared fixtures are real pods that the API server accepted: no check
// may call them an error unless the fixture's own status shows a failure.
func TestFixturesHaveNoShapeErrors(t *testing.T) {
	for _, f := range testutil.Fixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			got := Run(input(f.Pod, nil, nil))
			for _, fd := range got {
				check, _ := Lookup(fd.ID)
				if fd.Severity == Error {
					assert.Equal(t, Live, check.Group, "%s: %s", fd.ID, fd.Message)
					assert.True(t, strings.Contains(f.Expected.Status, "Error") || strings.Contains(f.Expected.Status, "CrashLoop") || strings.Contains(f.Expected.Status, "OOM"),
						"error %s on a fixture whose status is %s", fd.ID, f.Expected.Status)
				}
			}
		})
	}
}

func TestWorstAndOrder(t *testing.T) {
	got := Run(input(podYAML(t, `metadata:
  annotations: {pods-pattern.io/roles: "ghost=adapter"}
spec:
  containers: [{name: app, image: web, volumeMounts: [{name: nope, mountPath: /x}]}, {name: other, image: worker}]`), nil, nil))
	require.NotEmpty(t, got)
	assert.Equal(t, "undefined-volume-mount", got[0].ID, "errors first")
	assert.Equal(t, Error, Worst(got).Severity)
	assert.Nil(t, Worst(nil))
	assert.Equal(t, []string{"roles-annotation"}, ids(Run(input(podYAML(t, `metadata:
  annotations: {pods-pattern.io/roles: "ghost=adapter"}
spec:
  containers: [{name: app, image: web}]`), nil, nil), Pattern)))
}
