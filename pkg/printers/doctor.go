package printers

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/checks"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

// ScanError is a cluster that could not be read.
type ScanError struct {
	Context string `json:"context"`
	Error   string `json:"error"`
}

// Skip says that some checks did not run in a namespace, and why.
type Skip struct {
	Context   string   `json:"context,omitempty"`
	Namespace string   `json:"namespace"`
	Resource  string   `json:"resource"`
	Checks    []string `json:"checks"`
	Reason    string   `json:"reason"`
}

// DoctorResult is what `doctor -o json|yaml` prints (see docs/checks.md).
type DoctorResult struct {
	Findings []checks.PodFinding `json:"findings"`
	Skipped  []Skip              `json:"skipped"`
	Errors   []ScanError         `json:"errors"`
	Pods     int                 `json:"pods"`
}

// Doctor prints findings grouped by check, most severe first: the check's
// title, why it matters and what to do once, then one line per pod.
func Doctor(w io.Writer, res DoctorResult, c Painter) error {
	s := Sanitize
	type key struct{ id, severity string }
	groups := map[key][]checks.PodFinding{}
	var keys []key
	for _, f := range res.Findings {
		k := key{f.ID, f.Severity}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], f)
	}
	order := map[string]int{}
	for i, ch := range checks.Catalogue() {
		order[ch.ID] = i
	}
	sort.SliceStable(keys, func(i, j int) bool {
		ri, rj := checks.Rank(keys[i].severity), checks.Rank(keys[j].severity)
		if ri != rj {
			return ri > rj
		}
		return order[keys[i].id] < order[keys[j].id]
	})
	multi := contexts(res) > 1
	for i, k := range keys {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fs := groups[k]
		sort.SliceStable(fs, func(a, b int) bool { return podKey(fs[a]) < podKey(fs[b]) })
		ch, _ := checks.Lookup(k.id)
		pods := map[string]bool{}
		for _, f := range fs {
			pods[podKey(f)] = true
		}
		fmt.Fprintf(w, "%s  %s  %s (%s)\n", c.Paint(fmt.Sprintf("%-7s", strings.ToUpper(k.severity)), severityColor(k.severity)...),
			c.Paint(k.id, bold), ch.Title, podstatus.Plural(len(pods), "pod", "pods"))
		fmt.Fprintf(w, "  why: %s\n  fix: %s\n", ch.Why, ch.Fix)
		rows := make([][]string, 0, len(fs))
		for _, f := range fs {
			rows = append(rows, []string{s(podName(f, multi)), s(f.Message)})
		}
		if err := writeTable(w, nil, rows, "  "); err != nil {
			return err
		}
	}
	if len(keys) > 0 && (len(res.Skipped) > 0 || len(res.Errors) > 0) {
		fmt.Fprintln(w)
	}
	for _, sk := range res.Skipped {
		where := fmt.Sprintf("namespace %q", sk.Namespace)
		if sk.Namespace == "" {
			where = "all namespaces"
		}
		if sk.Context != "" && multi {
			where = fmt.Sprintf("context %q %s", sk.Context, where)
		}
		fmt.Fprintf(w, "%s  %s skipped in %s: cannot list %s: %s\n", c.Paint("SKIPPED", yellow),
			strings.Join(sk.Checks, ", "), s(where), sk.Resource, s(sk.Reason))
	}
	for _, e := range res.Errors {
		fmt.Fprintf(w, "%s  context %q: %s\n", c.Paint("FAILED ", red), s(e.Context), s(e.Error))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, doctorTotals(res))
	return nil
}

func doctorTotals(res DoctorResult) string {
	count := map[string]int{}
	for _, f := range res.Findings {
		count[f.Severity]++
	}
	if len(res.Findings) == 0 {
		return fmt.Sprintf("%s checked: no findings.", podstatus.Plural(res.Pods, "pod", "pods"))
	}
	return fmt.Sprintf("%s checked: %s, %s, %s.", podstatus.Plural(res.Pods, "pod", "pods"),
		podstatus.Plural(count[checks.Error], "error", "errors"), podstatus.Plural(count[checks.Warning], "warning", "warnings"),
		podstatus.Plural(count[checks.Info], "info", "info"))
}

func contexts(res DoctorResult) int {
	seen := map[string]bool{}
	for _, f := range res.Findings {
		seen[f.Context] = true
	}
	for _, e := range res.Errors {
		seen[e.Context] = true
	}
	return len(seen)
}

func podKey(f checks.PodFinding) string { return f.Context + "\x00" + f.Namespace + "\x00" + f.Pod }

func podName(f checks.PodFinding, withContext bool) string {
	name := f.Pod
	if f.Namespace != "" {
		name = f.Namespace + "/" + f.Pod
	}
	if withContext && f.Context != "" {
		name = f.Context + ":" + name
	}
	return name
}
