// Package inittimeline turns a pod into its init sequence as the kubelet runs
// it: init containers and native sidecars one at a time in spec order, then
// the regular containers together. Each step carries its times, exit status
// and restarts; the timeline says in one line what holds the pod back. It is
// pure: a pod (and its classification) in, a Timeline out.
package inittimeline

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podmodel"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
)

// State is where a step is, in words a person reads at a glance.
type State string

// States of a step.
const (
	// StatePending: the step has not run yet (an earlier step holds it back, or no status yet).
	StatePending State = "pending"
	// StateWaiting: the kubelet is trying to start it (ContainerCreating, image pull, back-off).
	StateWaiting State = "waiting"
	// StateRunning: running; for a native sidecar it has not passed its startup probe yet.
	StateRunning State = "running"
	// StateStarted: a native sidecar that has started: the next step may run, it keeps running.
	StateStarted State = "started"
	// StateCompleted: terminated with exit code 0.
	StateCompleted State = "completed"
	// StateFailed: terminated with a non-zero exit code.
	StateFailed State = "failed"
	// StateShutdown: a native sidecar stopped by the kubelet after the regular containers finished.
	StateShutdown State = "shutdown"
	// StateUnknown: a manifest without status.
	StateUnknown State = "unknown"
)

// Step is one container in run order.
type Step struct {
	Name string        `json:"name"`
	Kind classify.Kind `json:"kind"`
	Role classify.Role `json:"role"`
	// Order is the 1-based position in the run: init containers and native
	// sidecars by spec order; all regular containers share the next number
	// because the kubelet starts them together.
	Order int `json:"order"`
	// StartedAt/FinishedAt are of the current run, or of the last attempt
	// when the container waits to be restarted.
	StartedAt       *time.Time `json:"startedAt"`
	FinishedAt      *time.Time `json:"finishedAt"`
	DurationSeconds *float64   `json:"durationSeconds"`
	ExitCode        *int32     `json:"exitCode"`
	Reason          string     `json:"reason,omitempty"`
	Message         string     `json:"message,omitempty"`
	Restarts        int32      `json:"restarts"`
	LastState       *LastState `json:"lastState,omitempty"`
	State           State      `json:"state"`
	Started         bool       `json:"started"`
	Ready           bool       `json:"ready"`
	// ImagePulled is false while the kubelet has no image for the container yet.
	ImagePulled bool `json:"imagePulled"`
	// Ongoing: the duration runs up to "now" (running, or waiting after an attempt).
	Ongoing bool `json:"ongoing"`
	// Pull is the step's image pull, from the kubelet's events; nil without them.
	Pull *Pull `json:"pull,omitempty"`
	// PullSeconds is the time the pull took (so far, while it goes on); nil
	// when nothing was pulled or the events do not say.
	PullSeconds *float64 `json:"pullSeconds,omitempty"`
	// Startup is a native sidecar's wait for its startup probe.
	Startup *Startup `json:"startup,omitempty"`
	// StartupSeconds is the time from the sidecar's start until the next step could run.
	StartupSeconds *float64 `json:"startupSeconds,omitempty"`
	// failing is podmodel's answer, kept for the verdict.
	failing bool
}

// LastState is the previous termination of a restarted container.
type LastState = podmodel.Termination

// IsInit tells whether the step runs before the regular containers.
func (s *Step) IsInit() bool { return s.Kind == classify.KindInit || s.Kind == classify.KindSidecar }

// Timeline is the init sequence of one pod.
type Timeline struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Source    string `json:"source,omitempty"`
	// Status is exactly the STATUS column of `kubectl get pod`.
	Status    string `json:"status"`
	Phase     string `json:"phase,omitempty"`
	Ready     string `json:"ready"`
	HasStatus bool   `json:"hasStatus"`
	// CreatedAt is the pod's creation; ScheduledAt when the scheduler bound it
	// to a node (the PodScheduled condition).
	CreatedAt   *time.Time `json:"createdAt,omitempty"`
	ScheduledAt *time.Time `json:"scheduledAt,omitempty"`
	// ScheduledSeconds is the time from creation to ScheduledAt, or to now while
	// the pod waits for a node (Unscheduled).
	ScheduledSeconds *float64 `json:"scheduledSeconds,omitempty"`
	Unscheduled      bool     `json:"unscheduled,omitempty"`
	// StartedAt is the origin of relative times: the pod's start time.
	StartedAt *time.Time `json:"startedAt,omitempty"`
	// InitializedAt is when the last init step let the regular containers start.
	InitializedAt *time.Time `json:"initializedAt,omitempty"`
	// InitSeconds is the time from the pod's start to InitializedAt.
	InitSeconds *float64 `json:"initSeconds,omitempty"`
	// InitSteps is the number of init containers and native sidecars.
	InitSteps int `json:"initSteps"`
	// Blocker is the name of the step that holds the pod back, if any.
	Blocker string `json:"blocker,omitempty"`
	Verdict string `json:"verdict"`
	Steps   []Step `json:"steps"`
	// Now is the instant ongoing durations were measured at.
	Now time.Time `json:"now"`
	// NowFromManifest: the pod was read from a file and Now is the newest
	// time its status records, not the clock.
	NowFromManifest bool `json:"nowFromManifest,omitempty"`
}

// BuildSaved makes the timeline of a pod saved to a file. What was running
// when it was saved is measured up to the newest time its status records:
// measured to the clock, a pod saved a year ago would show its init step
// running for 8760h. Without any time in the status, clock is used.
func BuildSaved(pod *corev1.Pod, cls classify.Result, clock time.Time) Timeline {
	newest := podmodel.NewestTime(pod)
	if newest.IsZero() {
		return Build(pod, nil, cls, clock)
	}
	t := Build(pod, nil, cls, newest)
	t.NowFromManifest = true
	return t
}

// Build makes the timeline of one pod at the instant now. Events are the
// pod's (nil when there is no cluster to read them from): they add each
// step's image pull and each native sidecar's failed startup probes.
func Build(pod *corev1.Pod, events []corev1.Event, cls classify.Result, now time.Time) Timeline {
	m := podmodel.Build(pod, cls)
	t := Timeline{Namespace: m.Namespace, Name: m.Name, Status: m.Status, Phase: string(m.Phase), Ready: m.Ready,
		HasStatus: m.HasStatus, InitSteps: m.InitSteps, Now: now.UTC(), StartedAt: m.StartTime}
	if t.StartedAt == nil && t.HasStatus && !pod.CreationTimestamp.IsZero() {
		t.StartedAt = podmodel.TimePtr(pod.CreationTimestamp.Time)
	}
	appOrder := len(pod.Spec.InitContainers) + 1
	for i := range m.Containers {
		if c := &m.Containers[i]; c.Kind != classify.KindEphemeral {
			t.Steps = append(t.Steps, newStep(c, t.HasStatus, appOrder, now))
		}
	}
	if t.StartedAt == nil {
		t.StartedAt = earliestStart(t.Steps)
	}
	if t.HasStatus {
		scheduling(pod, &m, &t, now)
		addEvents(&t, &m, events, now)
	}
	t.InitializedAt = initializedAt(pod, &m, &t)
	if t.InitializedAt != nil && t.StartedAt != nil {
		t.InitSeconds = seconds(t.InitializedAt.Sub(*t.StartedAt))
	}
	t.Verdict = verdict(&m, &t)
	return t
}

// newStep shows one container as a step: the step's state in the words of
// the timeline, and for a container waiting to be restarted, its last attempt.
func newStep(c *podmodel.Container, hasStatus bool, appOrder int, now time.Time) Step {
	st := Step{Name: c.Name, Kind: c.Kind, Role: c.Role, Order: c.Order, failing: c.Failing()}
	if c.Kind == classify.KindContainer {
		st.Order = appOrder
	}
	if !hasStatus {
		st.State = StateUnknown
		return st
	}
	st.Restarts, st.Ready, st.Started, st.ImagePulled, st.LastState = c.Restarts, c.Ready, c.Started, c.ImagePulled, c.LastState
	st.Reason, st.Message = c.Reason, c.Message
	st.StartedAt, st.FinishedAt = c.StartedAt, c.FinishedAt
	switch c.State {
	case podmodel.StateTerminated:
		st.ExitCode = c.ExitCode
		switch {
		case c.Shutdown:
			st.State = StateShutdown
		case *c.ExitCode == 0:
			st.State = StateCompleted
		default:
			st.State = StateFailed
		}
	case podmodel.StateRunning:
		st.Ongoing = true
		st.State = StateRunning
		if st.Kind == classify.KindSidecar && st.Started {
			st.State = StateStarted
		}
	case podmodel.StateWaiting:
		st.State = StateWaiting
		// The kubelet marks every container that an init step holds back as
		// PodInitializing: it has not been tried yet.
		if c.Reason == "PodInitializing" && c.IsInit() {
			st.State = StatePending
		}
		if st.LastState != nil {
			// Waiting to be restarted: show the last attempt and the back-off since.
			st.StartedAt, st.FinishedAt = st.LastState.StartedAt, st.LastState.FinishedAt
			code := st.LastState.ExitCode
			st.ExitCode = &code
			st.Ongoing = true
		}
	default:
		st.State = StatePending
	}
	if st.StartedAt != nil {
		end := now
		if st.FinishedAt != nil {
			end = *st.FinishedAt
		}
		st.DurationSeconds = seconds(end.Sub(*st.StartedAt))
	}
	return st
}

// initializedAt is when the regular containers were allowed to start: the
// end of the last init container or the start of the last native sidecar,
// else the Initialized condition.
func initializedAt(pod *corev1.Pod, m *podmodel.Pod, t *Timeline) *time.Time {
	if t.InitSteps == 0 || !t.HasStatus {
		return nil
	}
	var last *time.Time
	for i := range t.Steps {
		s := &t.Steps[i]
		if !s.IsInit() {
			continue
		}
		// Steps and the model's containers line up: ephemeral containers come last.
		if !m.Passed(i) {
			return nil
		}
		var at *time.Time
		switch {
		case s.Kind == classify.KindInit:
			at = s.FinishedAt
		case s.Startup != nil && s.Startup.PassedAt != nil:
			at = s.Startup.PassedAt
		case s.Restarts == 0:
			// A restarted sidecar's start time is its latest restart, not when it first let the next step run.
			at = s.StartedAt
		}
		if at != nil && (last == nil || at.After(*last)) {
			last = at
		}
	}
	if last == nil {
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodInitialized && c.Status == corev1.ConditionTrue && !c.LastTransitionTime.IsZero() {
				return podmodel.TimePtr(c.LastTransitionTime.Time)
			}
		}
	}
	return last
}

// scheduling reads the wait for a node: from the pod's creation to the
// PodScheduled condition, or up to now while the scheduler has not placed it.
func scheduling(pod *corev1.Pod, m *podmodel.Pod, t *Timeline, now time.Time) {
	if pod.CreationTimestamp.IsZero() {
		return
	}
	t.CreatedAt = podmodel.TimePtr(pod.CreationTimestamp.Time)
	t.Unscheduled = m.Unscheduled
	if m.Unscheduled {
		t.ScheduledSeconds = seconds(now.Sub(*t.CreatedAt))
		return
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue && !c.LastTransitionTime.IsZero() {
			t.ScheduledAt = podmodel.TimePtr(c.LastTransitionTime.Time)
			t.ScheduledSeconds = seconds(t.ScheduledAt.Sub(*t.CreatedAt))
		}
	}
}

func earliestStart(steps []Step) *time.Time {
	var out *time.Time
	for _, s := range steps {
		if s.StartedAt != nil && (out == nil || s.StartedAt.Before(*out)) {
			out = s.StartedAt
		}
	}
	return out
}

// verdict says in one line how the init sequence went or what holds it back.
func verdict(m *podmodel.Pod, t *Timeline) string {
	if !t.HasStatus {
		return manifestVerdict(t)
	}
	if m.Unscheduled {
		head := "not scheduled"
		if t.ScheduledSeconds != nil {
			head += " for " + FormatSeconds(*t.ScheduledSeconds)
		}
		return strings.TrimSpace(head + ": " + m.NotScheduled)
	}
	if c := m.Blocker(); c != nil {
		b := t.step(c.Name)
		t.Blocker = b.Name
		// Whatever their status says, the steps after the blocker have not been tried.
		for i := range t.Steps {
			if s := &t.Steps[i]; s.Order > b.Order && s.State == StateWaiting && s.StartedAt == nil {
				s.State = StatePending
			}
		}
		return blockedVerdict(t, b, m.StepsAfter(c))
	}
	return startedVerdict(t)
}

func (t *Timeline) step(name string) *Step {
	for i := range t.Steps {
		if t.Steps[i].Name == name {
			return &t.Steps[i]
		}
	}
	return nil
}

func manifestVerdict(t *Timeline) string {
	apps := len(t.Steps) - t.InitSteps
	start := "then 1 container starts"
	if apps != 1 {
		start = fmt.Sprintf("then %d containers start together", apps)
	}
	if t.InitSteps == 0 {
		return "no status (manifest): no init steps; " + strings.TrimPrefix(start, "then ")
	}
	return fmt.Sprintf("no status (manifest): %s run one at a time, %s", podstatus.Plural(t.InitSteps, "init step", "init steps"), start)
}

func blockedVerdict(t *Timeline, b *Step, after []string) string {
	rest := "the app containers have not started"
	for i, name := range after {
		after[i] = strconv.Quote(name)
	}
	switch len(after) {
	case 0:
	case 1:
		rest = after[0] + " has not run"
	default:
		rest = strings.Join(after, ", ") + " have not run"
	}
	out := fmt.Sprintf("at %s: %s; %s", t.StepLabel(b), blockerWords(b), rest)
	if b.failing {
		out = fmt.Sprintf("blocked at %s: %s; %s", t.StepLabel(b), failureWords(b), rest)
	}
	// A sidecar before the blocker may fail on its own; describe names it too.
	for i := range t.Steps {
		if s := &t.Steps[i]; s != b && s.failing && s.Kind != classify.KindInit {
			out += "; " + failureClause(s)
		}
	}
	return out
}

// blockerWords says what a blocking step that is not failing is doing.
func blockerWords(b *Step) string {
	if w := pullingWords(b); w != "" {
		return w
	}
	switch {
	case b.State == StateRunning && b.Kind == classify.KindSidecar:
		if b.DurationSeconds == nil {
			return "running for an unknown time, waiting for its startup probe" + probeWords(b.Startup)
		}
		return "running " + durationWords(b) + ", waiting for its startup probe" + probeWords(b.Startup)
	case b.State == StateRunning:
		return "running for " + durationWords(b)
	case b.State == StateWaiting && !b.ImagePulled && (b.Reason == "ContainerCreating" || b.Reason == ""):
		return "waiting for its image or container to be created"
	case b.State == StateWaiting:
		return withMessage(b.Reason, b.Message)
	case b.State == StateCompleted || b.State == StateShutdown:
		// A native sidecar that ended before it started: the next step never ran.
		return fmt.Sprintf("exited %d before it started", *b.ExitCode)
	}
	return "not started yet"
}

// startedVerdict: every init step is done; say how long it took, how the
// native sidecars and the regular containers are doing.
func startedVerdict(t *Timeline) string {
	var parts []string
	if w := schedulingWords(t); w != "" {
		parts = append(parts, w)
	}
	parts = append(parts, initialisedWords(t))
	parts = append(parts, sidecarWords(t)...)
	parts = append(parts, appWords(t)...)
	out := strings.Join(parts, "; ")
	// When the pod is not (yet) running, lead with the status a user sees in kubectl get.
	if t.Status != "Running" && t.Status != "Completed" && t.Status != "Succeeded" {
		out = t.Status + ": " + out
	}
	return out
}

func initialisedWords(t *Timeline) string {
	switch {
	case t.InitSteps == 0:
		return "no init steps"
	case t.InitSeconds != nil:
		out := "initialised in " + FormatSeconds(*t.InitSeconds)
		if w := timeWentTo(t); w != "" {
			out += ", " + w
		}
		return out
	}
	return "initialised"
}

// sidecarWords: how many native sidecars run, and each one that stopped, fails or restarted.
func sidecarWords(t *Timeline) []string {
	var parts []string
	started := 0
	for i := range t.Steps {
		if s := &t.Steps[i]; s.Kind == classify.KindSidecar && s.State == StateStarted {
			started++
		}
	}
	if started > 0 {
		parts = append(parts, podstatus.Plural(started, "sidecar", "sidecars")+" started")
	}
	for i := range t.Steps {
		s := &t.Steps[i]
		if s.Kind != classify.KindSidecar {
			continue
		}
		switch {
		case s.State == StateShutdown:
			parts = append(parts, fmt.Sprintf("sidecar %q stopped at shutdown (exit %d)", s.Name, *s.ExitCode))
		case s.failing:
			parts = append(parts, failureClause(s))
		case s.Restarts > 0:
			parts = append(parts, fmt.Sprintf("sidecar %q restarted %s%s", s.Name, podstatus.TimesWords(s.Restarts), lastWords(s)))
		}
	}
	return parts
}

// appWords: the regular containers that fail, wait, run or have completed.
func appWords(t *Timeline) []string {
	var waiting, failed, running, done []string
	for i := range t.Steps {
		s := &t.Steps[i]
		if s.Kind != classify.KindContainer {
			continue
		}
		switch {
		case s.failing:
			failed = append(failed, failureClause(s))
		case s.State == StateWaiting && !s.ImagePulled && (s.Reason == "PodInitializing" || s.Reason == "ContainerCreating"):
			if w := pullingWords(s); w != "" {
				waiting = append(waiting, fmt.Sprintf("image of %q (%s)", s.Name, w))
				continue
			}
			waiting = append(waiting, fmt.Sprintf("image of %q", s.Name))
		case s.State == StateWaiting || s.State == StatePending:
			waiting = append(waiting, fmt.Sprintf("%q (%s)", s.Name, orWords(s.Reason, "not created")))
		case s.State == StateRunning:
			running = append(running, fmt.Sprintf("%q", s.Name))
		case s.State == StateCompleted:
			done = append(done, fmt.Sprintf("%q", s.Name))
		}
	}
	var parts []string
	if len(failed) > 0 {
		parts = append(parts, strings.Join(failed, "; "))
	}
	if len(waiting) > 0 {
		parts = append(parts, "waiting for "+strings.Join(waiting, ", "))
	}
	if len(running) > 0 && len(waiting) == 0 && len(failed) == 0 {
		parts = append(parts, strings.Join(running, ", ")+" running")
	}
	if len(done) > 0 {
		parts = append(parts, strings.Join(done, ", ")+" completed")
	}
	return parts
}

// failureClause names a failing sidecar or container: `sidecar "x" CrashLoopBackOff, exit 1 (Error), 4 restarts`.
func failureClause(s *Step) string {
	if s.Kind == classify.KindSidecar {
		return fmt.Sprintf("sidecar %q %s", s.Name, failureWords(s))
	}
	return fmt.Sprintf("%q %s", s.Name, failureWords(s))
}

// failureWords: "CrashLoopBackOff, exit 1 (Error), 4 restarts".
func failureWords(s *Step) string {
	var parts []string
	if s.State == StateWaiting && s.Reason != "" {
		parts = append(parts, s.Reason)
	}
	switch {
	case s.State == StateFailed && s.ExitCode != nil:
		parts = append(parts, "exit "+podstatus.ExitWords(*s.ExitCode, s.Reason))
	case s.LastState != nil:
		parts = append(parts, "exit "+podstatus.ExitWords(s.LastState.ExitCode, s.LastState.Reason))
	}
	parts = append(parts, podstatus.Plural(int(s.Restarts), "restart", "restarts"))
	return strings.Join(parts, ", ")
}

func lastWords(s *Step) string {
	if s.LastState == nil {
		return ""
	}
	if s.LastState.Reason != "" {
		return fmt.Sprintf(", last %s (exit %d)", s.LastState.Reason, s.LastState.ExitCode)
	}
	return fmt.Sprintf(", last exit %d", s.LastState.ExitCode)
}

func withMessage(reason, msg string) string {
	switch {
	case reason == "":
		return orWords(msg, "waiting")
	case msg == "":
		return reason
	}
	return reason + ": " + msg
}

func orWords(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// durationWords: "4.2s", or "an unknown time" when the status gives no start.
func durationWords(s *Step) string {
	if s.DurationSeconds == nil {
		return "an unknown time"
	}
	return FormatSeconds(*s.DurationSeconds)
}

// FormatSeconds prints a duration with a tenth of a second below a minute
// ("4.2s"), where init steps differ; longer ones in kubectl's human form
// ("95s", "62m", "5h30m", "3d4h", "460d") from apimachinery.
func FormatSeconds(sec float64) string {
	if sec < 0 {
		sec = 0
	}
	if sec < 60 {
		return fmt.Sprintf("%.1fs", sec)
	}
	return duration.HumanDuration(time.Duration(sec * float64(time.Second)))
}

// StepStats are the durations of one init step (or of its image pull) across several pods.
type StepStats struct {
	Name  string `json:"name"`
	Order int    `json:"order"`
	// Kind is "pull" for the step's image pull, empty for the step itself.
	Kind   string  `json:"kind,omitempty"`
	Pods   int     `json:"pods"`
	Min    float64 `json:"minSeconds"`
	Median float64 `json:"medianSeconds"`
	Max    float64 `json:"maxSeconds"`
	// MaxPod is the pod that took longest: the one on a cold node, for a pull.
	MaxPod  string `json:"maxPod,omitempty"`
	Slowest bool   `json:"slowest"`
}

// KindPull marks the StepStats of an image pull.
const KindPull = "pull"

// Aggregate compares the init steps of several pods (of one workload): the
// durations of the steps that have run, by step name in run order, and marks
// the one with the longest median, the step a slow rollout waits on. The
// image pulls of the steps are compared too when at least one pod pulled
// (an image already present counts as 0s): the pod on a cold node shows as
// the max.
func Aggregate(timelines []Timeline) []StepStats {
	type key struct{ name, kind string }
	type sample struct {
		sec float64
		pod string
	}
	samples := map[key][]sample{}
	order := map[string]int{}
	pulled := map[string]bool{}
	add := func(k key, d float64, t *Timeline, o int) {
		samples[k] = append(samples[k], sample{d, t.Name})
		if _, ok := order[k.name]; !ok {
			order[k.name] = o
		}
	}
	for ti := range timelines {
		t := &timelines[ti]
		for si := range t.Steps {
			s := &t.Steps[si]
			if !s.IsInit() {
				continue
			}
			switch {
			case s.Pull != nil && s.Pull.AlreadyPresent:
				add(key{s.Name, KindPull}, 0, t, s.Order)
			case s.PullSeconds != nil && !s.Pull.Ongoing:
				add(key{s.Name, KindPull}, *s.PullSeconds, t, s.Order)
				pulled[s.Name] = true
			}
			if d, ok := stepSeconds(t, s); ok {
				add(key{s.Name, ""}, d, t, s.Order)
			}
		}
	}
	out := make([]StepStats, 0, len(samples))
	for k, ss := range samples {
		if k.kind == KindPull && !pulled[k.name] {
			continue
		}
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].sec < ss[j].sec })
		ds := make([]float64, len(ss))
		for i := range ss {
			ds[i] = ss[i].sec
		}
		out = append(out, StepStats{Name: k.name, Order: order[k.name], Kind: k.kind, Pods: len(ds), Min: ds[0],
			Median: median(ds), Max: ds[len(ds)-1], MaxPod: ss[len(ss)-1].pod})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Kind == KindPull && out[j].Kind != KindPull // the pull comes first
	})
	slowest := -1
	for i := range out {
		if slowest < 0 || out[i].Median > out[slowest].Median {
			slowest = i
		}
	}
	if slowest >= 0 {
		out[slowest].Slowest = true
	}
	return out
}

// stepSeconds is how long a step held the sequence: an init container's
// run; a native sidecar's time until the next step could run (it runs on
// afterwards, and its own duration would dwarf every init).
func stepSeconds(t *Timeline, s *Step) (float64, bool) {
	if s.DurationSeconds == nil {
		return 0, false
	}
	if s.Kind != classify.KindSidecar {
		return *s.DurationSeconds, true
	}
	if s.StartupSeconds != nil && !s.Startup.Ongoing {
		return *s.StartupSeconds, true
	}
	next := nextStart(t.Steps, s.Order)
	if next == nil || s.StartedAt == nil || s.Restarts > 0 {
		return 0, false
	}
	return next.Sub(*s.StartedAt).Seconds(), true
}

// nextStart is when the step after order started (the next init, or the app containers).
func nextStart(steps []Step, order int) *time.Time {
	for _, s := range steps {
		if s.Order > order && s.StartedAt != nil && s.Restarts == 0 {
			return s.StartedAt
		}
	}
	return nil
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func seconds(d time.Duration) *float64 {
	if d < 0 {
		d = 0
	}
	v := d.Seconds()
	return &v
}
