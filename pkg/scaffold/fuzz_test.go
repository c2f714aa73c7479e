package scaffold_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/scaffold"
)

// FuzzInject: scaffold --to on arbitrary YAML either refuses with a message
// or writes a manifest that still parses and keeps every input line.
func FuzzInject(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "to", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "web", uint8(0))
	}
	f.Add([]byte("kind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: web\n    image: nginx\n"), "web", uint8(2))
	patterns := []scaffold.Pattern{scaffold.PatternInit, scaffold.PatternSidecar, scaffold.PatternNativeSidecar, scaffold.PatternAdapter, scaffold.PatternAmbassador}
	f.Fuzz(func(t *testing.T, src []byte, name string, pattern uint8) {
		o := scaffold.Options{Pattern: patterns[int(pattern)%len(patterns)], Name: name}
		res, err := scaffold.Inject(src, "fuzz.yaml", o, false, false)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if _, err := manifest.Decode(bytes.NewReader(res.Manifest), "out"); err != nil {
			t.Fatalf("the output does not parse: %v\n%s", err, res.Manifest)
		}
		for _, w := range res.Warnings {
			if strings.Contains(w, "flow style") {
				return // re-written whole, and the user is told
			}
		}
		onlyAdds(t, src, res.Manifest)
	})
}
