//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

const summaryNS = "e2e-summary"

// seedMixedNamespace fills one namespace with the pods summary and doctor
// are about: the seed lab's failing init, a healthy mesh-style pod, a Job
// whose legacy sidecar keeps it running, and a pod whose ConfigMap is missing.
func seedMixedNamespace(t *testing.T) {
	t.Helper()
	ctx := testContext(t)
	now := time.Now()
	_, err := lab.SeedTask2InitFailure(ctx, cluster, summaryNS, now.Add(-3*time.Minute))
	require.NoError(t, err)
	cleanupPod(t, summaryNS, lab.PodName)
	// No controller manager: the namespace's default ServiceAccount is made here.
	_, err = cluster.Client.CoreV1().ServiceAccounts(summaryNS).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}

	yes := true
	pods := []struct {
		pod  *corev1.Pod
		play func(*corev1.Pod)
	}{
		{&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "mesh"}, Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "istio-init", Image: "docker.io/istio/proxyv2:1.22.3"}},
			Containers:     []corev1.Container{{Name: "app", Image: "nginx"}, {Name: "istio-proxy", Image: "docker.io/istio/proxyv2:1.22.3"}},
		}}, func(p *corev1.Pod) { framework.StartPod(p, now.Add(-2*time.Minute), time.Second) }},
		{&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "report-x", Labels: map[string]string{"job-name": "report"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "report", UID: "00000000-0000-0000-0000-0000000000aa", Controller: &yes}}},
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: "report", Image: "busybox"}, {Name: "fluent-bit", Image: "fluent/fluent-bit:3.0"}}}},
			func(p *corev1.Pod) {
				t := framework.StartPod(p, now.Add(-2*time.Minute), time.Second)
				framework.TerminateContainer(p, "report", 0, t.Add(30*time.Second))
				framework.SyncPodStatus(p, t.Add(30*time.Second))
			}},
		{&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "needs-config"}, Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "nginx", EnvFrom: []corev1.EnvFromSource{
				{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app-config"}}},
				{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app-creds"}}},
			}}},
		}}, func(p *corev1.Pod) {
			framework.SchedulePod(p, now.Add(-time.Minute))
			framework.WaitContainer(p, "app", "CreateContainerConfigError", `configmap "app-config" not found`)
			framework.SyncPodStatus(p, now.Add(-time.Minute))
		}},
	}
	for _, s := range pods {
		s.pod.Namespace = summaryNS
		_, err := cluster.CreatePod(ctx, s.pod)
		require.NoError(t, err)
		cleanupPod(t, summaryNS, s.pod.Name)
		_, err = cluster.UpdatePodStatus(ctx, summaryNS, s.pod.Name, s.play)
		require.NoError(t, err)
	}
}

type summaryJSON struct {
	Items []struct {
		Context, Namespace, Name, Status, Ready, Main, Pattern string
		Restarts                                               int
		Findings                                               []struct{ ID, Severity, Container, Message string }
	} `json:"items"`
	Errors []struct{ Context, Error string } `json:"errors"`
}

type doctorJSON struct {
	Findings []struct{ ID, Severity, Context, Namespace, Pod, Container, Message, Fix string } `json:"findings"`
	Skipped  []struct {
		Namespace, Resource, Reason string
		Checks                      []string
	} `json:"skipped"`
	Pods int `json:"pods"`
}

func TestSummaryAndDoctorOnAMixedNamespace(t *testing.T) {
	requirePlugin(t)
	seedMixedNamespace(t)

	// STATUS and READY are kubectl's own.
	want := map[string][2]string{}
	for _, line := range strings.Split(strings.TrimSpace(kubectl(t, "get", "pods", "-n", summaryNS, "--no-headers")), "\n") {
		f := strings.Fields(line)
		want[f[0]] = [2]string{f[2], f[1]}
	}
	res := plugin(t, "summary", "-n", summaryNS, "-o", "json")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	var sum summaryJSON
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &sum), res.Stdout)
	require.Len(t, sum.Items, len(want))
	worst := map[string]string{}
	for _, it := range sum.Items {
		assert.Equal(t, want[it.Name], [2]string{it.Status, it.Ready}, it.Name)
		if len(it.Findings) > 0 {
			worst[it.Name] = it.Findings[0].ID
		}
	}
	assert.Equal(t, map[string]string{"nx": "init-failing", "report-x": "helper-in-finite-pod", "needs-config": "container-cannot-start"}, worst)

	res = plugin(t, "summary", "-n", summaryNS, "--color=never")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Regexp(t, `(?m)^nx +0/1 +Init:CrashLoopBackOff +3 \(.+ ago\) +init → app +init-failing\(init-index\)$`, res.Stdout)
	assert.Regexp(t, `(?m)^mesh +2/2 +Running +0 +init → app \+ sidecar\(istio-proxy\) +<none>$`, res.Stdout)
	assert.Contains(t, res.Stdout, "Blocking init steps: 1 init-index")

	// Pages of one pod: one list request per pod and no other request per pod.
	res = plugin(t, "summary", "-n", summaryNS, "--chunk-size", "1", "-v=6")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	lists := regexp.MustCompile(`"Response" verb="GET" url="https://[^"]+/api/v1/namespaces/`+summaryNS+`/pods\?[^"]*limit=1[^"]*" status="200 OK"`).FindAllString(res.Stderr, -1)
	assert.Len(t, lists, len(want), "%s", res.Stderr)
	assert.Equal(t, len(want), strings.Count(res.Stderr, `"Response" verb=`), "no other request: %s", res.Stderr)

	res = plugin(t, "doctor", "-n", summaryNS, "-o", "json")
	assert.Equal(t, 1, res.ExitCode, "errors found: exit 1\n%s", res)
	var doc doctorJSON
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &doc), res.Stdout)
	assert.Equal(t, len(want), doc.Pods)
	found := map[string]string{}
	for _, f := range doc.Findings {
		found[f.Pod+" "+f.ID] = f.Severity
	}
	assert.Equal(t, "error", found["nx init-failing"])
	assert.Equal(t, "warning", found["report-x helper-in-finite-pod"])
	assert.Equal(t, "error", found["needs-config missing-configmap"])
	assert.Equal(t, "error", found["needs-config missing-secret"])
	for k := range found {
		assert.False(t, strings.HasPrefix(k, "mesh "), "the healthy mesh pod has no finding: %s", k)
	}
	assert.Empty(t, doc.Skipped)

	res = plugin(t, "doctor", "-n", summaryNS, "--fail-on", "none", "--color=never")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Contains(t, res.Stdout, "ERROR    missing-configmap  Referenced ConfigMap does not exist (1 pod)")
}

// The viewer user may list pods and what doctor reads, but not Secrets:
// doctor says the Secret checks were skipped, and runs the rest.
func TestDoctorAsAViewerForbiddenSecrets(t *testing.T) {
	requirePlugin(t)
	seedMixedNamespace(t)
	ctx := testContext(t)
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pods-pattern-viewer", Namespace: summaryNS},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "configmaps", "serviceaccounts", "persistentvolumeclaims", "events"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{"apps", "batch"}, Resources: []string{"replicasets", "jobs"}, Verbs: []string{"get", "list"}},
		}}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "pods-pattern-viewer", Namespace: summaryNS},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: role.Name},
		Subjects: []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: "viewer"}}}
	_, err := cluster.Client.RbacV1().Roles(summaryNS).Create(ctx, role, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}
	_, err = cluster.Client.RbacV1().RoleBindings(summaryNS).Create(ctx, binding, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}
	res, err := cluster.Kubectl(ctx, "--context", "viewer", "get", "secrets", "-n", summaryNS)
	require.NoError(t, err)
	require.NotEqual(t, 0, res.ExitCode, "viewer must not list secrets")

	res = plugin(t, "doctor", "-n", summaryNS, "--context", "viewer", "-o", "json")
	assert.Equal(t, 1, res.ExitCode, "%s", res)
	var doc doctorJSON
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &doc), res.Stdout)
	require.Len(t, doc.Skipped, 1, "%s", res.Stdout)
	assert.Equal(t, "secrets", doc.Skipped[0].Resource)
	assert.Equal(t, []string{"missing-secret", "missing-image-pull-secret"}, doc.Skipped[0].Checks)
	assert.Contains(t, doc.Skipped[0].Reason, `User "viewer" cannot list resource "secrets"`)
	ids := map[string]bool{}
	for _, f := range doc.Findings {
		ids[f.ID] = true
	}
	assert.True(t, ids["missing-configmap"], "the other reference checks still run")
	assert.False(t, ids["missing-secret"])

	res = plugin(t, "doctor", "-n", summaryNS, "--context", "viewer", "--fail-on", "none", "--color=never")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Contains(t, res.Stdout, `SKIPPED  missing-secret, missing-image-pull-secret skipped in namespace "e2e-summary": cannot list secrets:`)
}

// Two contexts, one of them unreachable: the reachable one's rows come
// back with its name, the other is reported on its own, exit 1.
func TestSummaryTwoContextsOneUnreachable(t *testing.T) {
	requirePlugin(t)
	seedMixedNamespace(t)
	data, err := os.ReadFile(cluster.Kubeconfig)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	users := cfg["users"].([]any)
	user := users[0].(map[string]any)["name"]
	cfg["clusters"] = append(cfg["clusters"].([]any), map[string]any{"name": "dead", "cluster": map[string]any{"server": "https://127.0.0.1:1", "insecure-skip-tls-verify": true}})
	cfg["contexts"] = append(cfg["contexts"].([]any), map[string]any{"name": "dead", "context": map[string]any{"cluster": "dead", "user": user}})
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(path, out, 0o600))

	res := plugin(t, "summary", "--kubeconfig", path, "--context", "admin", "--context", "dead", "-n", summaryNS, "-o", "json")
	assert.Equal(t, 1, res.ExitCode, "%s", res)
	var sum summaryJSON
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &sum), res.Stdout)
	require.NotEmpty(t, sum.Items)
	for _, it := range sum.Items {
		assert.Equal(t, "admin", it.Context)
		assert.Equal(t, summaryNS, it.Namespace)
	}
	require.Len(t, sum.Errors, 1)
	assert.Equal(t, "dead", sum.Errors[0].Context)
	assert.Contains(t, sum.Errors[0].Error, "cannot reach the Kubernetes API at https://127.0.0.1:1")

	res = plugin(t, "summary", "--kubeconfig", path, "--context", "admin", "--context", "dead", "-n", summaryNS, "--color=never")
	assert.Equal(t, 1, res.ExitCode, "%s", res)
	assert.Regexp(t, `(?m)^admin +nx +0/1 +Init:CrashLoopBackOff`, res.Stdout)
	assert.Contains(t, res.Stdout, `FAILED  context "dead": cannot reach the Kubernetes API at https://127.0.0.1:1`)
}
