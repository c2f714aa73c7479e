package checks

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// stuckCauses are the event reasons that explain a pod that does not get
// past initialisation, with what they mean.
var stuckCauses = map[string]string{
	"FailedMount":            "a volume cannot be mounted",
	"FailedAttachVolume":     "a volume cannot be attached",
	"FailedMapVolume":        "a volume cannot be mapped",
	"Failed":                 "a container cannot be created",
	"ErrImagePull":           "an image cannot be pulled",
	"BackOff":                "the kubelet is backing off",
	"Unhealthy":              "a probe fails",
	"FailedCreatePodSandBox": "the pod sandbox cannot be created",
	"FailedPostStartHook":    "a postStart hook fails",
}

// initStuck: a pod waiting in PodInitializing, ContainerCreating or Init:N/M
// shows no failing container; its events say why (a volume that will not
// mount, an image pull, a startup probe that never passes).
func initStuck(in *Input) []Finding {
	r := in.Report
	if r == nil || !r.HasStatus || r.Phase != string(corev1.PodPending) || len(in.Events) == 0 {
		return nil
	}
	if !(r.Status == "PodInitializing" || r.Status == "ContainerCreating" || initCount(r.Status)) {
		return nil
	}
	for _, f := range r.Findings {
		switch f.ID {
		case report.IDInitFailing, report.IDInitCannotStart, report.IDImagePullFailing, report.IDCannotStart:
			return nil // the blocker is already named, with its cause
		}
	}
	var cause *corev1.Event
	for i := range in.Events {
		e := &in.Events[i]
		if e.Type != corev1.EventTypeWarning || stuckCauses[e.Reason] == "" {
			continue
		}
		if e.Reason == "Unhealthy" && !strings.HasPrefix(e.Message, "Startup probe") {
			continue
		}
		if cause == nil || eventTime(e).After(eventTime(cause)) {
			cause = e
		}
	}
	if cause == nil {
		return nil
	}
	container := containerOfEvent(cause)
	count := ""
	if cause.Count > 1 {
		count = fmt.Sprintf(" (%d times)", cause.Count)
	}
	return []Finding{{Container: container, Message: fmt.Sprintf("pod is stuck in %s: %s: %s %s%s",
		r.Status, stuckCauses[cause.Reason], cause.Reason, strings.TrimSpace(cause.Message), count)}}
}

// initCount matches "Init:1/3": waiting on init containers, none failing.
func initCount(status string) bool {
	rest, ok := strings.CutPrefix(status, "Init:")
	if !ok {
		return false
	}
	a, b, ok := strings.Cut(rest, "/")
	return ok && isDigits(a) && isDigits(b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}

func containerOfEvent(e *corev1.Event) string {
	p := e.InvolvedObject.FieldPath
	open, end := strings.Index(p, "{"), strings.LastIndex(p, "}")
	if open < 0 || end <= open {
		return ""
	}
	return p[open+1 : end]
}

// appNotReady is report's finding, saying which helpers are ready while the
// app is not: the usual sign that the app waits on something the sidecar
// does not give it yet, or on its own readiness probe.
func appNotReady(in *Input) []Finding {
	out := fromReport(report.IDAppNotReady)(in)
	if len(out) == 0 {
		return nil
	}
	var ready []string
	for _, c := range in.Report.Containers {
		if c.Role != classify.RoleMain && c.Role != classify.RoleInit && c.Ready {
			ready = append(ready, fmt.Sprintf("%s %q", c.Role, c.Name))
		}
	}
	if len(ready) > 0 {
		for i := range out {
			out[i].Message += " while " + strings.Join(ready, ", ") + " is ready"
		}
	}
	return out
}
