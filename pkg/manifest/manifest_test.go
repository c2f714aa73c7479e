package manifest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {kubectl.kubernetes.io/default-container: app}
    spec:
      initContainers:
      - name: migrate
        image: example/migrate
      containers:
      - name: app
        image: example/web
`

func TestWorkloadsListsAndDocuments(t *testing.T) {
	job := strings.NewReplacer("apps/v1", "batch/v1", "Deployment", "Job", "name: web", "name: once").Replace(deployment)
	list := `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
  spec: {containers: [{name: c, image: x}]}
- apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: db}
  spec:
    serviceName: db
    selector: {matchLabels: {app: db}}
    template:
      metadata: {labels: {app: db}}
      spec: {containers: [{name: db, image: postgres}]}
`
	src := "# leading comment\n---\n" + deployment + "---\n" + job + "---\n" + list + "---\n"
	pods, err := manifest.Decode(strings.NewReader(src), "mixed.yaml")
	require.NoError(t, err)
	require.Len(t, pods, 4)
	assert.Equal(t, "deployment/web template", pods[0].Source)
	assert.Equal(t, "web", pods[0].Pod.Name)
	assert.Equal(t, "shop", pods[0].Pod.Namespace)
	assert.Equal(t, "app", pods[0].Pod.Annotations["kubectl.kubernetes.io/default-container"])
	assert.Equal(t, "migrate", pods[0].Pod.Spec.InitContainers[0].Name)
	assert.Equal(t, "job/once template", pods[1].Source)
	assert.Equal(t, "", pods[2].Source)
	assert.Equal(t, "a", pods[2].Pod.Name)
	assert.Equal(t, "statefulset/db template", pods[3].Source)
}

func TestCronJobAndJSON(t *testing.T) {
	cron := `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly"},"spec":{"schedule":"0 0 * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"run","image":"x"}]}}}}}}`
	pods, err := manifest.Decode(strings.NewReader(cron), "cron.json")
	require.NoError(t, err)
	require.Len(t, pods, 1)
	assert.Equal(t, "cronjob/nightly template", pods[0].Source)
	assert.Equal(t, "run", pods[0].Pod.Spec.Containers[0].Name)
}

func TestFixturesKeepTheirStatus(t *testing.T) {
	f, err := os.Open(testutil.FixturesDir() + "/seed/task2-nx-initfail.yaml")
	require.NoError(t, err)
	defer f.Close()
	pods, err := manifest.Decode(f, "task2")
	require.NoError(t, err)
	require.Len(t, pods, 1)
	assert.Equal(t, "CrashLoopBackOff", pods[0].Pod.Status.InitContainerStatuses[0].State.Waiting.Reason)
}

func TestErrors(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"malformed yaml":  {"apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n", "bad.yaml: document 1: yaml: line 4"},
		"second document": {deployment + "---\nkind: Pod\n  bad: indent\n", "bad.yaml: document 2: yaml: line 21"},
		"no kind":         {"metadata: {name: x}\n", "bad.yaml: document 1: object has no kind"},
		"not a workload":  {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\n", "Service holds no pods"},
		"unknown kind":    {"apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", `Widget "example.com/v1" holds no pods`},
		"empty":           {"# nothing here\n", "bad.yaml: no pods or workloads found"},
	}
	for name, c := range cases {
		_, err := manifest.Decode(strings.NewReader(c.src), "bad.yaml")
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
}

// A ConfigMap or Service beside a workload is skipped (scaffold writes such
// files, and so do people); alone it is still an error that says why.
func TestDecodeSkipsObjectsWithoutPods(t *testing.T) {
	configMap := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n"
	pods, err := manifest.Decode(strings.NewReader(configMap+"---\n"+deployment), "f.yaml")
	require.NoError(t, err)
	require.Len(t, pods, 1)
	assert.Equal(t, "deployment/web template", pods[0].Source)

	list := `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}},` +
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}]}}]}`
	pods, err = manifest.Decode(strings.NewReader(list), "list.json")
	require.NoError(t, err)
	require.Len(t, pods, 1)

	_, err = manifest.Decode(strings.NewReader(configMap), "f.yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "f.yaml: document 1: ConfigMap holds no pods")
}
