package report

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podmodel"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

// Finding is something wrong or worth knowing, stated as a fact. ID names
// its check in the catalogue (docs/checks.md), shared with `doctor`.
type Finding struct {
	ID        string `json:"id"`
	Severity  string `json:"severity"`
	Container string `json:"container,omitempty"`
	Message   string `json:"message"`
}

// Severities of findings, most serious first.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// IDs of the findings Build makes; the rest of the catalogue is in pkg/checks.
const (
	IDRolesAnnotation     = "roles-annotation"
	IDHelperInFinitePod   = "helper-in-finite-pod"
	IDPodUnscheduled      = "pod-unscheduled"
	IDInitFailing         = "init-failing"
	IDInitCannotStart     = "init-cannot-start"
	IDInitWaiting         = "init-waiting"
	IDOOMKilled           = "oom-killed"
	IDSidecarShutdownExit = "sidecar-shutdown-exit"
	IDImagePullFailing    = "image-pull-failing"
	IDCannotStart         = "container-cannot-start"
	IDCrashLooping        = "container-crashlooping"
	IDExited              = "container-exited"
	IDHelperRestarting    = "helper-restarting"
	IDAppRestarting       = "app-restarting"
	IDAppNotReady         = "app-not-ready"
	IDNotReady            = "container-not-ready"
)

func findings(pod *corev1.Pod, m *podmodel.Pod, warnings []string) []Finding {
	out := []Finding{}
	for _, w := range warnings {
		out = append(out, Finding{ID: IDRolesAnnotation, Severity: SeverityWarning, Message: w})
	}
	out = append(out, jobSidecarFindings(pod, m)...)
	if !m.HasStatus {
		return out
	}
	if m.Unscheduled {
		out = append(out, Finding{ID: IDPodUnscheduled, Severity: SeverityWarning,
			Message: strings.TrimSpace("pod is not scheduled: " + m.NotScheduled)})
	}
	b := m.Blocker()
	if b != nil {
		out = append(out, blockerFinding(m, b))
	}
	for i := range m.Containers {
		out = append(out, containerFindings(&m.Containers[i], &m.Containers[i] == b)...)
	}
	return out
}

// ambiguityFindings point at the containers whose role the evidence does not
// settle: the pod's roles annotation is the way to say.
func ambiguityFindings(amb []classify.Ambiguity) []Finding {
	out := make([]Finding, 0, len(amb))
	for _, a := range amb {
		out = append(out, Finding{Severity: SeverityInfo, Container: a.Container, Message: "role is ambiguous: " + a.Message})
	}
	return out
}

// blockerFinding says which init step holds the pod back and why.
func blockerFinding(m *podmodel.Pod, c *podmodel.Container) Finding {
	blocked := "the app containers"
	if after := m.StepsAfter(c); len(after) > 0 {
		blocked = quoted(after) + " and the app containers"
	}
	step := fmt.Sprintf("%s %q (%d/%d)", c.Kind, c.Name, c.Order, m.InitSteps)
	f := func(id, sev, format string, args ...any) Finding {
		return Finding{ID: id, Severity: sev, Container: c.Name, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.Failing():
		return f(IDInitFailing, SeverityError, "%s is failing: %s; it blocks %s", step, describeFailure(c), blocked)
	case c.CannotPull() || c.CannotCreate():
		return f(IDInitCannotStart, SeverityError, "%s cannot start: %s; it blocks %s", step, withMessage(c.Reason, c.Message), blocked)
	case c.Kind == classify.KindSidecar && c.State == podmodel.StateRunning:
		return f(IDInitWaiting, SeverityInfo, "%s is running but has not passed its startup probe yet; %s wait for it", step, blocked)
	}
	return f(IDInitWaiting, SeverityInfo, "%s has not finished (%s); %s wait for it", step, stateWords(c), blocked)
}

// describeFailure says "CrashLoopBackOff, last exit 1 (Error), 4 restarts".
func describeFailure(c *podmodel.Container) string {
	var parts []string
	switch c.State {
	case podmodel.StateWaiting:
		if c.Reason != "" {
			parts = append(parts, c.Reason)
		}
		if c.LastState != nil {
			parts = append(parts, "last exit "+podstatus.ExitWords(c.LastState.ExitCode, c.LastState.Reason))
		}
	case podmodel.StateTerminated:
		parts = append(parts, "exit "+podstatus.ExitWords(*c.ExitCode, c.Reason))
	}
	parts = append(parts, podstatus.Plural(int(c.Restarts), "restart", "restarts"))
	return strings.Join(parts, ", ")
}

// quoted: `"a", "b"`.
func quoted(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strconv.Quote(n)
	}
	return strings.Join(out, ", ")
}

func withMessage(reason, msg string) string {
	if msg == "" {
		return reason
	}
	return reason + ": " + msg
}

// stateWords: "waiting, ContainerCreating", or "not started yet" for a step
// the kubelet has not reported on.
func stateWords(c *podmodel.Container) string {
	switch {
	case c.State == podmodel.StateUnknown:
		return "not started yet"
	case c.Reason != "":
		return string(c.State) + ", " + c.Reason
	}
	return string(c.State)
}

func containerFindings(c *podmodel.Container, blocker bool) []Finding {
	if c.Status == nil {
		return nil
	}
	f := func(id, sev, format string, args ...any) Finding {
		return Finding{ID: id, Severity: sev, Container: c.Name, Message: fmt.Sprintf(format, args...)}
	}
	var out []Finding
	name := fmt.Sprintf("%s %q", c.Kind, c.Name)
	oom := c.Reason == "OOMKilled" || (c.LastState != nil && c.LastState.Reason == "OOMKilled")
	if oom {
		limit := ""
		if c.Spec != nil {
			if q, ok := c.Spec.Resources.Limits[corev1.ResourceMemory]; ok {
				limit = fmt.Sprintf(" (memory limit %s)", q.String())
			}
		}
		when := "was"
		if c.Reason != "OOMKilled" {
			when = "was last"
		}
		out = append(out, f(IDOOMKilled, SeverityError, "%s %s OOMKilled: it used more memory than allowed%s; %s", name, when, limit, podstatus.Plural(int(c.Restarts), "restart", "restarts")))
	}
	// Init steps' failures are reported once, as the blocker.
	if c.Kind == classify.KindInit || blocker {
		return out
	}
	switch {
	case c.Shutdown:
		out = append(out, f(IDSidecarShutdownExit, SeverityInfo, "%s exited %d after the app containers finished: the kubelet stopped it at pod shutdown, expected for a native sidecar, not a failure", name, *c.ExitCode))
	case c.CannotPull():
		out = append(out, f(IDImagePullFailing, SeverityError, "%s cannot pull its image %q: %s", name, c.Image, withMessage(c.Reason, c.Message)))
	case c.CannotCreate():
		out = append(out, f(IDCannotStart, SeverityError, "%s cannot start: %s", name, withMessage(c.Reason, c.Message)))
	case c.State == podmodel.StateWaiting && c.Reason == "CrashLoopBackOff":
		out = append(out, f(IDCrashLooping, SeverityError, "%s is crash-looping: %s", name, describeFailure(c)))
	case c.State == podmodel.StateTerminated && c.Failing() && !oom:
		out = append(out, f(IDExited, SeverityError, "%s exited %s", name, podstatus.ExitWords(*c.ExitCode, c.Reason)))
	case c.Failing() && !oom:
		out = append(out, f(IDCrashLooping, SeverityError, "%s is failing: %s", name, describeFailure(c)))
	case c.Restarts > 0 && !oom:
		last := ""
		if c.LastState != nil {
			last = "; last exit " + podstatus.ExitWords(c.LastState.ExitCode, c.LastState.Reason)
		}
		id := IDHelperRestarting
		if c.Role == classify.RoleMain {
			id = IDAppRestarting
		}
		out = append(out, f(id, SeverityWarning, "%s restarted %s%s", name, podstatus.TimesWords(c.Restarts), last))
	}
	if c.State == podmodel.StateRunning && !c.Ready && c.Kind != classify.KindEphemeral {
		id := IDNotReady
		if c.Role == classify.RoleMain {
			id = IDAppNotReady
		}
		out = append(out, f(id, SeverityWarning, "%s is running but not ready", name))
	}
	return out
}

// jobSidecarFindings: a helper kept in spec.containers of a pod that must
// finish (restartPolicy Never/OnFailure, e.g. a Job) keeps it from completing.
func jobSidecarFindings(pod *corev1.Pod, m *podmodel.Pod) []Finding {
	if pod.Spec.RestartPolicy == "" || pod.Spec.RestartPolicy == corev1.RestartPolicyAlways {
		return nil
	}
	var out []Finding
	for _, c := range m.Containers {
		if c.Kind != classify.KindContainer || c.Role == classify.RoleMain {
			continue
		}
		out = append(out, Finding{ID: IDHelperInFinitePod, Severity: SeverityWarning, Container: c.Name, Message: fmt.Sprintf(
			"%s %q is a regular container in a pod with restartPolicy %s: the pod cannot complete while it runs; make it a native sidecar (initContainers with restartPolicy: Always, Kubernetes >= 1.29)",
			c.Role, c.Name, pod.Spec.RestartPolicy)})
	}
	return out
}
