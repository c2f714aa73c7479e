package printers

import (
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

const none = "<none>"

// DescribeOptions tune the human view of describe.
type DescribeOptions struct {
	Color Painter
	Now   time.Time // for ages; fixed in tests
	// NoEvents hides the events section (manifests have none).
	NoEvents bool
	// Width is the terminal's width in columns; 0 prints everything in full (-o wide, a pipe).
	Width int
}

// Describe writes the human view of pods, one section per pod.
func Describe(w io.Writer, pods []report.Pod, o DescribeOptions) error {
	for i := range pods {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := describeOne(w, &pods[i], o); err != nil {
			return err
		}
	}
	return nil
}

func describeOne(w io.Writer, p *report.Pod, o DescribeOptions) error {
	c := o.Color
	s := Sanitize
	title := p.Name
	if p.Namespace != "" {
		title = p.Namespace + "/" + p.Name
	}
	// What the pod is, then where it runs and how old it is: the two
	// lines the title breaks into when it does not fit.
	what := []string{c.Paint("Pod "+s(title), bold)}
	var where []string
	if p.Source != "" {
		what = append(what, "("+s(p.Source)+")")
	}
	if p.HasStatus {
		what = append(what, c.Paint(s(p.Status), statusColor(p.Status)...), p.Ready+" ready", restarts(p.Restarts))
		if p.Node != "" {
			where = append(where, "node "+s(p.Node))
		}
		if p.StartedAt != nil && !o.Now.IsZero() {
			where = append(where, "age "+duration.HumanDuration(o.Now.Sub(*p.StartedAt)))
		}
	} else {
		what = append(what, "no status (manifest)")
	}
	main := none
	if p.Main != "" {
		main = c.Paint(s(p.Main), RoleColor("main")...)
	}
	main = "main " + main
	oneLine := append(append(append([]string{}, what...), where...), main)
	WriteFields(w, o.Width, "   ", oneLine,
		[][]string{append(what[:len(what):len(what)], main), where},
		[][]string{what, append([]string{main}, where...)})
	fmt.Fprintln(w)

	rows := make([][]string, 0, len(p.Containers))
	for _, ct := range p.Containers {
		order := "-"
		if ct.Order > 0 {
			order = fmt.Sprint(ct.Order)
		}
		rows = append(rows, []string{
			order,
			c.Paint(s(ct.Name), RoleColor(string(ct.Role))...),
			string(ct.Kind),
			c.Paint(string(ct.Role), RoleColor(string(ct.Role))...),
			s(ct.Image),
			stateCell(ct, c),
			exitCell(ct),
			restartCell(ct),
			readyCell(ct, p.HasStatus),
			portsCell(ct.Ports),
		})
	}
	if err := WriteTable(w, o.Width, "", containerColumns, rows); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nWhy these roles:")
	width := 0
	for _, ct := range p.Containers {
		width = max(width, len(s(ct.Name)))
	}
	for _, ct := range p.Containers {
		WriteHanging(w, o.Width, fmt.Sprintf("  %-*s  ", width, s(ct.Name)), s(strings.Join(ct.Reasons, "; ")))
	}

	fmt.Fprintln(w, "\nShared volumes:")
	shared := 0
	for _, v := range p.Volumes {
		if !v.Shared {
			continue
		}
		shared++
		var mounts []string
		for _, m := range v.Mounts {
			ro := ""
			if m.ReadOnly {
				ro = " (ro)"
			}
			mounts = append(mounts, fmt.Sprintf("%s:%s%s", s(m.Container), s(m.Path), ro))
		}
		writeHangingFields(w, o.Width, fmt.Sprintf("  %s (%s)  ", s(v.Name), v.Type), mounts, "  ")
	}
	if shared == 0 {
		fmt.Fprintln(w, "  "+none)
	}

	fmt.Fprintln(w, "\nFindings:")
	if len(p.Findings) == 0 {
		fmt.Fprintln(w, "  "+none)
	}
	for _, f := range p.Findings {
		WriteHanging(w, o.Width, "  "+c.Paint(fmt.Sprintf("%-7s", f.Severity), severityColor(f.Severity)...)+"  ", s(f.Message))
	}

	if p.HasStatus && !o.NoEvents {
		fmt.Fprintln(w, "\nEvents:")
		if len(p.Events) == 0 {
			fmt.Fprintln(w, "  "+none)
			return nil
		}
		rows = rows[:0]
		for _, e := range p.Events {
			age := "<unknown>"
			if e.LastSeen != nil && !o.Now.IsZero() {
				age = duration.HumanDuration(o.Now.Sub(*e.LastSeen))
			}
			count := ""
			if e.Count > 1 {
				count = fmt.Sprintf(" (x%d)", e.Count)
			}
			rows = append(rows, []string{s(e.Type), s(e.Reason), age + count, s(orNone(e.Container)), s(e.Message)})
		}
		return WriteTable(w, o.Width, "  ", eventColumns, rows)
	}
	return nil
}

// containerColumns give way on a narrow terminal in this order: PORTS, the
// image's registry, the long forms of STATE and RESTARTS (the findings tell
// the last exit), IMAGE, EXIT (the reason says how it ended); then long cells
// are cut in the middle. The container's name, kind and role stay whole.
var containerColumns = []Column{
	{Header: "ORDER"},
	{Header: "CONTAINER"},
	{Header: "KIND"},
	{Header: "ROLE"},
	{Header: "IMAGE", Short: withoutRegistry, ShortAt: 2, DropAt: 5, Elide: true},
	{Header: "STATE", Short: stateReason, ShortAt: 3, Elide: true},
	{Header: "EXIT", DropAt: 6},
	{Header: "RESTARTS", Short: restartCount, ShortAt: 4, Elide: true},
	{Header: "READY"},
	{Header: "PORTS", DropAt: 1},
}

var eventColumns = []Column{
	{Header: "TYPE"},
	{Header: "REASON", Elide: true},
	{Header: "AGE"},
	{Header: "CONTAINER"},
	{Header: "MESSAGE", Wrap: true},
}

// withoutRegistry leaves the registry host out of an image reference
// (docker.io/istio/proxyv2:1.22.3 is istio/proxyv2:1.22.3): the first path
// element names a registry when it has a dot or a port, or is localhost, as
// the container runtimes read it.
func withoutRegistry(image string) string {
	first, rest, ok := strings.Cut(image, "/")
	if !ok || !(strings.ContainsAny(first, ".:") || first == "localhost") {
		return image
	}
	return rest
}

// stateReason is the short form of a STATE cell, the reason alone when
// there is one ("terminated (Completed)" is "Completed"), as kubectl get's
// STATUS column.
func stateReason(state string) string {
	open := strings.Index(state, " (")
	if open < 0 || !strings.HasSuffix(state, ")") {
		return state
	}
	return state[open+2 : len(state)-1]
}

// restartCount is the short form of a RESTARTS cell: the count alone.
func restartCount(cell string) string {
	n, _, _ := strings.Cut(cell, " ")
	return n
}

func statusColor(status string) []string {
	switch status {
	case "Running", "Completed", "Succeeded":
		return []string{green}
	case "Pending", "PodInitializing", "ContainerCreating", "Terminating", "NotReady":
		return []string{yellow}
	}
	if strings.HasPrefix(status, "Init:") && strings.Contains(status, "/") {
		return []string{yellow}
	}
	return []string{bold, red}
}

func restarts(n int) string {
	if n == 1 {
		return "1 restart"
	}
	return fmt.Sprintf("%d restarts", n)
}

func stateCell(ct report.Container, c Painter) string {
	if ct.State == report.StateUnknown {
		return "-"
	}
	st := ct.State
	if ct.Reason != "" {
		st += " (" + Sanitize(ct.Reason) + ")"
	}
	switch {
	case ct.State == report.StateRunning && ct.Ready:
		return c.Paint(st, green)
	case ct.State == report.StateTerminated && ct.ExitCode != nil && *ct.ExitCode == 0:
		return c.Paint(st, grey)
	case ct.State == report.StateRunning:
		return c.Paint(st, yellow)
	}
	return c.Paint(st, red)
}

func exitCell(ct report.Container) string {
	if ct.ExitCode == nil {
		return "-"
	}
	return fmt.Sprint(*ct.ExitCode)
}

func restartCell(ct report.Container) string {
	if ct.State == report.StateUnknown {
		return "-"
	}
	out := fmt.Sprint(ct.Restarts)
	if ct.LastState != nil {
		last := ct.LastState.Reason
		if last == "" {
			last = "exit"
		}
		out += fmt.Sprintf(" (last %s %d)", Sanitize(last), ct.LastState.ExitCode)
	}
	return out
}

func readyCell(ct report.Container, hasStatus bool) string {
	if !hasStatus || ct.State == report.StateUnknown {
		return "-"
	}
	if ct.Kind == "init" {
		return "-"
	}
	return fmt.Sprint(ct.Ready)
}

func portsCell(ports []report.Port) string {
	if len(ports) == 0 {
		return "-"
	}
	out := make([]string, len(ports))
	for i, p := range ports {
		out[i] = fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)
	}
	return strings.Join(out, ",")
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
