package inittimeline

import (
	"fmt"
	"sort"
	"time"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
)

// Change is one transition between two timelines of the same pod.
type Change struct {
	// At is when it happened according to the pod's status, or when it was
	// seen (the new timeline's Now) if the status does not say.
	At time.Time `json:"at"`
	// Step is the step's name; empty for a change of the pod's status.
	Step  string `json:"step,omitempty"`
	Label string `json:"label"`
	What  string `json:"what"`
}

// Changes lists what happened between prev and cur, oldest first. A restart
// seen only through a higher restart count still shows the failure that
// caused it, so a watch that skips versions tells the same story.
func Changes(prev, cur *Timeline) []Change {
	var out []Change
	before := map[string]*Step{}
	for i := range prev.Steps {
		before[prev.Steps[i].Name] = &prev.Steps[i]
	}
	for i := range cur.Steps {
		s := &cur.Steps[i]
		p := before[s.Name]
		if p != nil && p.State == s.State && p.Restarts == s.Restarts && p.Reason == s.Reason && p.Started == s.Started {
			continue
		}
		label := cur.StepLabel(s)
		if p != nil && s.Restarts > p.Restarts && s.LastState != nil && p.State != StateFailed {
			at := cur.Now
			if s.LastState.FinishedAt != nil {
				at = *s.LastState.FinishedAt
			}
			out = append(out, Change{At: at, Step: s.Name, Label: label,
				What: "exited " + exitWords(s.LastState.ExitCode, s.LastState.Reason)})
		}
		what, at := describeState(s)
		if at == nil {
			at = &cur.Now
		}
		out = append(out, Change{At: *at, Step: s.Name, Label: label, What: what})
	}
	if prev.Status != cur.Status {
		out = append(out, Change{At: cur.Now, Label: "pod", What: fmt.Sprintf("status %s -> %s", orWords(prev.Status, "<none>"), cur.Status)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// StepLabel names a step the way the verdict does: init 2/3 "migrate".
func (t *Timeline) StepLabel(s *Step) string {
	switch s.Kind {
	case classify.KindInit:
		return fmt.Sprintf("init %d/%d %q", s.Order, t.InitSteps, s.Name)
	case classify.KindSidecar:
		return fmt.Sprintf("init %d/%d sidecar %q", s.Order, t.InitSteps, s.Name)
	}
	return fmt.Sprintf("container %q", s.Name)
}

func describeState(s *Step) (string, *time.Time) {
	again := ""
	if s.Restarts > 0 {
		again = fmt.Sprintf(" (restart %d)", s.Restarts)
	}
	switch s.State {
	case StateRunning:
		if s.Kind == classify.KindSidecar {
			return "running, waiting for its startup probe" + again, s.StartedAt
		}
		return "running" + again, s.StartedAt
	case StateStarted:
		return "started" + again, nil
	case StateCompleted:
		return "completed in " + durationWords(s), s.FinishedAt
	case StateFailed:
		return fmt.Sprintf("failed after %s: exit %s", durationWords(s), exitWords(*s.ExitCode, s.Reason)), s.FinishedAt
	case StateShutdown:
		return fmt.Sprintf("stopped at shutdown (exit %d)", *s.ExitCode), s.FinishedAt
	case StateWaiting:
		return "waiting: " + withMessage(s.Reason, s.Message), nil
	}
	return string(s.State), nil
}
