package report

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

// Finding is something wrong or worth knowing, stated as a fact.
type Finding struct {
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

// Exit codes a process gets when the kubelet stops it: 128+SIGTERM, 128+SIGKILL.
const (
	exitSIGTERM = 143
	exitSIGKILL = 137
)

var imageErrors = map[string]bool{
	"ErrImagePull": true, "ImagePullBackOff": true, "InvalidImageName": true,
	"ErrImageNeverPull": true, "RegistryUnavailable": true,
}

var startErrors = map[string]bool{
	"CreateContainerConfigError": true, "CreateContainerError": true,
	"RunContainerError": true, "PreStartHookError": true, "PostStartHookError": true,
}

func findings(pod *corev1.Pod, r *Pod, warnings []string) []Finding {
	out := []Finding{}
	for _, w := range warnings {
		out = append(out, Finding{Severity: SeverityWarning, Message: w})
	}
	out = append(out, jobSidecarFindings(pod, r)...)
	if !r.HasStatus {
		return out
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			out = append(out, Finding{Severity: SeverityWarning,
				Message: strings.TrimSpace(fmt.Sprintf("pod is not scheduled: %s %s", c.Reason, c.Message))})
		}
	}
	out = append(out, initFindings(r)...)
	appsDone := appContainersFinished(r)
	for i := range r.Containers {
		out = append(out, containerFindings(&r.Containers[i], appsDone)...)
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

// initFindings reports the init step that holds the pod back, if any: init
// containers run one at a time, so the first unfinished one blocks the rest.
func initFindings(r *Pod) []Finding {
	var steps []*Container
	for i := range r.Containers {
		c := &r.Containers[i]
		switch {
		case c.Kind == classify.KindInit || c.Kind == classify.KindSidecar:
			steps = append(steps, c)
		case c.Kind == classify.KindContainer && (c.State == StateRunning || c.State == StateTerminated):
			// The app containers have started: initialisation is over.
			return nil
		}
	}
	for i, c := range steps {
		if c.status == nil {
			return nil
		}
		if c.Kind == classify.KindSidecar && c.Started {
			continue
		}
		if c.Kind == classify.KindInit && c.State == StateTerminated && c.ExitCode != nil && *c.ExitCode == 0 {
			continue
		}
		var waiting []string
		for _, later := range steps[i+1:] {
			waiting = append(waiting, fmt.Sprintf("%q", later.Name))
		}
		blocked := "the app containers"
		if len(waiting) > 0 {
			blocked = strings.Join(waiting, ", ") + " and the app containers"
		}
		step := fmt.Sprintf("%s %q (%d/%d)", c.Kind, c.Name, c.Order, len(steps))
		if failing(c) {
			return []Finding{{Severity: SeverityError, Container: c.Name,
				Message: fmt.Sprintf("%s is failing: %s; it blocks %s", step, describeFailure(c), blocked)}}
		}
		if c.State == StateWaiting && (imageErrors[c.Reason] || startErrors[c.Reason]) {
			return []Finding{{Severity: SeverityError, Container: c.Name,
				Message: fmt.Sprintf("%s cannot start: %s; it blocks %s", step, withMessage(c.Reason, c.Message), blocked)}}
		}
		if c.Kind == classify.KindSidecar && c.State == StateRunning {
			return []Finding{{Severity: SeverityInfo, Container: c.Name,
				Message: fmt.Sprintf("%s is running but has not passed its startup probe yet; %s wait for it", step, blocked)}}
		}
		return []Finding{{Severity: SeverityInfo, Container: c.Name,
			Message: fmt.Sprintf("%s has not finished (%s); %s wait for it", step, stateWords(c), blocked)}}
	}
	return nil
}

func failing(c *Container) bool {
	if c.State == StateTerminated && c.ExitCode != nil && *c.ExitCode != 0 {
		return true
	}
	if c.State == StateWaiting && c.Reason == "CrashLoopBackOff" {
		return true
	}
	return c.Restarts > 0 && c.LastState != nil && c.LastState.ExitCode != 0 && c.State != StateRunning
}

// describeFailure says "CrashLoopBackOff, last exit 1 (Error), 4 restarts".
func describeFailure(c *Container) string {
	var parts []string
	switch c.State {
	case StateWaiting:
		if c.Reason != "" {
			parts = append(parts, c.Reason)
		}
		if c.LastState != nil {
			parts = append(parts, "last exit "+podstatus.ExitWords(c.LastState.ExitCode, c.LastState.Reason))
		}
	case StateTerminated:
		parts = append(parts, "exit "+podstatus.ExitWords(*c.ExitCode, c.Reason))
	default:
		if c.LastState != nil {
			parts = append(parts, "last exit "+podstatus.ExitWords(c.LastState.ExitCode, c.LastState.Reason))
		}
	}
	parts = append(parts, podstatus.Plural(int(c.Restarts), "restart", "restarts"))
	return strings.Join(parts, ", ")
}

func withMessage(reason, msg string) string {
	if msg == "" {
		return reason
	}
	return reason + ": " + msg
}

func stateWords(c *Container) string {
	if c.Reason != "" {
		return c.State + ", " + c.Reason
	}
	return c.State
}

// appContainersFinished tells whether every regular container has terminated,
// after which the kubelet stops native sidecars (SIGTERM, then SIGKILL).
func appContainersFinished(r *Pod) bool {
	if r.Phase == string(corev1.PodSucceeded) || r.Phase == string(corev1.PodFailed) {
		return true
	}
	any := false
	for _, c := range r.Containers {
		if c.Kind != classify.KindContainer {
			continue
		}
		any = true
		if c.State != StateTerminated {
			return false
		}
	}
	return any
}

func containerFindings(c *Container, appsDone bool) []Finding {
	if c.status == nil {
		return nil
	}
	f := func(sev, format string, args ...any) Finding {
		return Finding{Severity: sev, Container: c.Name, Message: fmt.Sprintf(format, args...)}
	}
	var out []Finding
	name := fmt.Sprintf("%s %q", c.Kind, c.Name)
	oom := c.Reason == "OOMKilled" || (c.LastState != nil && c.LastState.Reason == "OOMKilled")
	if oom {
		limit := ""
		if c.spec != nil {
			if q, ok := c.spec.Resources.Limits[corev1.ResourceMemory]; ok {
				limit = fmt.Sprintf(" (memory limit %s)", q.String())
			}
		}
		when := "was"
		if c.Reason != "OOMKilled" {
			when = "was last"
		}
		out = append(out, f(SeverityError, "%s %s OOMKilled: it used more memory than allowed%s; %s", name, when, limit, podstatus.Plural(int(c.Restarts), "restart", "restarts")))
	}
	// Init containers' failures are reported once, as the blocker.
	if c.Kind == classify.KindInit {
		return out
	}
	switch {
	case c.Kind == classify.KindSidecar && appsDone && c.State == StateTerminated && c.ExitCode != nil &&
		(*c.ExitCode == exitSIGKILL || *c.ExitCode == exitSIGTERM):
		out = append(out, f(SeverityInfo, "%s exited %d after the app containers finished: the kubelet stopped it at pod shutdown, expected for a native sidecar, not a failure", name, *c.ExitCode))
	case c.State == StateWaiting && imageErrors[c.Reason]:
		out = append(out, f(SeverityError, "%s cannot pull its image %q: %s", name, c.Image, withMessage(c.Reason, c.Message)))
	case c.State == StateWaiting && startErrors[c.Reason]:
		out = append(out, f(SeverityError, "%s cannot start: %s", name, withMessage(c.Reason, c.Message)))
	case c.State == StateWaiting && c.Reason == "CrashLoopBackOff":
		out = append(out, f(SeverityError, "%s is crash-looping: %s", name, describeFailure(c)))
	case c.State == StateTerminated && c.ExitCode != nil && *c.ExitCode != 0 && !oom:
		out = append(out, f(SeverityError, "%s exited %s", name, podstatus.ExitWords(*c.ExitCode, c.Reason)))
	case c.Restarts > 0 && !oom:
		last := ""
		if c.LastState != nil {
			last = "; last exit " + podstatus.ExitWords(c.LastState.ExitCode, c.LastState.Reason)
		}
		out = append(out, f(SeverityWarning, "%s restarted %s%s", name, podstatus.TimesWords(c.Restarts), last))
	}
	if c.State == StateRunning && !c.Ready && c.Kind != classify.KindEphemeral {
		out = append(out, f(SeverityWarning, "%s is running but not ready", name))
	}
	return out
}

// jobSidecarFindings: a helper kept in spec.containers of a pod that must
// finish (restartPolicy Never/OnFailure, e.g. a Job) keeps it from completing.
func jobSidecarFindings(pod *corev1.Pod, r *Pod) []Finding {
	if pod.Spec.RestartPolicy == "" || pod.Spec.RestartPolicy == corev1.RestartPolicyAlways {
		return nil
	}
	var out []Finding
	for _, c := range r.Containers {
		if c.Kind != classify.KindContainer || c.Role == classify.RoleMain {
			continue
		}
		out = append(out, Finding{Severity: SeverityWarning, Container: c.Name, Message: fmt.Sprintf(
			"%s %q is a regular container in a pod with restartPolicy %s: the pod cannot complete while it runs; make it a native sidecar (initContainers with restartPolicy: Always, Kubernetes >= 1.29)",
			c.Role, c.Name, pod.Spec.RestartPolicy)})
	}
	return out
}
