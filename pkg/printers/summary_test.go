package printers_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/checks"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/summary"
)

// fixtureViews are summary's rows and doctor's findings over every shared
// fixture, as `summary -f` and `doctor -f` build them.
func fixtureViews(t *testing.T) ([]summary.Row, printers.DoctorResult) {
	rules := classify.BuiltinRules()
	var rows []summary.Row
	res := printers.DoctorResult{Pods: len(testutil.Fixtures(t))}
	for _, f := range testutil.Fixtures(t) {
		r := report.Build(f.Pod, nil, rules)
		findings := checks.Run(&checks.Input{Pod: f.Pod, Report: &r, Rules: rules}, checks.Shape, checks.Pattern, checks.Live)
		restarts := fmt.Sprint(r.Restarts)
		if r.HasStatus {
			restarts = podstatus.Summarize(f.Pod).RestartsString(now)
		}
		row := summary.Build(f.Pod, &r, findings, restarts)
		row.Workload = summary.WorkloadOf(f.Pod, nil)
		rows = append(rows, row)
		for _, fd := range checks.Run(&checks.Input{Pod: f.Pod, Report: &r, Rules: rules}) {
			ch, _ := checks.Lookup(fd.ID)
			res.Findings = append(res.Findings, checks.PodFinding{ID: fd.ID, Severity: fd.Severity, Namespace: f.Pod.Namespace,
				Pod: f.Pod.Name, Container: fd.Container, Message: fd.Message, Fix: ch.Fix})
		}
	}
	// A skipped list and a failed cluster, to show how their lines wrap.
	res.Skipped = []printers.Skip{{Namespace: "payments", Resource: "secrets", Checks: []string{"missing-secret", "missing-image-pull-secret"},
		Reason: `secrets is forbidden: User "dev" cannot list resource "secrets" in API group "" in the namespace "payments"`}}
	return rows, res
}

// summary and doctor at each width, and piped (width 0: every column and
// line in full). POD and NAMESPACE are never cut.
func TestSummaryAndDoctorWidthsGolden(t *testing.T) {
	rows, res := fixtureViews(t)
	tally := summary.NewTally()
	for i := range rows {
		tally.Add(&rows[i])
	}
	render := func(width int) (string, string, string) {
		o := printers.SummaryOptions{Header: true, Width: width}
		var sum, byWorkload, doctor bytes.Buffer
		require.NoError(t, printers.SummaryRows(&sum, rows, o))
		printers.SummaryFooter(&sum, tally.Footer(), []printers.ScanError{{Context: "staging",
			Error: `Get "https://staging.example.com:6443/api/v1/pods?limit=500": dial tcp 10.0.0.7:6443: connect: connection refused`}}, printers.Painter{}, width)
		require.NoError(t, printers.WorkloadRows(&byWorkload, summary.Fold(rows), o))
		require.NoError(t, printers.Doctor(&doctor, res, printers.Painter{}, width))
		return sum.String(), byWorkload.String(), doctor.String()
	}
	sum, byWorkload, doctor := render(0)
	golden(t, "width/summary.piped.txt", []byte(sum))
	golden(t, "width/summary-by-workload.piped.txt", []byte(byWorkload))
	golden(t, "width/doctor.piped.txt", []byte(doctor))
	assert.Contains(t, sum, "init → app + native sidecar(istio-proxy) + native sidecar(other-sidecar)", "piped keeps every cell whole")
	assert.Contains(t, sum, "3 (437d ago)")
	for _, width := range terminalWidths {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			sum, byWorkload, doctor := render(width)
			golden(t, fmt.Sprintf("width/summary.%d.txt", width), []byte(sum))
			golden(t, fmt.Sprintf("width/summary-by-workload.%d.txt", width), []byte(byWorkload))
			golden(t, fmt.Sprintf("width/doctor.%d.txt", width), []byte(doctor))
			for _, out := range []string{sum, byWorkload, doctor} {
				assertFits(t, out, width)
			}
			for _, r := range rows {
				assert.Contains(t, sum, r.Name+" ", "the pod's name is never cut")
			}
			if width >= 100 {
				// -A adds NAMESPACE, never cut either; at 80 the fixtures'
				// long pod names leave no room for it beside them.
				var all bytes.Buffer
				require.NoError(t, printers.SummaryRows(&all, rows, printers.SummaryOptions{Namespace: true, Header: true, Width: width}))
				golden(t, fmt.Sprintf("width/summary-all-namespaces.%d.txt", width), all.Bytes())
				assertFits(t, all.String(), width)
				for _, r := range rows {
					assert.Regexp(t, "(?m)^"+r.Namespace+" +"+r.Name+" ", all.String(), "the namespace and the pod are never cut")
				}
			}
			for _, f := range res.Findings {
				assert.Contains(t, doctor, f.Namespace+"/"+f.Pod+" ", "the pod's name is never cut")
			}
		})
	}
}

// Rows of a streamed page after the first come without the header, in the
// layout the width gives them.
func TestSummaryRowsLaterPage(t *testing.T) {
	rows, _ := fixtureViews(t)
	var out bytes.Buffer
	require.NoError(t, printers.SummaryRows(&out, rows[:2], printers.SummaryOptions{Width: 80}))
	assert.NotContains(t, out.String(), "POD")
	assert.Len(t, strings.Split(strings.TrimRight(out.String(), "\n"), "\n"), 2)
	assertFits(t, out.String(), 80)
}

// A painted last cell (FINDING) ends the line: no padding runs past the width.
func TestSummaryPaintedFindingFits(t *testing.T) {
	rows, _ := fixtureViews(t)
	var out bytes.Buffer
	require.NoError(t, printers.SummaryRows(&out, rows[:1], printers.SummaryOptions{Width: 100, Header: true, Color: printers.Painter{Enabled: true}}))
	assert.Contains(t, out.String(), "\x1b[33m")
	assertFits(t, out.String(), 100)
	assert.NotContains(t, out.String(), " \x1b[0m\n")
}
