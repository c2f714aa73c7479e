package printers_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/inittimeline"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// terminalWidths are the terminals people debug in: a split pane, a laptop, a wide window.
var terminalWidths = []int{80, 100, 120}

// assertFits fails for every line of out wider than width.
func assertFits(t *testing.T, out string, width int) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		assert.LessOrEqual(t, twwidth.Width(line), width, "wider than %d columns: %q", width, line)
	}
}

func TestElideMiddle(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  string
	}{
		{"busybox:1.36", 20, "busybox:1.36"},
		{"quay.io/prometheuscommunity/postgres-exporter:v0.15.0", 20, "quay.io/pr…r:v0.15.0"},
		{"waiting (CrashLoopBackOff)", 9, "wait…Off)"},
		{"abc", 1, "…"},
		{"ünïcödé-names", 7, "ünï…mes"},
	}
	for _, c := range cases {
		got := printers.ElideMiddle(c.in, c.width)
		assert.Equal(t, c.want, got, c.in)
		assert.LessOrEqual(t, twwidth.Width(got), c.width)
	}
	painted := printers.Painter{Enabled: true}.Paint("waiting (CrashLoopBackOff)", "31")
	assert.Equal(t, "\x1b[31mwait…Off)\x1b[0m", printers.ElideMiddle(painted, 9), "the colour stays around the cut text")
}

func TestWrapText(t *testing.T) {
	assert.Equal(t, []string{"one two", "three", "four"}, printers.WrapText("one two three four", 7))
	assert.Equal(t, []string{"abcde", "fgh i"}, printers.WrapText("abcdefgh i", 5), "a word longer than a line is cut")
	assert.Equal(t, []string{"one two three"}, printers.WrapText("one two three", 0), "no width, no wrapping")
	assert.Equal(t, []string{""}, printers.WrapText("", 10))
}

func TestWriteHanging(t *testing.T) {
	var out bytes.Buffer
	printers.WriteHanging(&out, 34, "  nginx  ", "the only container; exposes port 80; shares emptyDir logs")
	assert.Equal(t, ""+
		"  nginx  the only container;\n"+
		"         exposes port 80; shares\n"+
		"         emptyDir logs\n", out.String(), "continuation lines start under the text")

	out.Reset()
	printers.WriteHanging(&out, 30, "  a-very-long-container-name  ", "the only container; exposes port 80")
	assert.Equal(t, ""+
		"  a-very-long-container-name\n"+
		"    the only container;\n"+
		"    exposes port 80\n", out.String(), "a prefix that leaves no room puts the text under it")

	out.Reset()
	printers.WriteHanging(&out, 0, "  nginx  ", "never wrapped when the width is unknown, however long the line is")
	assert.Equal(t, "  nginx  never wrapped when the width is unknown, however long the line is\n", out.String())
}

func TestWriteFields(t *testing.T) {
	what, where := []string{"Pod default/nx", "Running", "1/1 ready"}, []string{"node lab-worker", "age 5d"}
	one := append(append([]string{}, what...), where...)
	var out bytes.Buffer
	printers.WriteFields(&out, 80, "   ", one, [][]string{what, where})
	assert.Equal(t, "Pod default/nx   Running   1/1 ready   node lab-worker   age 5d\n", out.String())

	out.Reset()
	printers.WriteFields(&out, 40, "   ", one, [][]string{what, where})
	assert.Equal(t, "Pod default/nx   Running   1/1 ready\n  node lab-worker   age 5d\n", out.String())

	out.Reset()
	printers.WriteFields(&out, 22, "   ", one, [][]string{append(what[:1:1], where...), what[1:]}, [][]string{what, where})
	assert.Equal(t, "Pod default/nx\n  Running   1/1 ready\n  node lab-worker\n  age 5d\n", out.String(),
		"no layout fits: the last, never broken in the middle of a field")

	out.Reset()
	printers.WriteFields(&out, 45, "   ", one, [][]string{append(what[:2:2], where...), what[2:]}, [][]string{what, where})
	assert.Equal(t, "Pod default/nx   Running   1/1 ready\n  node lab-worker   age 5d\n", out.String(), "the first layout that fits")
}

func TestWriteTableGivesWayInOrder(t *testing.T) {
	cols := []printers.Column{
		{Header: "NAME"},
		{Header: "IMAGE", Short: func(s string) string { return strings.TrimPrefix(s, "registry.example.com/") }, ShortAt: 2, DropAt: 3, Elide: true},
		{Header: "STATE", Elide: true},
		{Header: "PORTS", DropAt: 1},
	}
	rows := [][]string{{"checkout-api", "registry.example.com/apps/checkout:2.14.0", "waiting (CrashLoopBackOff)", "8080/TCP,9090/TCP"}}
	render := func(width int) string {
		var out bytes.Buffer
		require.NoError(t, printers.WriteTable(&out, width, "", cols, rows))
		return out.String()
	}
	full := render(0)
	assert.Contains(t, full, "PORTS")
	assert.Contains(t, full, "registry.example.com/apps/checkout:2.14.0")
	assert.Equal(t, full, render(200), "a table that fits is left alone")

	noPorts := render(len(strings.Split(full, "\n")[0]) - 1)
	assert.NotContains(t, noPorts, "PORTS", "PORTS goes first")
	assert.Contains(t, noPorts, "registry.example.com/apps/checkout:2.14.0")

	assert.Contains(t, render(80), "apps/checkout:2.14.0", "then the registry")
	assert.NotContains(t, render(80), "registry.example.com")

	narrow := render(44)
	assert.NotContains(t, narrow, "IMAGE", "then the image")
	assert.Contains(t, narrow, "checkout-api   waiting (CrashLoopBackOff)")

	assert.Contains(t, render(40), "checkout-api  waiting (CrashLoopBackOff)", "then the columns come closer")

	narrowest := render(30)
	assert.Contains(t, narrowest, "checkout-api  waiting …ackOff)", "then long cells lose their middle")
	assertFits(t, narrowest, 30)

	tiny := render(10)
	assert.Contains(t, tiny, "checkout-api", "a name is never cut, even past the width")
	assert.NotContains(t, rows[0][1], "…", "the caller's rows are not changed")
}

func TestWriteTableWrapsLastColumn(t *testing.T) {
	cols := []printers.Column{{Header: "TYPE"}, {Header: "REASON"}, {Header: "MESSAGE", Wrap: true}}
	rows := [][]string{{"Warning", "BackOff", "Back-off restarting failed container git-sync in pod checkout"}, {"Normal", "Pulled", "ok"}}
	var out bytes.Buffer
	require.NoError(t, printers.WriteTable(&out, 50, "  ", cols, rows))
	assert.Equal(t, ""+
		"  TYPE      REASON    MESSAGE\n"+
		"  Warning   BackOff   Back-off restarting failed\n"+
		"                      container git-sync in pod\n"+
		"                      checkout\n"+
		"  Normal    Pulled    ok\n", out.String())
}

func TestTerminalWidth(t *testing.T) {
	t.Setenv("COLUMNS", "")
	var buf bytes.Buffer
	assert.Equal(t, 0, printers.TerminalWidth(&buf), "not a terminal: full tables")
	t.Setenv("COLUMNS", "90")
	assert.Equal(t, 90, printers.TerminalWidth(&buf), "$COLUMNS asks for a width")
	assert.True(t, printers.Structured("json"))
	assert.False(t, printers.Structured("wide"))
	assert.False(t, printers.Structured(""))
}

// sixContainers is the pod of issue 17 with two events, one of them long.
func sixContainers(t *testing.T) report.Pod {
	p := testutil.LoadPod(t, filepath.Join("testdata", "width", "six-containers.yaml"))
	at := metav1.NewTime(now.Add(-3 * time.Hour))
	ref := func(c string) corev1.ObjectReference {
		return corev1.ObjectReference{Kind: "Pod", Name: p.Name, Namespace: p.Namespace, FieldPath: "spec.containers{" + c + "}"}
	}
	events := []corev1.Event{
		{Type: "Warning", Reason: "BackOff", Count: 4, LastTimestamp: at, InvolvedObject: ref("git-sync"),
			Message: "Back-off restarting failed container git-sync in pod checkout-7d9f8b6c5d-x2x7q_payments(5f0c7a52-3c55-4f2e-9d8b-6c1f2a9e0b11)"},
		{Type: "Normal", Reason: "Pulled", LastTimestamp: at, InvolvedObject: ref("git-sync"),
			Message: `Successfully pulled image "registry.k8s.io/git-sync/git-sync:v4.2.3" in 1.204s (1.204s including waiting). Image size: 24170392 bytes.`},
	}
	return report.Build(p, events, classify.BuiltinRules())
}

// Each width has its golden file; piped output (width 0) keeps the full
// tables of describe/*.txt, which TestDescribeFixturesGolden pins.
func TestDescribeWidthsGolden(t *testing.T) {
	pods := map[string]report.Pod{"six-containers": sixContainers(t)}
	for _, name := range []string{"seed/task2-nx-initfail", "real-world/istio-native-sidecar", "real-world/vault-agent-injected"} {
		pods[filepath.Base(name)] = report.Build(testutil.LoadPod(t, filepath.Join(testutil.FixturesDir(), name+".yaml")), nil, classify.BuiltinRules())
	}
	for name, p := range pods {
		var piped bytes.Buffer
		require.NoError(t, printers.Describe(&piped, []report.Pod{p}, printers.DescribeOptions{Now: now}))
		for _, width := range terminalWidths {
			t.Run(fmt.Sprintf("%s/%d", name, width), func(t *testing.T) {
				var out bytes.Buffer
				require.NoError(t, printers.Describe(&out, []report.Pod{p}, printers.DescribeOptions{Now: now, Width: width}))
				golden(t, fmt.Sprintf("width/describe-%s.%d.txt", name, width), out.Bytes())
				assertFits(t, out.String(), width)
				for _, ct := range p.Containers {
					assert.Contains(t, out.String(), ct.Name, "the container's name is never cut")
				}
			})
		}
		if name == "six-containers" {
			golden(t, "width/describe-six-containers.piped.txt", piped.Bytes())
			assert.Contains(t, piped.String(), "15090/TCP,15021/TCP", "piped output keeps every column")
			assert.Contains(t, piped.String(), "europe-west1-docker.pkg.dev/payments-prod/apps/checkout-api:2.14.0-rc.1")
		}
	}
}

// Every fixture, not only the golden ones, fits each width.
func TestDescribeFixturesFit(t *testing.T) {
	for _, f := range testutil.Fixtures(t) {
		r := report.Build(f.Pod, nil, classify.BuiltinRules())
		for _, width := range terminalWidths {
			var out bytes.Buffer
			require.NoError(t, printers.Describe(&out, []report.Pod{r}, printers.DescribeOptions{Now: now, Width: width,
				Color: printers.Painter{Enabled: true}}))
			t.Run(fmt.Sprintf("%s/%d", f.Name, width), func(t *testing.T) { assertFits(t, out.String(), width) })
		}
	}
}

// init at each width, with the bars (--timeline) and without
// (--timeline=false), and piped (no width: the full table, no bars).
func TestInitWidthsGolden(t *testing.T) {
	for _, c := range initCases {
		tl := timelinePod(t, filepath.Join(testutil.RepoRoot(), c.path), c.now)
		var piped bytes.Buffer
		require.NoError(t, printers.InitTimelines(&piped, []inittimeline.Timeline{tl}, nil, printers.InitOptions{}))
		golden(t, fmt.Sprintf("width/init-%s.piped.txt", c.name), piped.Bytes())
		assert.NotContains(t, piped.String(), "TIMELINE", "no bars in a pipe unless asked for")
		assert.Contains(t, piped.String(), "FINISHED", "the full table in a pipe")
		for _, width := range terminalWidths {
			for mode, timeline := range map[string]printers.TimelineMode{"bars": printers.TimelineOn, "nobars": printers.TimelineOff} {
				t.Run(fmt.Sprintf("%s/%d/%s", c.name, width, mode), func(t *testing.T) {
					var out bytes.Buffer
					require.NoError(t, printers.InitTimelines(&out, []inittimeline.Timeline{tl}, nil,
						printers.InitOptions{Width: width, Timeline: timeline}))
					golden(t, fmt.Sprintf("width/init-%s.%d.%s.txt", c.name, width, mode), out.Bytes())
					assertFits(t, out.String(), width)
					if mode == "bars" {
						// From the pod's start, or from its creation when the wait for a node shows.
						assert.Regexp(t, `timeline (\+0\.0s|-[0-9.]+s) to`, out.String())
					}
					for i := range tl.Steps {
						assert.Contains(t, out.String(), tl.Steps[i].Name, "the container's name is never cut")
					}
				})
			}
		}
	}
}

// A cell shortened before a column was dropped gets its long form back when
// the drop left room for it.
func TestWriteTableGivesBackWhatFits(t *testing.T) {
	cols := []printers.Column{
		{Header: "NAME"},
		{Header: "RESTARTS", Short: func(s string) string { n, _, _ := strings.Cut(s, " "); return n }, ShortAt: 1},
		{Header: "IMAGE", DropAt: 2},
	}
	rows := [][]string{{"git-sync", "1 (last Error 1)", "registry.k8s.io/git-sync/git-sync:v4.2.3"}}
	var out bytes.Buffer
	require.NoError(t, printers.WriteTable(&out, 40, "", cols, rows))
	assert.Equal(t, "NAME       RESTARTS\ngit-sync   1 (last Error 1)\n", out.String())
}

func TestWriteTableRejectsRaggedRows(t *testing.T) {
	var out bytes.Buffer
	err := printers.WriteTable(&out, 80, "", []printers.Column{{Header: "A"}, {Header: "B"}}, [][]string{{"a"}})
	assert.EqualError(t, err, "table row 1 has 1 cells for 2 columns")
}

// Whatever a cell holds, cutting it leaves it no wider than asked, and
// wrapping text leaves no line wider than the width and every word in order.
func FuzzElideAndWrap(f *testing.F) {
	for _, s := range []string{"waiting (CrashLoopBackOff)", "ünïcödé 名前 wide", "", "a b  c", "\x1b[31mred\x1b[0m"} {
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		if width < 1 || width > 500 {
			return
		}
		s = printers.Sanitize(s)
		if got := printers.ElideMiddle(s, width); twwidth.Width(got) > max(width, 2) && twwidth.Width(s) > width {
			t.Fatalf("ElideMiddle(%q, %d) = %q is %d wide", s, width, got, twwidth.Width(got))
		}
		lines := printers.WrapText(s, width)
		for _, l := range lines {
			if twwidth.Width(l) > max(width, 2) {
				t.Fatalf("WrapText(%q, %d) line %q is %d wide", s, width, l, twwidth.Width(l))
			}
		}
		if strings.Join(strings.Fields(strings.Join(lines, "")), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("WrapText(%q, %d) = %q lost or moved text", s, width, lines)
		}
	})
}

// A watch line too long for the terminal goes on under its text, not under the time.
func TestInitChangesWrapUnderTheirText(t *testing.T) {
	tl := timelinePod(t, filepath.Join(testutil.RepoRoot(), "pkg/inittimeline/testdata/init-crashloop.yaml"), "2026-03-02T11:02:00Z")
	changes := []inittimeline.Change{{Step: "migrate", Label: `init 2/3 "migrate"`,
		What: "waiting: CrashLoopBackOff: back-off 1m20s restarting failed container=migrate pod=api-5f6b8_shop(8d1c)"}}
	var piped, narrow bytes.Buffer
	printers.InitChanges(&piped, &tl, changes, printers.InitOptions{})
	printers.InitChanges(&narrow, &tl, changes, printers.InitOptions{Width: 80})
	assert.Equal(t, `          init 2/3 "migrate"       waiting: CrashLoopBackOff: back-off 1m20s restarting failed container=migrate pod=api-5f6b8_shop(8d1c)`+"\n", piped.String())
	assert.Equal(t, ""+
		`          init 2/3 "migrate"       waiting: CrashLoopBackOff: back-off 1m20s`+"\n"+
		`                                   restarting failed container=migrate`+"\n"+
		`                                   pod=api-5f6b8_shop(8d1c)`+"\n", narrow.String())
}
