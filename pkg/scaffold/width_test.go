package scaffold_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/scaffold"
)

// withoutComments is a manifest's YAML with its comment lines left out.
func withoutComments(out []byte) string {
	var kept []string
	for _, l := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(strings.TrimLeft(l, " "), "#") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

// --explain on terminals of 80, 100 and 120 columns: every note ends by the
// last column, and only the comments differ from the piped manifest (the
// golden files of TestGoldenPatternKind, wrapped as they always were).
func TestExplainFitsTheTerminal(t *testing.T) {
	cases := map[string]scaffold.Options{
		"sidecar-deployment":    {Pattern: scaffold.PatternSidecar, Name: "web", Kind: scaffold.KindDeployment},
		"ambassador-cronjob":    {Pattern: scaffold.PatternAmbassador, Name: "web", Kind: scaffold.KindCronJob},
		"native-sidecar-job":    {Pattern: scaffold.PatternNativeSidecar, Name: "web", Kind: scaffold.KindJob},
		"adapter-statefulset":   {Pattern: scaffold.PatternAdapter, Name: "web", Kind: scaffold.KindStatefulSet},
		"init-deployment-piped": {Pattern: scaffold.PatternInit, Name: "web", Kind: scaffold.KindDeployment},
	}
	for name, o := range cases {
		res, err := scaffold.Build(o)
		require.NoError(t, err)
		piped, err := scaffold.RenderWidth(res.Objects, "yaml", true, 0)
		require.NoError(t, err)
		plain, err := scaffold.Render(res.Objects, "yaml", true)
		require.NoError(t, err)
		assert.Equal(t, string(plain), string(piped), "not a terminal: the notes as they always were")
		for _, width := range []int{80, 100, 120} {
			t.Run(fmt.Sprintf("%s/%d", name, width), func(t *testing.T) {
				out, err := scaffold.RenderWidth(res.Objects, "yaml", true, width)
				require.NoError(t, err)
				golden(t, fmt.Sprintf("width/%s.%d.yaml", name, width), out)
				assert.Equal(t, withoutComments(piped), withoutComments(out), "only the comments are wrapped")
				for _, l := range strings.Split(string(out), "\n") {
					if strings.HasPrefix(strings.TrimLeft(l, " "), "#") {
						assert.LessOrEqual(t, len([]rune(l)), width, "note wider than the terminal: %q", l)
					}
				}
				assert.NotContains(t, string(out), "\uE000", "no marker is left")
			})
		}
	}
}

// Injected helpers' notes fit too, and the user's own comments stay as written.
func TestInjectExplainFitsTheTerminal(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "to", "deployment.yaml"))
	require.NoError(t, err)
	o := scaffold.Options{Pattern: scaffold.PatternAdapter, Name: "web", Kind: scaffold.KindDeployment, CommentWidth: 80}
	res, err := scaffold.Inject(src, "deployment.yaml", o, true, true)
	require.NoError(t, err)
	golden(t, "width/to-deployment-adapter-explain.80.yaml", res.Manifest)
	onlyAdds(t, src, res.Manifest)
	for _, l := range strings.Split(string(res.Manifest), "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " "), "#") && !strings.Contains(string(src), l) {
			assert.LessOrEqual(t, len([]rune(l)), 80, "note wider than the terminal: %q", l)
		}
	}
}
