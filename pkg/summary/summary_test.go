package summary

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

func TestPatternOfFixtures(t *testing.T) {
	want := map[string]string{
		"seed/task1-nx":                             "app",
		"seed/task2-nx-initfail":                    "init → app",
		"real-world/istio-native-sidecar":           "init → app + native sidecar(istio-proxy) + native sidecar(other-sidecar)",
		"real-world/cloud-sql-proxy-native-sidecar": "app + native ambassador(cloud-sql-proxy)",
		"real-world/redis-exporter-adapter":         "app + adapter(redis-exporter)",
		// A helper no rule knows is named by its role only.
		"real-world/k8s-docs-native-sidecar-job": "app + native sidecar",
	}
	seen := 0
	for _, f := range testutil.Fixtures(t) {
		w, ok := want[f.Name]
		if !ok {
			continue
		}
		seen++
		r := report.Build(f.Pod, nil, classify.BuiltinRules())
		assert.Equal(t, w, Pattern(&r), f.Name)
	}
	assert.Equal(t, len(want), seen)
}

func TestWorkloadOf(t *testing.T) {
	yes := true
	pod := func(kind, name string, labels map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{Kind: kind, Name: name, Controller: &yes}}}}
	}
	assert.Equal(t, Workload{"Deployment", "web"}, WorkloadOf(pod("ReplicaSet", "web-7d9f", map[string]string{"pod-template-hash": "7d9f"}), nil))
	// A ReplicaSet of its own (no template hash) stays a ReplicaSet.
	assert.Equal(t, Workload{"ReplicaSet", "web-7d9f"}, WorkloadOf(pod("ReplicaSet", "web-7d9f", nil), nil))
	assert.Equal(t, Workload{"CronJob", "backup"}, WorkloadOf(pod("Job", "backup-1", nil), map[string]string{"backup-1": "backup"}))
	assert.Equal(t, Workload{"Job", "once"}, WorkloadOf(pod("Job", "once", nil), map[string]string{"backup-1": "backup"}))
	assert.Equal(t, Workload{"StatefulSet", "db"}, WorkloadOf(pod("StatefulSet", "db", nil), nil))
	assert.Equal(t, Workload{"Pod", "p"}, WorkloadOf(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}}, nil))
}
