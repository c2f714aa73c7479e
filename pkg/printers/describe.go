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
	head := []string{c.Paint("Pod "+s(title), bold)}
	if p.Source != "" {
		head = append(head, "("+s(p.Source)+")")
	}
	if p.HasStatus {
		head = append(head, c.Paint(s(p.Status), statusColor(p.Status)...), p.Ready+" ready", restarts(p.Restarts))
		if p.Node != "" {
			head = append(head, "node "+s(p.Node))
		}
		if p.StartedAt != nil && !o.Now.IsZero() {
			head = append(head, "age "+duration.HumanDuration(o.Now.Sub(*p.StartedAt)))
		}
	} else {
		head = append(head, "no status (manifest)")
	}
	main := none
	if p.Main != "" {
		main = c.Paint(s(p.Main), RoleColor("main")...)
	}
	head = append(head, "main "+main)
	fmt.Fprintln(w, strings.Join(head, "   "))
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
	if err := writeTable(w, []string{"ORDER", "CONTAINER", "KIND", "ROLE", "IMAGE", "STATE", "EXIT", "RESTARTS", "READY", "PORTS"}, rows, ""); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nWhy these roles:")
	width := 0
	for _, ct := range p.Containers {
		width = max(width, len(s(ct.Name)))
	}
	for _, ct := range p.Containers {
		fmt.Fprintf(w, "  %-*s  %s\n", width, s(ct.Name), s(strings.Join(ct.Reasons, "; ")))
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
		fmt.Fprintf(w, "  %s (%s)  %s\n", s(v.Name), v.Type, strings.Join(mounts, "  "))
	}
	if shared == 0 {
		fmt.Fprintln(w, "  "+none)
	}

	fmt.Fprintln(w, "\nFindings:")
	if len(p.Findings) == 0 {
		fmt.Fprintln(w, "  "+none)
	}
	for _, f := range p.Findings {
		fmt.Fprintf(w, "  %s  %s\n", c.Paint(fmt.Sprintf("%-7s", f.Severity), severityColor(f.Severity)...), s(f.Message))
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
		return writeTable(w, []string{"TYPE", "REASON", "AGE", "CONTAINER", "MESSAGE"}, rows, "  ")
	}
	return nil
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
