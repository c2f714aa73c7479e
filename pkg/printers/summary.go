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
}

// SummaryRows prints one row per pod, as `kubectl get pods` lays them out.
func SummaryRows(w io.Writer, rows []summary.Row, o SummaryOptions) error {
	s := Sanitize
	header := []string{"POD", "READY", "STATUS", "RESTARTS", "PATTERN", "FINDING"}
	if o.Wide {
		header = append(header, "NODE", "MESSAGE")
	}
	header = prefixColumns(header, o)
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
	if !o.Header {
		header = nil
	}
	return writeTable(w, header, out, "")
}

// WorkloadRows prints one row per workload (summary --by workload).
func WorkloadRows(w io.Writer, rows []summary.WorkloadRow, o SummaryOptions) error {
	s := Sanitize
	header := prefixColumns([]string{"WORKLOAD", "PODS", "READY", "PATTERN", "RESTARTS", "FINDINGS"}, o)
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
	return writeTable(w, header, out, "")
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func prefixColumns(cols []string, o SummaryOptions) []string {
	if o.Namespace {
		cols = append([]string{"NAMESPACE"}, cols...)
	}
	if o.Context {
		cols = append([]string{"CONTEXT"}, cols...)
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

// SummaryFooter prints the counts under the table, and the clusters that failed.
func SummaryFooter(w io.Writer, f summary.Footer, errs []ScanError, c Painter) {
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
		fmt.Fprintf(w, "%s: %s\n", title, strings.Join(parts, " · "))
	}
	counts("Patterns", f.Patterns)
	counts("Blocking init steps", f.Blockers)
	counts("Restarting helpers", f.Restarting)
	for _, e := range errs {
		fmt.Fprintf(w, "%s  context %q: %s\n", c.Paint("FAILED", red), Sanitize(e.Context), Sanitize(e.Error))
	}
}
