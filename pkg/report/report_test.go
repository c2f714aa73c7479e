package report_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

func fixture(t *testing.T, name string) *corev1.Pod {
	t.Helper()
	return testutil.LoadPod(t, testutil.FixturesDir()+"/"+name+".yaml")
}

func build(p *corev1.Pod) report.Pod { return report.Build(p, nil, classify.BuiltinRules()) }

func messages(r report.Pod) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Severity+": "+f.Message)
	}
	return out
}

func TestHealthyFixturesHaveNoProblems(t *testing.T) {
	for _, f := range testutil.Fixtures(t) {
		r := build(f.Pod)
		if f.Expected.Status != "Running" {
			continue
		}
		for _, fd := range r.Findings {
			assert.NotEqual(t, report.SeverityError, fd.Severity, "%s: %s", f.Name, fd.Message)
		}
		assert.Equal(t, f.Expected.Status, r.Status)
		assert.Equal(t, f.Expected.Ready, r.Ready)
	}
}

func TestInitCrashLoopBlocks(t *testing.T) {
	r := build(fixture(t, "seed/task2-nx-initfail"))
	require.NotEmpty(t, r.Findings)
	f := r.Findings[0]
	assert.Equal(t, report.SeverityError, f.Severity)
	assert.Equal(t, "init-index", f.Container)
	assert.Equal(t, `init "init-index" (1/1) is failing: CrashLoopBackOff, last exit 1 (Error), 3 restarts; it blocks the app containers`, f.Message)
	c := r.Containers[0]
	assert.Equal(t, "waiting", c.State)
	assert.Equal(t, "CrashLoopBackOff", c.Reason)
	require.NotNil(t, c.LastState)
	assert.Equal(t, int32(1), c.LastState.ExitCode)
}

func TestJobSidecarShutdownIsBenign(t *testing.T) {
	r := build(fixture(t, "real-world/k8s-docs-native-sidecar-job"))
	assert.Equal(t, "Completed", r.Status)
	ms := messages(r)
	require.Len(t, ms, 1, ms)
	assert.Contains(t, ms[0], `info: sidecar "logshipper" exited 137 after the app containers finished`)
}

func TestSharedVolumesAndMounts(t *testing.T) {
	r := build(fixture(t, "seed/task2-nx"))
	var shared []report.Volume
	for _, v := range r.Volumes {
		if v.Shared {
			shared = append(shared, v)
		}
	}
	require.Len(t, shared, 1)
	assert.Equal(t, "static-html", shared[0].Name)
	assert.Equal(t, []report.VolumeMount{
		{Container: "init-index", Path: "/static-html"},
		{Container: "nginx", Path: "/usr/share/nginx/html"},
	}, shared[0].Mounts)
	assert.Equal(t, "nginx", r.Main)
	assert.Equal(t, []report.Port{{ContainerPort: 80, Protocol: "TCP"}}, r.Containers[1].Ports)
	require.NotNil(t, r.Containers[0].ExitCode)
	assert.Equal(t, int32(0), *r.Containers[0].ExitCode)
	assert.Equal(t, 1, r.Containers[0].Order)
}

func TestManifestWithoutStatus(t *testing.T) {
	p := fixture(t, "seed/task3-nx")
	p.Status = corev1.PodStatus{}
	r := build(p)
	assert.False(t, r.HasStatus)
	assert.Equal(t, "", r.Status)
	assert.Equal(t, "unknown", r.Containers[0].State)
	assert.Empty(t, r.Findings)
}

func TestProblemFindings(t *testing.T) {
	p := fixture(t, "seed/task3-nx")
	p.Spec.Containers[1].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}
	p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "Back-off pulling image"}}
	p.Status.ContainerStatuses[1].RestartCount = 2
	p.Status.ContainerStatuses[1].LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}
	r := build(p)
	assert.Equal(t, []string{
		`error: container "nginx" cannot pull its image "nginx": ImagePullBackOff: Back-off pulling image`,
		`error: container "sidecar" was last OOMKilled: it used more memory than allowed (memory limit 64Mi); 2 restarts`,
	}, messages(r))
}

func TestJobWithClassicSidecarIsFlagged(t *testing.T) {
	p := fixture(t, "seed/task3-nx")
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	r := build(p)
	require.NotEmpty(t, r.Findings)
	assert.Contains(t, r.Findings[0].Message, `sidecar "sidecar" is a regular container in a pod with restartPolicy Never`)
}

// A helper whose wiring points to two roles equally gets a finding that
// suggests the roles annotation; Services passed in change the main container.
func TestAmbiguousRoleFindingAndServices(t *testing.T) {
	p := &corev1.Pod{}
	p.Name, p.Namespace, p.Labels = "orders-1", "shop", map[string]string{"app": "orders"}
	p.Spec.Volumes = []corev1.Volume{{Name: "logs", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	p.Spec.Containers = []corev1.Container{
		{Name: "logstat", Image: "registry.corp/team/logstat:1",
			Ports:        []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9144}},
			VolumeMounts: []corev1.VolumeMount{{Name: "logs", MountPath: "/logs", ReadOnly: true}}},
		{Name: "orders", Image: "registry.corp/team/orders:1",
			Ports:        []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
			VolumeMounts: []corev1.VolumeMount{{Name: "logs", MountPath: "/var/log/orders"}}},
	}
	r := build(p)
	assert.Equal(t, "orders", r.Main)
	require.Contains(t, messages(r), "info: role is ambiguous: the evidence for logstat points to sidecar and adapter equally; kept sidecar: set annotation pods-pattern.io/roles to say which")

	p.Annotations = map[string]string{classify.RolesAnnotation: "logstat=adapter"}
	assert.NotContains(t, messages(build(p)), "ambiguous")

	p.Annotations = nil
	p.Spec.Containers[0].Ports[0].Name = "stats"
	assert.Equal(t, "logstat", build(p).Main, "without a Service: both expose ports, the first is guessed")
	svc := corev1.Service{}
	svc.Name, svc.Namespace = "orders", "shop"
	svc.Spec.Selector = map[string]string{"app": "orders"}
	svc.Spec.Ports = []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}
	r = report.BuildIn(p, nil, classify.BuiltinRules(), classify.Context{Services: []corev1.Service{svc}})
	assert.Equal(t, "orders", r.Main)
	assert.Contains(t, r.Containers[1].Reasons, "Service orders targets its port 8080 (http)")
}

// A native sidecar that blocks the init sequence is reported once, as the blocker.
func TestBlockingSidecarReportedOnce(t *testing.T) {
	p := testutil.LoadPod(t, testutil.RepoRoot()+"/pkg/inittimeline/testdata/sidecar-oom-restarts.yaml")
	no := false
	st := &p.Status.InitContainerStatuses[0]
	st.Started, st.Ready = &no, false
	st.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	p.Status.InitContainerStatuses = p.Status.InitContainerStatuses[:1]
	p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}
	p.Status.Phase = corev1.PodPending
	p.Status.Conditions = nil
	r := build(p)
	var about []string
	for _, f := range r.Findings {
		if f.Container == "vault-agent" && !strings.Contains(f.Message, "was last OOMKilled") {
			about = append(about, f.Message)
		}
	}
	require.Len(t, about, 1, about)
	assert.Contains(t, about[0], `sidecar "vault-agent" (1/2) is failing: CrashLoopBackOff, last exit 137 (OOMKilled), 4 restarts; it blocks "load-secrets" and the app containers`)
}
