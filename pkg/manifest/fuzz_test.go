package manifest_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
)

// FuzzDecode: whatever the bytes, Decode returns pods or an error, never a
// panic, and every pod it returns is a pod (no nil).
func FuzzDecode(f *testing.F) {
	for _, fx := range testutil.Fixtures(f) {
		data, err := os.ReadFile(fx.Path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("---\n---\nkind: List\nitems: [{kind: Pod}]\n"))
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {containers: [{name: a}]}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pods, err := manifest.Decode(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for i, p := range pods {
			if p.Pod == nil {
				t.Fatalf("pod %d is nil", i)
			}
		}
	})
}
