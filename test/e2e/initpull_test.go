//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
)

// A cold node: the kubelet pulled busybox:1.28 for 58 s before init-index
// ran for 1 s. The Pulling/Pulled events are created through the API with
// the kubelet's reasons, messages and field paths; `init` shows the pull in
// the table, in the bar and in the verdict, and in -o json.
func TestInitShowsImagePull(t *testing.T) {
	requirePlugin(t)
	const ns, name = "e2e-init-pull", "nx"
	ctx := testContext(t)
	p := initPod(ns, name, "init-index")
	p.Spec.InitContainers[0].Image = "busybox:1.28"
	p.Spec.Containers[0].Image = "nginx:1.27"
	created, err := cluster.CreatePod(ctx, p)
	require.NoError(t, err)
	cleanupPod(t, ns, name)
	t0 := time.Now().Add(-2 * time.Minute).Truncate(time.Second)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	_, err = cluster.UpdatePodStatus(ctx, ns, name, func(p *corev1.Pod) {
		framework.SchedulePod(p, t0)
		framework.StartContainer(p, "init-index", at(59))
		framework.TerminateContainer(p, "init-index", 0, at(60))
		framework.StartContainer(p, "app", at(61))
		framework.SyncPodStatus(p, at(61))
	})
	require.NoError(t, err)

	event := func(container, path, reason, message string, when int) {
		t.Helper()
		e := &corev1.Event{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%s-%d", name, strings.ToLower(reason), when), Namespace: ns},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: ns, Name: name, UID: created.UID,
				FieldPath: fmt.Sprintf("%s{%s}", path, container)},
			Reason: reason, Message: message, Type: corev1.EventTypeNormal, Count: 1,
			FirstTimestamp: metav1.NewTime(at(when)), LastTimestamp: metav1.NewTime(at(when)),
			Source: corev1.EventSource{Component: "kubelet", Host: cluster.Node},
		}
		_, err := cluster.Client.CoreV1().Events(ns).Create(ctx, e, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	event("init-index", "spec.initContainers", "Pulling", `Pulling image "busybox:1.28"`, 1)
	event("init-index", "spec.initContainers", "Pulled", `Successfully pulled image "busybox:1.28" in 58.004s (58.004s including waiting). Image size: 728424 bytes.`, 59)
	event("app", "spec.containers", "Pulled", `Container image "nginx:1.27" already present on machine`, 60)

	t.Setenv("COLUMNS", "200")
	res := plugin(t, "init", name, "-n", ns, "--timeline")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	t.Logf("output:\n%s", res.Stdout)
	out := res.Stdout
	inOrder(t, out,
		`initialised in 60s, 58\.0s of it pulling busybox:1\.28 for "init-index"; "app" running\n`,
		`1/1\s+init-index\s+pull\s+-\s+pulled\s+\+1\.0s\s+\+59\.0s\s+58\.0s\s+-\s+busybox:1\.28\s+-\s+ ?▓+\s*\n`,
		`1/1\s+init-index\s+init\s+init\s+completed\s+\+59\.0s\s+\+60s\s+1\.0s`,
		`app\s+app\s+pull\s+-\s+present\s+.*nginx:1\.27 already present`,
		`▓ pulling`,
	)
	// The pull's bar covers most of the time before the init ran, the init's only its second.
	bars := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if i := strings.IndexAny(line, "█▓▒░"); i > 0 {
			f := strings.Fields(line)
			bars[f[1]+" "+f[2]] = strings.TrimSpace(line[i:])
		}
	}
	pull, run := []rune(bars["init-index pull"]), []rune(bars["init-index init"])
	require.NotEmpty(t, pull, "no pull bar:\n%s", out)
	require.NotEmpty(t, run, "no init bar:\n%s", out)
	assert.Greater(t, len(pull), 10*len(run), "the pull dwarfs the run:\n%s", out)

	res = plugin(t, "init", name, "-n", ns, "-o", "json")
	require.Equal(t, 0, res.ExitCode, "%s", res)
	var tl struct {
		Verdict string `json:"verdict"`
		Steps   []struct {
			Name        string   `json:"name"`
			PullSeconds *float64 `json:"pullSeconds"`
			Pull        *struct {
				Image          string `json:"image"`
				AlreadyPresent bool   `json:"alreadyPresent"`
			} `json:"pull"`
		} `json:"steps"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &tl), res.Stdout)
	require.Len(t, tl.Steps, 2)
	require.NotNil(t, tl.Steps[0].PullSeconds)
	assert.InDelta(t, 58, *tl.Steps[0].PullSeconds, 0.001)
	assert.Equal(t, "busybox:1.28", tl.Steps[0].Pull.Image)
	require.NotNil(t, tl.Steps[1].Pull)
	assert.True(t, tl.Steps[1].Pull.AlreadyPresent)
	assert.Nil(t, tl.Steps[1].PullSeconds)
}
