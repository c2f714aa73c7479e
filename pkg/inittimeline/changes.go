package inittimeline

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podmodel"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

// Change is one transition between two timelines of the same pod.
type Change struct {
	// At is when it happened according to the pod's status; nil when the
	// status does not say (a reason, the pod's STATUS).
	At *time.Time `json:"at,omitempty"`
	// Step is the step's name; empty for a change of the pod's status.
	Step  string `json:"step,omitempty"`
	Label string `json:"label"`
	What  string `json:"what"`
}

// Changes lists what happened between prev and cur: the changes the status
// dates, oldest first, then the others, then the pod's STATUS. A restart
// seen only through a higher restart count still shows the failure that
// caused it, so a watch that skips versions tells the same story.
func Changes(prev, cur *Timeline) []Change {
	var dated, undated []Change
	add := func(c Change) {
		if c.At != nil {
			dated = append(dated, c)
		} else {
			undated = append(undated, c)
		}
	}
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
		if p != nil && s.Restarts > p.Restarts && missedTermination(p, s) {
			add(Change{At: s.LastState.FinishedAt, Step: s.Name, Label: label,
				What: "exited " + podstatus.ExitWords(s.LastState.ExitCode, s.LastState.Reason)})
		}
		what, at := describeState(s)
		add(Change{At: at, Step: s.Name, Label: label, What: what})
	}
	sort.SliceStable(dated, func(i, j int) bool { return dated[i].At.Before(*dated[j].At) })
	out := append(dated, undated...)
	if prev.Status != cur.Status {
		out = append(out, Change{Label: "status", What: fmt.Sprintf("%s -> %s", orWords(prev.Status, "<none>"), cur.Status)})
	}
	return out
}

// missedTermination: cur restarted after a termination that prev did not
// show (neither as its state nor as its own last termination).
func missedTermination(prev, cur *Step) bool {
	ls := cur.LastState
	if ls == nil {
		return false
	}
	same := func(at *time.Time) bool {
		return at != nil && ls.FinishedAt != nil && at.Equal(*ls.FinishedAt)
	}
	switch {
	case prev.State == StateFailed && same(prev.FinishedAt):
		return false
	case prev.LastState != nil && same(prev.LastState.FinishedAt):
		return false
	}
	return true
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
		return fmt.Sprintf("failed after %s: exit %s", durationWords(s), podstatus.ExitWords(*s.ExitCode, s.Reason)), s.FinishedAt
	case StateShutdown:
		return fmt.Sprintf("stopped at shutdown (exit %d)", *s.ExitCode), s.FinishedAt
	case StateWaiting:
		return "waiting: " + withMessage(s.Reason, s.Message), nil
	}
	return string(s.State), nil
}

// EventLog keeps a pod's events as a watch delivers them: a repeated event
// comes back as the same object with a higher count, and a watch resumed
// after a relist sends known events again.
type EventLog struct {
	items []corev1.Event
	index map[types.UID]int
}

// NewEventLog starts from the events already listed.
func NewEventLog(events []corev1.Event) *EventLog {
	l := &EventLog{index: map[types.UID]int{}}
	for i := range events {
		l.Add(&events[i])
	}
	return l
}

// Add records e and tells whether it is a new occurrence: an event not seen
// before, or seen with a lower count or an older last time.
func (l *EventLog) Add(e *corev1.Event) bool {
	i, ok := l.index[e.UID]
	if !ok || e.UID == "" {
		l.index[e.UID] = len(l.items)
		l.items = append(l.items, *e.DeepCopy())
		return true
	}
	old := &l.items[i]
	_, oldLast := podmodel.EventTimes(old)
	_, last := podmodel.EventTimes(e)
	if podmodel.EventCount(e) <= podmodel.EventCount(old) && !last.After(oldLast) {
		return false
	}
	l.items[i] = *e.DeepCopy()
	return true
}

// Items are the events recorded so far.
func (l *EventLog) Items() []corev1.Event { return l.items }

// EventChange is the line for an event seen while watching: when it last
// happened, the step it is about ("pod" for the pod itself), its reason and
// message, and how many times when it repeats.
func EventChange(t *Timeline, e *corev1.Event) Change {
	c := Change{Label: "pod"}
	if name := podmodel.EventContainer(e); name != "" {
		c.Label = fmt.Sprintf("container %q", name)
		if s := t.step(name); s != nil {
			c.Step, c.Label = s.Name, t.StepLabel(s)
		}
	}
	if _, last := podmodel.EventTimes(e); !last.IsZero() {
		c.At = &last
	}
	kind := "event"
	if e.Type == corev1.EventTypeWarning {
		kind = "warning"
	}
	c.What = fmt.Sprintf("%s %s: %s", kind, e.Reason, strings.TrimSpace(e.Message))
	if n := podmodel.EventCount(e); n > 1 {
		c.What += fmt.Sprintf(" (%s)", podstatus.TimesWords(int32(n)))
	}
	return c
}
