package manifest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
)

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
`

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
`

// A ConfigMap beside a workload is skipped; alone it is an error that says
// which kinds hold pods.
func TestDecodeSkipsObjectsWithoutPods(t *testing.T) {
	pods, err := manifest.Decode(strings.NewReader(configMap+"---\n"+deployment), "f.yaml")
	require.NoError(t, err)
	require.Len(t, pods, 1)
	assert.Equal(t, "deployment/web template", pods[0].Source)

	_, err = manifest.Decode(strings.NewReader(configMap), "f.yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "f.yaml: document 1: ConfigMap")
	assert.Contains(t, err.Error(), "holds no pods")

	_, err = manifest.Decode(strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n"), "bad.yaml")
	assert.Error(t, err, "a broken document is still an error")
}
