package printers

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/summary"
)

// SummaryOptions say which columns the summary tables show.
type SummaryOptions struct {
	Wide      bool
	Namespace bool // the NAMESPACE column (-A, several namespaces)
	Context   bool // the CONTEXT column (several clusters)
	Header    bool // false for the later pages of a streamed table
	Color     Painter
	// Width is the terminal's width in columns; 0 prints every column in full (-o wide, a pipe).
	Width int
}

// summaryColumns give way on a narrow terminal: RESTARTS keeps its count
// alone, FINDING its check ID without the container, PATTERN its roles
// without the helpers' names (describe has them); then STATUS, PATTERN and
// FINDING lose their middle. CONTEXT, NAMESPACE, POD and READY stay whole:
// they are what a row is found by. -o wide adds NODE and MESSAGE.
func summaryColumns(o SummaryOptions) []Column {
	cols := []Column{
		{Header: "POD"},
		{Header: "READY"},
		{Header: "STATUS", Elide: true},
		{Header: "RESTARTS", Short: restartCount, ShortAt: 1},
		{Header: "PATTERN", Short: withoutNames, ShortAt: 3, Elide: true},
		{Header: "FINDING", Short: withoutNames, ShortAt: 2, Elide: true},
	}
	if o.Wide {
		cols = append(cols, Column{Header: "NODE"}, Column{Header: "MESSAGE", Wrap: true})
	}
	return prefixColumns(cols, o)
}

// workloadColumns give way as summaryColumns; FINDINGS, a list of painted
// IDs, wraps between them rather than being cut.
func workloadColumns(o SummaryOptions) []Column {
	return prefixColumns([]Column{
		{Header: "WORKLOAD"},
		{Header: "PODS"},
		{Header: "READY"},
		{Header: "PATTERN", Short: withoutNames, ShortAt: 1, Elide: true},
		{Header: "RESTARTS", Elide: true},
		{Header: "FINDINGS", Wrap: true},
	}, o)
}

// SummaryRows prints one row per pod, as `kubectl get pods` lays them out.
func SummaryRows(w io.Writer, rows []summary.Row, o SummaryOptions) error {
	s := Sanitize
	out := make([][]string, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		finding, message := "<none>", ""
		if wf := r.Worst(); wf != nil {
			finding = wf.ID
			if wf.Container != "" {
				finding += "(" + wf.Container + ")"
			}
			if n := len(r.Findings) - 1; n > 0 {
				finding += fmt.Sprintf(" +%d", n)
			}
			finding = o.Color.Paint(s(finding), severityColor(wf.Severity)...)
			message = wf.Message
		}
		row := []string{s(r.Name), r.Ready, s(r.Status), r.RestartsText, s(r.Pattern), finding}
		if o.Wide {
			node := r.Node
			if node == "" {
				node = "<none>"
			}
			row = append(row, s(node), s(message))
		}
		out = append(out, prefixValues(row, r.Context, r.Namespace, o))
	}
	return writeFitted(w, o.Width, "", summaryColumns(o), out, o.Header)
}

// WorkloadRows prints one row per workload (summary --by workload).
func WorkloadRows(w io.Writer, rows []summary.WorkloadRow, o SummaryOptions) error {
	s := Sanitize
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		var roles []string
		for role := range r.Restarts {
			roles = append(roles, role)
		}
		sort.Strings(roles)
		restarts := make([]string, 0, len(roles))
		for _, role := range roles {
			restarts = append(restarts, fmt.Sprintf("%s:%d", role, r.Restarts[role]))
		}
		findings := make([]string, 0, len(r.Findings))
		for _, f := range r.Findings {
			findings = append(findings, o.Color.Paint(fmt.Sprintf("%s×%d", f.ID, f.Pods), severityColor(f.Severity)...))
		}
		row := []string{s(strings.ToLower(r.Kind) + "/" + r.Name), fmt.Sprint(r.Pods), fmt.Sprintf("%d/%d", r.ReadyPods, r.Pods),
			s(r.Pattern), noneIfEmpty(strings.Join(restarts, " ")), noneIfEmpty(strings.Join(findings, ", "))}
		out = append(out, prefixValues(row, r.Context, r.Namespace, o))
	}
	return WriteTable(w, o.Width, "", workloadColumns(o), out)
}

// withoutNames leaves out the container names in parentheses of a PATTERN
// or FINDING cell: "app + sidecar(istio-proxy)" is "app + sidecar",
// "init-failing(init-index) +1" is "init-failing +1".
func withoutNames(cell string) string {
	var b strings.Builder
	depth := 0
	for _, r := range cell {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func prefixColumns(cols []Column, o SummaryOptions) []Column {
	if o.Namespace {
		cols = append([]Column{{Header: "NAMESPACE"}}, cols...)
	}
	if o.Context {
		cols = append([]Column{{Header: "CONTEXT"}}, cols...)
	}
	return cols
}

func prefixValues(row []string, context, namespace string, o SummaryOptions) []string {
	if o.Namespace {
		row = append([]string{Sanitize(namespace)}, row...)
	}
	if o.Context {
		row = append([]string{Sanitize(context)}, row...)
	}
	return row
}

// SummaryFooter prints the counts under the table, and the clusters that
// failed, wrapped at width (0: one line each) under their text.
func SummaryFooter(w io.Writer, f summary.Footer, errs []ScanError, c Painter, width int) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s\n", podstatus.Plural(f.Pods, "pod", "pods"))
	counts := func(title string, list []summary.Count) {
		if len(list) == 0 {
			return
		}
		const most = 6
		parts := make([]string, 0, most+1)
		for i, n := range list {
			if i == most {
				parts = append(parts, fmt.Sprintf("+%d more", len(list)-most))
				break
			}
			parts = append(parts, fmt.Sprintf("%d %s", n.Pods, Sanitize(n.Label)))
		}
		writeHangingFields(w, width, title+": ", parts, " · ")
	}
	counts("Patterns", f.Patterns)
	counts("Blocking init steps", f.Blockers)
	counts("Restarting helpers", f.Restarting)
	for _, e := range errs {
		WriteHanging(w, width, c.Paint("FAILED", red)+"  ", fmt.Sprintf("context %q: %s", Sanitize(e.Context), Sanitize(e.Error)))
	}
}
