package inittimeline

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podmodel"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

// Pull is the image pull of a step as the kubelet's events tell it.
type Pull struct {
	Image string `json:"image"`
	// AlreadyPresent: the node had the image; nothing was pulled.
	AlreadyPresent bool `json:"alreadyPresent,omitempty"`
	// StartedAt is the Pulling event, FinishedAt the Pulled one.
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// Ongoing: Pulling and no Pulled yet; the time runs up to now.
	Ongoing bool `json:"ongoing,omitempty"`
	// Failed: the kubelet cannot pull the image (ErrImagePull, ImagePullBackOff).
	Failed bool `json:"failed,omitempty"`
}

// Startup is a native sidecar's startup: from its start until its startup
// probe passed (the next step may run from then on).
type Startup struct {
	StartedAt *time.Time `json:"startedAt,omitempty"`
	// PassedAt is when the next step could run; nil while it has not started.
	PassedAt *time.Time `json:"passedAt,omitempty"`
	Ongoing  bool       `json:"ongoing,omitempty"`
	// FailedProbes counts the "Startup probe failed" events of the container;
	// nil without events (a manifest).
	FailedProbes *int `json:"failedProbes,omitempty"`
}

// stepEvents is what the events say about one container.
type stepEvents struct {
	pullingFirst, pullingLast time.Time
	pulledFirst               time.Time // the first successful pull
	present                   bool      // a Pulled event saying "already present"
	failedProbes              int
}

// readEvents groups the pod's events by container. Events of another pod
// (a list per namespace) are left out by the caller; events without a
// container are the pod's.
func readEvents(events []corev1.Event) map[string]*stepEvents {
	out := map[string]*stepEvents{}
	for i := range events {
		e := &events[i]
		name := podmodel.EventContainer(e)
		if name == "" {
			continue
		}
		se := out[name]
		if se == nil {
			se = &stepEvents{}
			out[name] = se
		}
		first, last := podmodel.EventTimes(e)
		switch {
		case e.Reason == "Pulling" && !first.IsZero():
			if se.pullingFirst.IsZero() || first.Before(se.pullingFirst) {
				se.pullingFirst = first
			}
			if last.After(se.pullingLast) {
				se.pullingLast = last
			}
		case e.Reason == "Pulled" && strings.Contains(e.Message, "already present"):
			se.present = true
		case e.Reason == "Pulled" && !first.IsZero():
			if se.pulledFirst.IsZero() || first.Before(se.pulledFirst) {
				se.pulledFirst = first
			}
		case e.Reason == "Unhealthy" && strings.HasPrefix(e.Message, "Startup probe failed"):
			se.failedProbes += podmodel.EventCount(e)
		}
	}
	return out
}

// pullOf reads the pull of one container. The first pull is the one the init
// sequence waited on; later ones (imagePullPolicy: Always on a restart) are
// not. Nil when the events say nothing about it.
func pullOf(c *podmodel.Container, se *stepEvents) *Pull {
	if se == nil {
		return nil
	}
	p := &Pull{Image: c.Image}
	switch {
	case !se.pullingFirst.IsZero() && !se.pulledFirst.IsZero() && !se.pulledFirst.Before(se.pullingFirst):
		p.StartedAt, p.FinishedAt = podmodel.TimePtr(se.pullingFirst), podmodel.TimePtr(se.pulledFirst)
	case !se.pullingFirst.IsZero() && !c.ImagePulled:
		// Pulling again after a failure: the wait counts from the first try.
		p.StartedAt = podmodel.TimePtr(se.pullingFirst)
		p.Ongoing = true
		p.Failed = c.CannotPull()
	case se.present:
		p.AlreadyPresent = true
	default:
		return nil
	}
	return p
}

// addEvents fills the steps that are not containers: each step's image pull
// and each native sidecar's startup probe.
func addEvents(t *Timeline, m *podmodel.Pod, events []corev1.Event, now time.Time) {
	byName := readEvents(events)
	for i := range t.Steps {
		s := &t.Steps[i]
		c := m.Find(s.Name)
		if c == nil {
			continue
		}
		if s.Pull = pullOf(c, byName[s.Name]); s.Pull != nil && s.Pull.StartedAt != nil {
			end := now
			if s.Pull.FinishedAt != nil {
				end = *s.Pull.FinishedAt
			}
			s.PullSeconds = seconds(end.Sub(*s.Pull.StartedAt))
		}
	}
	for i := range t.Steps {
		s := &t.Steps[i]
		if s.Kind != classify.KindSidecar {
			continue
		}
		var failed *int
		if events != nil {
			n := 0
			if se := byName[s.Name]; se != nil {
				n = se.failedProbes
			}
			failed = &n
		}
		s.Startup = startupOf(t, s, m.Find(s.Name), failed)
		if s.Startup != nil && s.Startup.StartedAt != nil {
			end := now
			if s.Startup.PassedAt != nil {
				end = *s.Startup.PassedAt
			}
			s.StartupSeconds = seconds(end.Sub(*s.Startup.StartedAt))
		}
	}
}

// startupOf measures a native sidecar's startup. The status does not record
// when started became true; the kubelet moves on to the next step at once,
// so the next step's first sign (its pull, else its start) marks it. That
// sign is only known with events (else the next step's start includes its
// pull), and only a startup probe makes the wait worth measuring.
func startupOf(t *Timeline, s *Step, c *podmodel.Container, failedProbes *int) *Startup {
	if s.StartedAt == nil || !t.HasStatus || c == nil {
		return nil
	}
	probed := c.Spec != nil && c.Spec.StartupProbe != nil
	if s.State != StateRunning && (failedProbes == nil || (!probed && *failedProbes == 0)) {
		return nil
	}
	st := &Startup{FailedProbes: failedProbes}
	switch {
	case s.State == StateRunning:
		// This run has not passed its startup probe yet.
		st.StartedAt, st.Ongoing = s.StartedAt, true
	case s.Restarts > 0:
		// Only the latest run's start is known, not the first one's.
		if failedProbes == nil || *failedProbes == 0 {
			return nil
		}
	default:
		st.StartedAt = s.StartedAt
		st.PassedAt = nextSign(t, s.Order)
		if st.PassedAt == nil {
			return nil
		}
	}
	return st
}

// nextSign is the first thing the steps after order did: the start of an
// image pull, else a start. Regular containers share one order, so the
// earliest of them counts.
func nextSign(t *Timeline, order int) *time.Time {
	next := 0
	for i := range t.Steps {
		if o := t.Steps[i].Order; o > order && (next == 0 || o < next) {
			next = o
		}
	}
	var out *time.Time
	for i := range t.Steps {
		n := &t.Steps[i]
		if n.Order != next {
			continue
		}
		at := n.StartedAt
		switch {
		case n.Pull != nil && n.Pull.StartedAt != nil:
			at = n.Pull.StartedAt
		case n.Restarts > 0:
			at = nil // its start is the latest restart's
		}
		if at != nil && (out == nil || at.Before(*out)) {
			out = at
		}
	}
	return out
}

// worthNaming: a part of a wait is named in the verdict when it takes at
// least a second and a fifth of the whole; below that it is noise.
func worthNaming(part, whole float64) bool {
	return part >= 1 && part*5 >= whole
}

// timeWentTo names where the init time went when it was not the containers
// running: image pulls and startup probes, the longest first, at most two.
// "58.0s of it pulling busybox:1.28 for "init-index"".
func timeWentTo(t *Timeline) string {
	type part struct {
		sec   float64
		words string
	}
	var parts []part
	for i := range t.Steps {
		s := &t.Steps[i]
		if !s.IsInit() {
			continue
		}
		if s.PullSeconds != nil && !s.Pull.Ongoing {
			parts = append(parts, part{*s.PullSeconds, fmt.Sprintf("pulling %s for %q", s.Pull.Image, s.Name)})
		}
		if s.StartupSeconds != nil && !s.Startup.Ongoing {
			parts = append(parts, part{*s.StartupSeconds, fmt.Sprintf("waiting for sidecar %q's startup probe%s", s.Name, probeWords(s.Startup))})
		}
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].sec > parts[j].sec })
	var out []string
	for _, p := range parts {
		if len(out) == 2 || !worthNaming(p.sec, *t.InitSeconds) {
			break
		}
		out = append(out, FormatSeconds(p.sec)+" of it "+p.words)
	}
	return strings.Join(out, ", ")
}

// probeWords: " (3 failed)" after a startup probe that failed before it passed.
func probeWords(st *Startup) string {
	if st == nil || st.FailedProbes == nil || *st.FailedProbes == 0 {
		return ""
	}
	return " (" + podstatus.Plural(*st.FailedProbes, "failure", "failures") + ")"
}

// schedulingWords: "scheduled after 40.0s" when the wait for a node was a
// good part of the time to initialise.
func schedulingWords(t *Timeline) string {
	if t.ScheduledSeconds == nil || t.Unscheduled {
		return ""
	}
	whole := *t.ScheduledSeconds
	if t.InitSeconds != nil {
		whole += *t.InitSeconds
	}
	if !worthNaming(*t.ScheduledSeconds, whole) {
		return ""
	}
	return "scheduled after " + FormatSeconds(*t.ScheduledSeconds)
}

// pullingWords: "pulling busybox:1.28 for 45.0s" while a step's image is being pulled.
func pullingWords(s *Step) string {
	if s.Pull == nil || !s.Pull.Ongoing || s.Pull.Failed || s.PullSeconds == nil {
		return ""
	}
	return fmt.Sprintf("pulling %s for %s", s.Pull.Image, FormatSeconds(*s.PullSeconds))
}
