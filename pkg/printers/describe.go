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

// describeOne writes one pod's section: a head line, the containers, why
// they have their roles, the shared volumes, findings and events.
func describeOne(w io.Writer, p *report.Pod, o DescribeOptions) error {
	fmt.Fprintln(w, describeHead(p, o))
	fmt.Fprintln(w)
	if err := containerTable(w, p, o.Color); err != nil {
		return err
	}
	roleReasons(w, p)
	sharedVolumes(w, p)
	findingLines(w, p, o.Color)
	if p.HasStatus && !o.NoEvents {
		return eventTable(w, p, o.Now)
	}
	return nil
}

// describeHead: "Pod ns/name   Running   2/2 ready   0 restarts   node n   age 5m   main web".
func describeHead(p *report.Pod, o DescribeOptions) string {
	c, s := o.Color, Sanitize
	head := podTitle(c, p.Namespace, p.Name, p.Source)
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
	return strings.Join(append(head, "main "+main), "   ")
}

func containerTable(w io.Writer, p *report.Pod, c Painter) error {
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
	return writeTable(w, []string{"ORDER", "CONTAINER", "KIND", "ROLE", "IMAGE", "STATE", "EXIT", "RESTARTS", "READY", "PORTS"}, rows, "")
}

func roleReasons(w io.Writer, p *report.Pod) {
	fmt.Fprintln(w, "\nWhy these roles:")
	width := 0
	for _, ct := range p.Containers {
		width = max(width, len(Sanitize(ct.Name)))
	}
	for _, ct := range p.Containers {
		fmt.Fprintf(w, "  %-*s  %s\n", width, Sanitize(ct.Name), Sanitize(strings.Join(ct.Reasons, "; ")))
	}
}

func sharedVolumes(w io.Writer, p *report.Pod) {
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
		fmt.Fprintf(w, "  %s (%s)  %s\n", s(v.Name), v.Type, strings.Join(mounts, "  "))
	}
	if shared == 0 {
		fmt.Fprintln(w, "  "+none)
	}
}

func findingLines(w io.Writer, p *report.Pod, c Painter) {
	fmt.Fprintln(w, "\nFindings:")
	if len(p.Findings) == 0 {
		fmt.Fprintln(w, "  "+none)
	}
	for _, f := range p.Findings {
		fmt.Fprintf(w, "  %s  %s\n", c.Paint(fmt.Sprintf("%-7s", f.Severity), severityColor(f.Severity)...), Sanitize(f.Message))
	}
}

func eventTable(w io.Writer, p *report.Pod, now time.Time) error {
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
	return writeTable(w, []string{"TYPE", "REASON", "AGE", "CONTAINER", "MESSAGE"}, rows, "  ")
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
