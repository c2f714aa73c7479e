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

// describeOne writes one pod's section: a head line, the containers, why
// they have their roles, the shared volumes, findings and events.
func describeOne(w io.Writer, p *report.Pod, o DescribeOptions) error {
	describeHead(w, p, o)
	fmt.Fprintln(w)
	if err := containerTable(w, p, o.Color, o.Width); err != nil {
		return err
	}
	roleReasons(w, p, o.Width)
	sharedVolumes(w, p, o.Width)
	findingLines(w, p, o.Color, o.Width)
	if p.HasStatus && !o.NoEvents {
		return eventTable(w, p, o.Now, o.Width)
	}
	return nil
}

// describeHead: "Pod ns/name   Running   2/2 ready   0 restarts   node n   age 5m   main web";
// when it does not fit, what the pod is, then where it runs and how old it is.
func describeHead(w io.Writer, p *report.Pod, o DescribeOptions) {
	c, s := o.Color, Sanitize
	what := podTitle(c, p.Namespace, p.Name, p.Source)
	var where []string
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
}

func containerTable(w io.Writer, p *report.Pod, c Painter, width int) error {
	s := Sanitize
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
	return WriteTable(w, width, "", containerColumns, rows)
}

func roleReasons(w io.Writer, p *report.Pod, termWidth int) {
	fmt.Fprintln(w, "\nWhy these roles:")
	width := 0
	for _, ct := range p.Containers {
		width = max(width, len(Sanitize(ct.Name)))
	}
	for _, ct := range p.Containers {
		WriteHanging(w, termWidth, fmt.Sprintf("  %-*s  ", width, Sanitize(ct.Name)), Sanitize(strings.Join(ct.Reasons, "; ")))
	}
}

func sharedVolumes(w io.Writer, p *report.Pod, width int) {
	s := Sanitize
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
		writeHangingFields(w, width, fmt.Sprintf("  %s (%s)  ", s(v.Name), v.Type), mounts, "  ")
	}
	if shared == 0 {
		fmt.Fprintln(w, "  "+none)
	}
}

func findingLines(w io.Writer, p *report.Pod, c Painter, width int) {
	fmt.Fprintln(w, "\nFindings:")
	if len(p.Findings) == 0 {
		fmt.Fprintln(w, "  "+none)
	}
	for _, f := range p.Findings {
		id := ""
		if f.ID != "" {
			id = "[" + f.ID + "] "
		}
		WriteHanging(w, width, "  "+c.Paint(fmt.Sprintf("%-7s", f.Severity), severityColor(f.Severity)...)+"  ", id+Sanitize(f.Message))
	}
}

func eventTable(w io.Writer, p *report.Pod, now time.Time, width int) error {
	s := Sanitize
	fmt.Fprintln(w, "\nEvents:")
	if len(p.Events) == 0 {
		fmt.Fprintln(w, "  "+none)
		return nil
	}
	rows := make([][]string, 0, len(p.Events))
	for _, e := range p.Events {
		age := "<unknown>"
		if e.LastSeen != nil && !now.IsZero() {
			age = duration.HumanDuration(now.Sub(*e.LastSeen))
		}
		count := ""
		if e.Count > 1 {
			count = fmt.Sprintf(" (x%d)", e.Count)
		}
		rows = append(rows, []string{s(e.Type), s(e.Reason), age + count, s(orNone(e.Container)), s(e.Message)})
	}
	return WriteTable(w, width, "  ", eventColumns, rows)
}

// podTitle: "Pod ns/name" and, for a pod built from a workload in a manifest, its source.
func podTitle(c Painter, namespace, name, source string) []string {
	title := name
	if namespace != "" {
		title = namespace + "/" + name
	}
	head := []string{c.Paint("Pod "+Sanitize(title), bold)}
	if source != "" {
		head = append(head, "("+Sanitize(source)+")")
	}
	return head
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
