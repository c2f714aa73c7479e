//go:build e2e

package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus/statuscases"
)

// kubectl get pod --no-headers: NAME READY STATUS RESTARTS AGE, where
// RESTARTS may read "3 (10h ago)".
var podRow = regexp.MustCompile(`^(\S+)\s+(\S+)\s+(\S+)\s+(\d+(?: \(\S+ ago\))?)\s+(\S+)$`)

// holdFinalizer keeps a deleted pod in Terminating: no kubelet will confirm
// its end. DeletePod releases it.
const holdFinalizer = "e2e.pods-pattern.dev/hold"

// Every branch of kubectl 1.37's printPod (statuscases), stored in the real
// API server: kubectl get pod prints what the case says, and describe -o json
// prints the same STATUS, READY and RESTARTS.
func TestStatusMatchesKubectlOnEveryPrintPodBranch(t *testing.T) {
	requirePlugin(t)
	const ns = "e2e-podstatus"
	// Restarts in the cases are 10h20m and 30h old: kubectl prints "10h" and
	// "30h" for 40 minutes, so a slow run compares the same.
	for _, c := range statuscases.Cases(time.Now()) {
		t.Run(c.Pod.Name, func(t *testing.T) {
			storeStatusCase(t, ns, c)

			line := strings.TrimSpace(kubectl(t, "get", "pod", c.Pod.Name, "-n", ns, "--no-headers"))
			cols := podRow.FindStringSubmatch(line)
			require.NotNil(t, cols, "unexpected row %q", line)
			kubeReady, kubeStatus, kubeRestarts := cols[2], cols[3], cols[4]
			assert.Equal(t, c.Status, kubeStatus, "kubectl's STATUS, branch: %s", c.Branch)
			assert.Equal(t, c.Ready, kubeReady, "kubectl's READY, branch: %s", c.Branch)
			assert.Equal(t, c.Restarts, kubeRestarts, "kubectl's RESTARTS, branch: %s", c.Branch)

			res := plugin(t, "describe", c.Pod.Name, "-n", ns, "-o", "json")
			require.Equal(t, 0, res.ExitCode, "%s", res)
			var got struct {
				Status        string     `json:"status"`
				Ready         string     `json:"ready"`
				Restarts      int        `json:"restarts"`
				LastRestartAt *time.Time `json:"lastRestartAt"`
			}
			require.NoError(t, json.Unmarshal([]byte(res.Stdout), &got), "not JSON:\n%s", res.Stdout)
			sum := podstatus.Summary{Restarts: got.Restarts}
			if got.LastRestartAt != nil {
				sum.LastRestartAt = *got.LastRestartAt
			}
			assert.Equal(t, kubeStatus, got.Status, "describe's STATUS, branch: %s", c.Branch)
			assert.Equal(t, kubeReady, got.Ready, "describe's READY, branch: %s", c.Branch)
			assert.Equal(t, kubeRestarts, sum.RestartsString(time.Now()), "describe's RESTARTS, branch: %s", c.Branch)
		})
	}
}

// storeStatusCase creates the case's pod, writes its status through the
// status subresource as a kubelet would, and deletes it when the case is
// about a pod being deleted (a finalizer keeps it Terminating).
func storeStatusCase(t *testing.T, ns string, c statuscases.Case) {
	ctx := testContext(t)
	pod := c.Pod.DeepCopy()
	status := pod.Status
	deleting := pod.DeletionTimestamp != nil
	pod.Namespace, pod.DeletionTimestamp, pod.Status = ns, nil, corev1.PodStatus{}
	if deleting {
		pod.Finalizers = append(pod.Finalizers, holdFinalizer)
	}
	_, err := cluster.CreatePod(ctx, pod)
	require.NoError(t, err)
	cleanupPod(t, ns, pod.Name)
	_, err = cluster.UpdatePodStatus(ctx, ns, pod.Name, func(p *corev1.Pod) { p.Status = status })
	require.NoError(t, err)
	if deleting {
		zero := int64(0)
		require.NoError(t, cluster.Client.CoreV1().Pods(ns).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero}))
	}
}
