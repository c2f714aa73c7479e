package printers_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./pkg/printers -update to create %s", path)
	assert.Equal(t, string(want), string(got))
}

func TestDescribeFixturesGolden(t *testing.T) {
	for _, f := range testutil.Fixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			r := report.Build(f.Pod, nil, classify.BuiltinRules())
			var human, js bytes.Buffer
			require.NoError(t, printers.Describe(&human, []report.Pod{r}, printers.DescribeOptions{Now: now}))
			require.NoError(t, printers.PrintList(&js, "json", []report.Pod{r}))
			golden(t, "describe/"+f.Name+".txt", human.Bytes())
			golden(t, "describe/"+f.Name+".json", js.Bytes())
			out := human.String()
			assert.Contains(t, out, f.Expected.Status+"   "+f.Expected.Ready+" ready")
			assert.NotContains(t, out, "\x1b[", "no colour unless asked")
		})
	}
}

func TestDescribeColourAndEscaping(t *testing.T) {
	f := testutil.Fixtures(t)[0]
	r := report.Build(f.Pod, nil, classify.BuiltinRules())
	r.Containers[0].Reasons = []string{"evil \x1b]0;pwned\x07 title"}
	var out bytes.Buffer
	require.NoError(t, printers.Describe(&out, []report.Pod{r}, printers.DescribeOptions{Color: printers.Painter{Enabled: true}, Now: now}))
	s := out.String()
	assert.Contains(t, s, "\x1b[1;32m"+r.Main+"\x1b[0m", "main is bold green")
	assert.Contains(t, s, `evil ^[]0;pwned\x07 title`)
	assert.NotContains(t, s, "\x1b]0")
}

func TestSanitize(t *testing.T) {
	cases := map[string]string{
		"plain text\twith tab": "plain text\twith tab",
		"\x1b[2J clear":        "^[[2J clear",
		"bell\x07":             `bell\x07`,
		"cr\rlf\n":             `cr\rlf\n`,
		"c1 \u009b31m":         `c1 \x9b31m`,
		"del\x7f":              `del\x7f`,
		"ünïcode ✓":            "ünïcode ✓",
		"stray \x9b[2J byte":   `stray \x9b[2J byte`,
		"bad \xff utf8":        `bad \xff utf8`,
	}
	for in, want := range cases {
		assert.Equal(t, want, printers.Sanitize(in), in)
	}
}

func TestUseColor(t *testing.T) {
	var buf bytes.Buffer
	on, err := printers.UseColor("always", &buf)
	require.NoError(t, err)
	assert.True(t, on)
	on, err = printers.UseColor("auto", &buf)
	require.NoError(t, err)
	assert.False(t, on, "a buffer is not a terminal")
	_, err = printers.UseColor("sometimes", &buf)
	assert.ErrorContains(t, err, "--color must be one of auto, always, never")
}

func TestPrintListShapes(t *testing.T) {
	items := []map[string]int{{"a": 1}, {"b": 2}}
	var js, ym bytes.Buffer
	require.NoError(t, printers.PrintList(&js, "json", items))
	require.NoError(t, printers.PrintList(&ym, "yaml", items))
	assert.True(t, strings.HasPrefix(js.String(), "["))
	assert.Contains(t, ym.String(), "kind: List")
	assert.Error(t, printers.ValidateOutput("wide"), "version has no view to widen")
	assert.NoError(t, printers.ValidateViewOutput("wide"))
	assert.Error(t, printers.ValidateViewOutput("table"))
}

// Whatever a container prints, the escaped text holds no control character.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[31mred", "\x9b2J", "a\xffb", "\u009b", "tab\there\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := printers.Sanitize(s)
		for i := 0; i < len(out); {
			r, size := utf8.DecodeRuneInString(out[i:])
			if (r < 0x20 && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r == utf8.RuneError && size == 1) {
				t.Fatalf("Sanitize(%q) = %q keeps %q", s, out, out[i:i+size])
			}
			i += size
		}
	})
}

// Ages read as kubectl get prints them (apimachinery's HumanDuration):
// hours and minutes below 8h, days and hours below 8d, years past two.
func TestDescribeAgesLikeKubectl(t *testing.T) {
	f := testutil.Fixtures(t)[0]
	for since, want := range map[time.Duration]string{
		90 * time.Second:              "age 90s",
		5*time.Hour + 7*time.Minute:   "age 5h7m",
		50 * time.Hour:                "age 2d2h",
		(3*365 + 20) * 24 * time.Hour: "age 3y20d",
		-time.Hour:                    "age <invalid>",
	} {
		r := report.Build(f.Pod, nil, classify.BuiltinRules())
		started := now.Add(-since)
		r.StartedAt = &started
		var out bytes.Buffer
		require.NoError(t, printers.Describe(&out, []report.Pod{r}, printers.DescribeOptions{Now: now}))
		head, _, _ := strings.Cut(out.String(), "\n")
		assert.Contains(t, head, "   "+want+"   ", since)
	}
}

func TestEscapeC1KeepsTheJSONValue(t *testing.T) {
	in, err := json.Marshal(map[string]string{"a": "x\u009b31my\u0085é\u00a0"})
	require.NoError(t, err)
	out := printers.EscapeC1(in)
	assert.NotContains(t, string(out), "\u009b")
	assert.Contains(t, string(out), `\u009b`)
	var back map[string]string
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, "x\u009b31my\u0085é\u00a0", back["a"])
}
