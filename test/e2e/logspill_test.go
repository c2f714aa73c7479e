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
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

// 600 streams without -f at the default --max-log-requests (50): read in
// turns, every line comes once and in time order. kubectl and stern refuse.
func TestLogsSixHundredStreamsAtTheDefaultLimit(t *testing.T) {
	requirePlugin(t)
	const (
		ns         = "e2e-logs-spill"
		pods       = 12
		containers = 50
		lines      = 5
	)
	ctx := testContext(t)
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	for p := range pods {
		name := fmt.Sprintf("many-%02d", p)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "many"}},
			Spec:       corev1.PodSpec{NodeName: cluster.Node},
		}
		for c := range containers {
			pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%02d", c), Image: "busybox"})
		}
		_, err := lab.Seed(ctx, cluster, pod, start, func(pod *corev1.Pod) error {
			for c := range containers {
				var ls []framework.LogLine
				for j := range lines {
					k := j*pods*containers + p*containers + c // the line's place in the merged stream
					ls = append(ls, framework.LogLine{Time: start.Add(time.Duration(k) * time.Millisecond), Text: fmt.Sprintf("line %d", k)})
				}
				if err := cluster.WriteLog(ns, pod.Name, fmt.Sprintf("c%02d", c), ls...); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err)
		cleanupPod(t, ns, name)
	}

	res := plugin(t, "logs", "-l", "app=many", "-n", ns, "-o", "json")
	require.Equal(t, 0, res.ExitCode, "%s", res.Stderr)
	assert.Empty(t, res.Stderr)
	out := strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n")
	require.Len(t, out, pods*containers*lines)
	for k, l := range out {
		var got struct{ Pod, Container, Message string }
		require.NoError(t, json.Unmarshal([]byte(l), &got), l)
		want := fmt.Sprintf("many-%02d c%02d line %d", (k/containers)%pods, k%containers, k)
		require.Equal(t, want, got.Pod+" "+got.Container+" "+got.Message, "line %d", k)
	}

	// Following cannot take turns: the error names the number needed.
	res = plugin(t, "logs", "-l", "app=many", "-n", ns, "-f")
	assert.Equal(t, 1, res.ExitCode)
	assert.Contains(t, res.Stderr, "this needs 600 log streams, more than --max-log-requests=50: raise it to 600")
}
