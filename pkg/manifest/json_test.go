package manifest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
)

// jsonList writes the fixtures as `kubectl get pods -o json` does: keys in
// order, so "items" comes before "kind".
func jsonList(t *testing.T, extra ...string) (string, []string) {
	var items, names []string
	for _, f := range testutil.Fixtures(t) {
		data, err := json.Marshal(f.Pod)
		require.NoError(t, err)
		items = append(items, string(data))
		names = append(names, f.Pod.Name)
	}
	items = append(items, extra...)
	return `{"apiVersion": "v1", "items": [` + strings.Join(items, ",\n") + `], "kind": "List", "metadata": {}}`, names
}

func podNames(pods []manifest.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Pod.Name)
	}
	return out
}

func TestJSONListIsReadItemByItem(t *testing.T) {
	src, names := jsonList(t, `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}`)
	pods, err := manifest.Decode(strings.NewReader(src), "list.json")
	require.NoError(t, err)
	assert.Equal(t, names, podNames(pods), "every pod, in order; the ConfigMap skipped")

	// The same List read as YAML gives the same pods, status and all.
	var generic map[string]any
	require.NoError(t, json.Unmarshal([]byte(src), &generic))
	asYAML, err := yaml.Marshal(generic)
	require.NoError(t, err)
	fromYAML, err := manifest.Decode(strings.NewReader(string(asYAML)), "list.yaml")
	require.NoError(t, err)
	require.Len(t, fromYAML, len(pods))
	for i := range pods {
		assert.Equal(t, fromYAML[i].Pod, pods[i].Pod, pods[i].Pod.Name)
	}
}

func TestJSONObjectsOneAfterAnother(t *testing.T) {
	pod := func(name string) string {
		data, _ := json.Marshal(corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app"}}}})
		return string(data)
	}
	pods, err := manifest.Decode(strings.NewReader("\n "+pod("a")+"\n"+pod("b")+`{"kind":"PodList","apiVersion":"v1","items":[`+pod("c")+"]}"), "pods.json")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, podNames(pods))
}

func TestJSONErrors(t *testing.T) {
	list, _ := jsonList(t)
	for name, tc := range map[string]struct{ src, want string }{
		"cut short":        {list[:len(list)/2], "list.json: document 1: "},
		"bad item":         {`{"kind": "List", "apiVersion": "v1", "items": [{"kind": "Pod", "apiVersion": "v1", "spec": {"containers": 3}}]}`, "item 0: "},
		"items not a list": {`{"kind": "List", "apiVersion": "v1", "items": {"a": 1}}`, "items: expected a list"},
		"no pods":          {`{"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x"}}`, "holds no pods"},
		"one item, none":   {`{"kind": "List", "apiVersion": "v1", "items": [{"kind": "Service", "apiVersion": "v1"}]}`, "holds no pods"},
		"empty list":       {`{"kind": "List", "apiVersion": "v1", "items": []}`, "no pods or workloads found"},
		"not an object":    {`{"kind": "List"} [1]`, "document 2: expected a JSON object"},
	} {
		_, err := manifest.Decode(strings.NewReader(tc.src), "list.json")
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), tc.want, name)
		}
	}
}

// BenchmarkDecodeJSONList reads a List of 2,000 pods as `kubectl get -o json` writes it.
func BenchmarkDecodeJSONList(b *testing.B) {
	fixtures := testutil.Fixtures(b)
	var items []string
	for i := 0; i < 2000; i++ {
		p := fixtures[i%len(fixtures)].Pod.DeepCopy()
		p.Name = fmt.Sprintf("%s-%d", p.Name, i)
		data, err := json.Marshal(p)
		require.NoError(b, err)
		items = append(items, string(data))
	}
	src := `{"apiVersion":"v1","items":[` + strings.Join(items, ",") + `],"kind":"List"}`
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		pods, err := manifest.Decode(strings.NewReader(src), "list.json")
		require.NoError(b, err)
		require.Len(b, pods, 2000)
	}
}
