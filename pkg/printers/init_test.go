package printers_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/inittimeline"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

func timelinePod(t *testing.T, path, now string) inittimeline.Timeline {
	t.Helper()
	p := testutil.LoadPod(t, path)
	n, err := time.Parse(time.RFC3339, now)
	require.NoError(t, err)
	var events []corev1.Event
	if evPath := strings.TrimSuffix(path, ".yaml") + ".events.yaml"; fileExists(evPath) {
		events = testutil.LoadEvents(t, evPath)
	}
	return inittimeline.Build(p, events, classify.Classify(p, classify.BuiltinRules()), n)
}

var initCases = []struct {
	name, path, now string
}{
	{"all-inits-done", "pkg/inittimeline/testdata/all-inits-done.yaml", "2026-03-02T10:05:00Z"},
	{"init-crashloop", "pkg/inittimeline/testdata/init-crashloop.yaml", "2026-03-02T11:02:00Z"},
	{"pod-initializing", "pkg/inittimeline/testdata/pod-initializing.yaml", "2026-03-02T12:03:00Z"},
	{"sidecar-oom-restarts", "pkg/inittimeline/testdata/sidecar-oom-restarts.yaml", "2026-03-02T13:02:00Z"},
	{"job-sidecar-143", "pkg/inittimeline/testdata/job-sidecar-143.yaml", "2026-03-02T14:01:00Z"},
	{"seed-task2", "testdata/fixtures/seed/task2-nx.yaml", "2025-09-15T08:25:00Z"},
	// With the kubelet's events: a cold pull, a sidecar's failed startup probes.
	{"cold-pull", "pkg/inittimeline/testdata/cold-pull.yaml", "2026-03-02T10:05:00Z"},
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestInitGolden(t *testing.T) {
	for _, c := range initCases {
		t.Run(c.name, func(t *testing.T) {
			tl := timelinePod(t, filepath.Join(testutil.RepoRoot(), c.path), c.now)
			var human bytes.Buffer
			require.NoError(t, printers.InitTimelines(&human, []inittimeline.Timeline{tl}, nil, printers.InitOptions{Width: 180}))
			golden(t, filepath.Join("init", c.name+".txt"), human.Bytes())

			var abs bytes.Buffer
			require.NoError(t, printers.InitTimelines(&abs, []inittimeline.Timeline{tl}, nil, printers.InitOptions{Absolute: true, Timeline: printers.TimelineOff}))
			golden(t, filepath.Join("init", c.name+".absolute.txt"), abs.Bytes())

			// A narrow terminal gets the compact table rather than wrapped rows.
			var narrow bytes.Buffer
			require.NoError(t, printers.InitTimelines(&narrow, []inittimeline.Timeline{tl}, nil, printers.InitOptions{Width: 100}))
			golden(t, filepath.Join("init", c.name+".narrow.txt"), narrow.Bytes())
			assert.Contains(t, narrow.String(), "KIND/ROLE")
			assert.Less(t, tableWidth(narrow.String()), tableWidth(abs.String()))

			var js bytes.Buffer
			require.NoError(t, printers.PrintInitTimelines(&js, "json", []inittimeline.Timeline{tl}, nil))
			golden(t, filepath.Join("init", c.name+".json"), js.Bytes())
		})
	}
}

// tableWidth is the widest line from the table's header on.
func tableWidth(out string) int {
	w := 0
	_, table, _ := strings.Cut(out, "STEP ")
	for _, line := range strings.Split("STEP "+table, "\n") {
		w = max(w, len([]rune(line)))
	}
	return w
}

func TestInitTimelineBarsFollowTime(t *testing.T) {
	tl := timelinePod(t, filepath.Join(testutil.RepoRoot(), "pkg/inittimeline/testdata/all-inits-done.yaml"), "2026-03-02T10:05:00Z")
	var out bytes.Buffer
	require.NoError(t, printers.InitTimelines(&out, []inittimeline.Timeline{tl}, nil, printers.InitOptions{Width: 180}))
	// Each step's bar starts no earlier than the one before it: the column of
	// its first glyph grows down the table.
	prev := -1
	for _, s := range tl.Steps {
		line := []rune(lineOf(out.String(), s.Name))
		first := -1
		for i, r := range line {
			if strings.ContainsRune("█▒░", r) {
				first = i
				break
			}
		}
		require.GreaterOrEqual(t, first, 0, "no bar for %s in:\n%s", s.Name, out.String())
		assert.Greater(t, first, prev, "bar of %s starts before the previous step's", s.Name)
		prev = first
	}
	assert.Contains(t, lineOf(out.String(), "migrate"), "█")
	assert.Contains(t, lineOf(out.String(), "envoy"), "▒")
	assert.NotContains(t, lineOf(out.String(), "envoy"), "█")
}

func lineOf(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == name {
			return strings.TrimRight(line, " ")
		}
	}
	return ""
}

func TestInitTimelineRoom(t *testing.T) {
	tl := timelinePod(t, filepath.Join(testutil.RepoRoot(), "pkg/inittimeline/testdata/init-crashloop.yaml"), "2026-03-02T11:02:00Z")
	render := func(o printers.InitOptions) string {
		var b bytes.Buffer
		require.NoError(t, printers.InitTimelines(&b, []inittimeline.Timeline{tl}, nil, o))
		return b.String()
	}
	assert.NotContains(t, render(printers.InitOptions{Width: 0}), "TIMELINE", "not a terminal: no bars unless asked")
	assert.NotContains(t, render(printers.InitOptions{Width: 80}), "█", "no room beside the table")
	assert.Contains(t, render(printers.InitOptions{Width: 180}), "TIMELINE")
	assert.NotContains(t, render(printers.InitOptions{Width: 180, Timeline: printers.TimelineOff}), "█")
	below := render(printers.InitOptions{Width: 80, Timeline: printers.TimelineOn})
	assert.NotContains(t, below, "TIMELINE")
	assert.Regexp(t, `(?m)^  migrate\s+░+█+░+$`, below)
	for _, line := range strings.Split(below, "\n") {
		if strings.Contains(line, "█") || strings.Contains(line, "░") {
			assert.LessOrEqual(t, len([]rune(line)), 80, "bar line wider than the terminal: %q", line)
		}
	}
}

// Twenty init containers fit one screen: one line per step, plus a header, a
// verdict, the table heading and the legend.
func TestTwentyInitsFitOneScreen(t *testing.T) {
	p := testutil.LoadPod(t, filepath.Join(testutil.RepoRoot(), "pkg/inittimeline/testdata/pod-initializing.yaml"))
	start := p.Status.StartTime.Time
	p.Spec.InitContainers = nil
	p.Status.InitContainerStatuses = nil
	for i := range 20 {
		name := fmt.Sprintf("step-%02d", i+1)
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: name, Image: "busybox"})
		p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, corev1.ContainerStatus{Name: name, ImageID: "x",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed",
				StartedAt:  metav1.NewTime(start.Add(time.Duration(2*i) * time.Second)),
				FinishedAt: metav1.NewTime(start.Add(time.Duration(2*i+1) * time.Second))}}})
	}
	tl := inittimeline.Build(p, nil, classify.Classify(p, classify.BuiltinRules()), start.Add(time.Minute))
	var b bytes.Buffer
	require.NoError(t, printers.InitTimelines(&b, []inittimeline.Timeline{tl}, nil, printers.InitOptions{Width: 200}))
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	assert.LessOrEqual(t, len(lines), 26, b.String())
	for _, l := range lines {
		assert.LessOrEqual(t, len([]rune(l)), 200)
	}
	assert.Contains(t, b.String(), "20/20")
	assert.Contains(t, tl.Verdict, "initialised in 39.0s")
}

func TestInitStepStats(t *testing.T) {
	var tls []inittimeline.Timeline
	for _, fin := range []string{"2026-03-02T10:00:05Z", "2026-03-02T10:00:13Z"} {
		p := testutil.LoadPod(t, filepath.Join(testutil.RepoRoot(), "pkg/inittimeline/testdata/all-inits-done.yaml"))
		f, err := time.Parse(time.RFC3339, fin)
		require.NoError(t, err)
		p.Status.InitContainerStatuses[2].State.Terminated.FinishedAt = metav1.NewTime(f)
		tls = append(tls, inittimeline.Build(p, nil, classify.Classify(p, classify.BuiltinRules()), f.Add(time.Minute)))
	}
	stats := inittimeline.Aggregate(tls)
	var b bytes.Buffer
	require.NoError(t, printers.InitTimelines(&b, tls, stats, printers.InitOptions{Timeline: printers.TimelineOff}))
	golden(t, "init/step-stats.txt", b.Bytes())
	var js bytes.Buffer
	require.NoError(t, printers.PrintInitTimelines(&js, "yaml", tls, stats))
	assert.Contains(t, js.String(), "initSteps:")
	assert.Contains(t, js.String(), "slowest: true")
}

func TestInitSanitizesNames(t *testing.T) {
	p := testutil.LoadPod(t, filepath.Join(testutil.RepoRoot(), "pkg/inittimeline/testdata/init-crashloop.yaml"))
	p.Status.InitContainerStatuses[1].State.Waiting.Message = "boom\x1b]0;pwned\x07"
	p.Status.InitContainerStatuses[1].State.Waiting.Reason = "Crash\x1b[31m"
	tl := inittimeline.Build(p, nil, classify.Classify(p, classify.BuiltinRules()), time.Now())
	var b bytes.Buffer
	require.NoError(t, printers.InitTimelines(&b, []inittimeline.Timeline{tl}, nil, printers.InitOptions{}))
	assert.NotContains(t, b.String(), "\x1b")
	assert.NotContains(t, b.String(), "\x07")
}
