//go:build e2e

package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

type describedReasons struct {
	Main       string `json:"main"`
	Containers []struct {
		Name    string   `json:"name"`
		Role    string   `json:"role"`
		Reasons []string `json:"reasons"`
	} `json:"containers"`
	Findings []struct {
		Container string `json:"container"`
		Message   string `json:"message"`
	} `json:"findings"`
}

func (d describedReasons) role(name string) (string, []string) {
	for _, c := range d.Containers {
		if c.Name == name {
			return c.Role, c.Reasons
		}
	}
	return "", nil
}

func createService(t *testing.T, svc *corev1.Service) {
	t.Helper()
	ctx := testContext(t)
	err := cluster.Client.CoreV1().Services(svc.Namespace).Delete(ctx, svc.Name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		require.NoError(t, err)
	}
	_, err = cluster.Client.CoreV1().Services(svc.Namespace).Create(ctx, svc, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = cluster.Client.CoreV1().Services(svc.Namespace).Delete(testContext(t), svc.Name, metav1.DeleteOptions{})
	})
}

func describeReasons(t *testing.T, ns, name string) describedReasons {
	t.Helper()
	res := plugin(t, "describe", name, "-n", ns, "-o", "json")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	var d describedReasons
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &d), "not JSON:\n%s", res.Stdout)
	return d
}

// Two in-house containers that both expose a port, the helper listed first:
// the pod spec alone cannot tell the app. A Service stored in the real API
// server that targets one container's named port makes it the app; a Service
// that targets a known proxy does not.
func TestRolesFromServicesThroughTheAPIServer(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-roles-services"
	ctx := testContext(t)
	labels := map[string]string{"app": "orders"}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "bridge", Image: "registry.corp/team/cache-bridge:2", Ports: []corev1.ContainerPort{{Name: "bridge", ContainerPort: 7000}}},
			{Name: "orders", Image: "registry.corp/team/orders:1", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}},
		}},
	}
	_, err := cluster.CreatePod(ctx, pod)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cluster.DeletePod(testContext(t), ns, pod.Name) })

	before := describeReasons(t, ns, "orders")
	assert.Equal(t, "bridge", before.Main, "no Service yet: the first container is guessed")

	createService(t, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: ns},
		Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{
			{Name: "web", Port: 80, TargetPort: intstr.FromString("http")},
		}},
	})
	after := describeReasons(t, ns, "orders")
	assert.Equal(t, "orders", after.Main)
	role, why := after.role("orders")
	assert.Equal(t, "main", role)
	assert.Contains(t, why, "Service orders targets its port 8080 (http)")
	role, _ = after.role("bridge")
	assert.Equal(t, "sidecar", role)

	res := plugin(t, "describe", "orders", "-n", ns)
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Contains(t, res.Stdout, "Why these roles:")
	assert.Contains(t, res.Stdout, "Service orders targets its port 8080 (http)")

	// summary and init weigh the same Service: every command names one app.
	sum := plugin(t, "summary", "-n", ns, "-o", "json")
	require.Equal(t, 0, sum.ExitCode, "%s", sum)
	var rows struct {
		Items []struct{ Name, Main string } `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(sum.Stdout), &rows), sum.Stdout)
	require.Len(t, rows.Items, 1)
	assert.Equal(t, "orders", rows.Items[0].Main, "summary names the app describe names")
	in := plugin(t, "init", "orders", "-n", ns, "-o", "json")
	require.Equal(t, 0, in.ExitCode, "%s", in)
	var tl struct {
		Steps []struct{ Name, Role string } `json:"steps"`
	}
	require.NoError(t, json.Unmarshal([]byte(in.Stdout), &tl), in.Stdout)
	for _, s := range tl.Steps {
		if s.Name == "orders" {
			assert.Equal(t, "main", s.Role, "init names the app describe names")
		}
	}

	// logs tags and filters by the same roles.
	running, err := cluster.UpdatePodStatus(ctx, ns, pod.Name, func(p *corev1.Pod) {
		framework.StartPod(p, time.Now().Add(-time.Minute), time.Second)
	})
	require.NoError(t, err)
	for _, c := range []string{"bridge", "orders"} {
		require.NoError(t, cluster.WriteLog(ns, pod.Name, c, framework.Lines(lab.StartedAt(running, c), time.Millisecond, c+" up")...))
	}
	lg := plugin(t, "logs", "orders", "-n", ns, "--role", "main")
	require.Equal(t, 0, lg.ExitCode, "%s", lg)
	assert.Equal(t, "[orders main] orders up\n", lg.Stdout, "logs names the app describe names")
	assert.Empty(t, lg.Stderr)
}

func TestRolesServiceOnAKnownProxyKeepsTheApp(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-roles-proxy"
	ctx := testContext(t)
	labels := map[string]string{"app": "shop"}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "auth", Image: "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0",
				Args:  []string{"--http-address=0.0.0.0:4180", "--upstream=http://127.0.0.1:8080/"},
				Ports: []corev1.ContainerPort{{Name: "public", ContainerPort: 4180}}},
			{Name: "shop", Image: "registry.corp/team/shop:5", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}},
		}},
	}
	_, err := cluster.CreatePod(ctx, pod)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cluster.DeletePod(testContext(t), ns, pod.Name) })
	createService(t, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: ns},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 443, TargetPort: intstr.FromString("public")}}},
	})
	d := describeReasons(t, ns, "shop")
	assert.Equal(t, "shop", d.Main)
	role, why := d.role("auth")
	assert.Equal(t, "ambassador", role)
	assert.Contains(t, why, "Service shop targets its port 4180 (public), but it is a known proxy (oauth2-proxy) in front of the app")
	assert.Contains(t, why, "calls the main container shop on localhost (args: 127.0.0.1:8080), a known proxy in front of it → ambassador")
}

// The pod, stored and read back through the API server: the in-house
// queue-stats helper is the adapter by its wiring alone.
func TestRolesFromWiringThroughTheAPIServer(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-roles-wiring"
	ctx := testContext(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "queue", Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "worker", Image: "registry.corp/team/queue-worker:3.1", Ports: []corev1.ContainerPort{{Name: "admin", ContainerPort: 9000}}},
			{Name: "queue-stats", Image: "registry.corp/team/queue-stats:1.0",
				Args:  []string{"--source=http://127.0.0.1:9000/admin/stats"},
				Ports: []corev1.ContainerPort{{Name: "http-metrics", ContainerPort: 9102}}},
		}},
	}
	_, err := cluster.CreatePod(ctx, pod)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cluster.DeletePod(testContext(t), ns, pod.Name) })
	d := describeReasons(t, ns, "queue")
	assert.Equal(t, "worker", d.Main)
	role, why := d.role("queue-stats")
	assert.Equal(t, "adapter", role)
	assert.Contains(t, why, "calls the main container worker on localhost (args: 127.0.0.1:9000) → adapter")
}
