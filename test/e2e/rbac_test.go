//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// grantViewer gives the harness's viewer user exactly rules in ns.
func grantViewer(t *testing.T, ns, name string, rules ...rbacv1.PolicyRule) {
	ctx := testContext(t)
	rbac := cluster.Client.RbacV1()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Rules: rules}
	_, err := rbac.Roles(ns).Create(ctx, role, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "viewer", APIGroup: rbacv1.GroupName}},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: name, APIGroup: rbacv1.GroupName},
	}
	_, err = rbac.RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		ctx := testContext(t)
		_ = rbac.RoleBindings(ns).Delete(ctx, name, metav1.DeleteOptions{})
		_ = rbac.Roles(ns).Delete(ctx, name, metav1.DeleteOptions{})
	})
}

// seedTwoTask3Pods creates web-a and web-b (app=web), each with a line of log
// in both containers, and returns their start time.
func seedTwoTask3Pods(t *testing.T, ns string) {
	ctx := testContext(t)
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	for _, name := range []string{"web-a", "web-b"} {
		p := lab.Task3Pod(ns)
		p.Name, p.Labels = name, map[string]string{"app": "web"}
		_, err := lab.Seed(ctx, cluster, p, start, func(pod *corev1.Pod) error {
			for _, c := range []string{"nginx", "sidecar"} {
				line := framework.LogLine{Time: lab.StartedAt(pod, c).Add(100 * time.Millisecond), Text: name + " " + c + " up"}
				if err := cluster.WriteLog(pod.Namespace, pod.Name, c, line); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err)
		cleanupPod(t, ns, name)
	}
}

// Allowed to read pods but not events or Services: describe shows the pod
// and says once each that events and Services were not readable.
func TestRBACDescribeWithoutEvents(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-rbac-events"
	require.NoError(t, cluster.EnsureNamespace(testContext(t), ns))
	seedTwoTask3Pods(t, ns)
	grantViewer(t, ns, "pods-only", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}})

	res := plugin(t, "--context", "viewer", "describe", "web-a", "-n", ns)
	require.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Contains(t, res.Stdout, "Pod "+ns+"/web-a")
	assert.Contains(t, res.Stdout, "shares emptyDir logs-vol with nginx")
	lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
	require.Len(t, lines, 2, "one line about events, one about Services: %s", res)
	assert.Contains(t, lines[0], "events")
	assert.Contains(t, lines[0], "forbidden")
	assert.Contains(t, lines[1], "roles weighed without Services")
	assert.Contains(t, lines[1], "forbidden")

	// The same rights without get on pods: a clear error, exit 1.
	res = plugin(t, "--context", "viewer", "describe", "web-a", "-n", "default")
	assert.Equal(t, 1, res.ExitCode, "%s", res)
	assert.Contains(t, res.Stderr, "forbidden")
}

// Allowed pods, and pods/log of web-a only: each container of web-b is named
// once; --ignore-errors prints web-a's lines and exits 0.
func TestRBACLogsOfOnePodOnly(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-rbac-logs"
	require.NoError(t, cluster.EnsureNamespace(testContext(t), ns))
	seedTwoTask3Pods(t, ns)
	grantViewer(t, ns, "pods-and-one-log",
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}, ResourceNames: []string{"web-a"}})

	for _, ignore := range []bool{false, true} {
		args := []string{"--context", "viewer", "logs", "-l", "app=web", "-n", ns}
		if ignore {
			args = append(args, "--ignore-errors")
		}
		res := plugin(t, args...)
		if ignore {
			require.Equal(t, 0, res.ExitCode, "%s", res)
			assert.Contains(t, res.Stdout, "web-a nginx up")
			assert.Contains(t, res.Stdout, "web-a sidecar up")
		} else {
			assert.Equal(t, 1, res.ExitCode, "%s", res)
		}
		assert.NotContains(t, res.Stdout, "web-b")
		assert.Equal(t, 1, strings.Count(res.Stderr, "warning: roles weighed without Services"),
			"no right to list Services: said once, as describe says it: %s", res)
		for _, c := range []string{"nginx", "sidecar"} {
			named := 0
			for _, l := range strings.Split(res.Stderr, "\n") {
				if strings.Contains(l, "web-b") && strings.Contains(l, c) && strings.Contains(l, "forbidden") {
					named++
				}
			}
			if ignore {
				assert.Equal(t, 1, named, "web-b/%s named once: %s", c, res)
			} else {
				assert.LessOrEqual(t, named, 1, "web-b/%s named at most once: %s", c, res)
			}
		}
	}
}

// Events, status messages and annotations carrying terminal sequences are
// printed escaped by describe and init, through the real API server.
func TestHostileTextIsEscaped(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-hostile"
	ctx := testContext(t)
	require.NoError(t, cluster.EnsureNamespace(ctx, ns))
	const evil = "\x1b]0;pwned\x07\x1b[2J\u009b31m\rX"
	p := lab.Task3Pod(ns)
	p.Name = "evil"
	p.Annotations = map[string]string{"note": evil}
	created, err := lab.Seed(ctx, cluster, p, time.Now().Add(-time.Minute), nil)
	require.NoError(t, err)
	cleanupPod(t, ns, "evil")
	_, err = cluster.UpdatePodStatus(ctx, ns, "evil", func(pod *corev1.Pod) {
		framework.WaitContainer(pod, "sidecar", "CrashLoopBackOff"+evil, "back-off "+evil)
		pod.Status.Message = "node " + evil
	})
	require.NoError(t, err)
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: "evil.", Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "evil", UID: created.UID, FieldPath: "spec.containers{sidecar}"},
		Type:           "Warning", Reason: "BackOff" + evil, Message: "Back-off " + evil, Count: 2,
		LastTimestamp: metav1.Now(), Source: corev1.EventSource{Component: "kubelet"},
	}
	_, err = cluster.Client.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{})
	require.NoError(t, err)

	for _, args := range [][]string{
		{"describe", "evil", "-n", ns, "--color", "always"},
		{"describe", "evil", "-n", ns, "-o", "json"},
		{"describe", "evil", "-n", ns, "-o", "yaml"},
		{"init", "evil", "-n", ns, "--color", "always", "--timeline"},
		{"init", "evil", "-n", ns, "-o", "json"},
	} {
		res := plugin(t, args...)
		require.Equal(t, 0, res.ExitCode, "%s", res)
		for i, r := range withoutOwnColours(res.Stdout + res.Stderr) {
			if r != '\n' && r != '\t' && unicode.IsControl(r) {
				t.Fatalf("%v: control character %U at %d:\n%s", args, r, i, res)
			}
		}
	}
	res := plugin(t, "describe", "evil", "-n", ns)
	assert.Contains(t, res.Stdout, `Back-off ^[]0;pwned\x07`, "the user sees what was there, escaped")
}

// withoutOwnColours removes the SGR sequences the plugin writes itself with
// --color always (ESC [ digits and ; then m), so that only foreign control
// characters remain to be found.
func withoutOwnColours(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';') {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
