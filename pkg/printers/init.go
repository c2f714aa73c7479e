package printers

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/inittimeline"
)

// InitOptions tune the human view of `init`.
type InitOptions struct {
	Color Painter
	// Absolute prints times as RFC 3339 (UTC) instead of relative to the pod's start.
	Absolute bool
	// Timeline: TimelineAuto draws the bars when the table leaves room for them.
	Timeline TimelineMode
	// Width is the terminal's width in columns; 0 when unknown (not a terminal).
	Width int
}

// TimelineMode says whether to draw the timeline bars.
type TimelineMode int

// Modes of the timeline bars.
const (
	TimelineAuto TimelineMode = iota
	TimelineOn
	TimelineOff
)

// Bar glyphs: what a step did in each slice of time.
const (
	glyphRan     = '█'
	glyphRunning = '▒'
	glyphWaiting = '░'
	// glyphFailed is an earlier attempt that failed; it prints as glyphRan, in red.
	glyphFailed = '▇'
)

const (
	minBarWidth     = 20
	maxBarWidth     = 100
	defaultWidth    = 120 // when --timeline is asked for and the width is unknown
	timelineHeading = "TIMELINE"
)

// InitTimelines writes one block per pod and, for a workload, the init steps
// compared across its pods.
func InitTimelines(w io.Writer, tls []inittimeline.Timeline, stats []inittimeline.StepStats, o InitOptions) error {
	for i := range tls {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := initBlock(w, &tls[i], o); err != nil {
			return err
		}
	}
	if len(stats) > 0 {
		fmt.Fprintln(w)
		return stepStats(w, stats, len(tls), o)
	}
	return nil
}

// InitList is the structured form of several pods' timelines.
type InitList struct {
	Items     []inittimeline.Timeline  `json:"items"`
	InitSteps []inittimeline.StepStats `json:"initSteps,omitempty"`
}

// PrintInitTimelines writes -o json|yaml: one timeline as an object, several as a list with the step comparison.
func PrintInitTimelines(w io.Writer, format string, tls []inittimeline.Timeline, stats []inittimeline.StepStats) error {
	if len(tls) == 1 && len(stats) == 0 {
		return PrintObject(w, format, tls[0])
	}
	return PrintObject(w, format, InitList{Items: tls, InitSteps: stats})
}

// InitHeader writes the title and the verdict of a pod.
func InitHeader(w io.Writer, t *inittimeline.Timeline, o InitOptions) {
	c := o.Color
	what := podTitle(c, t.Namespace, t.Name, t.Source)
	var when []string
	if t.HasStatus {
		what = append(what, c.Paint(Sanitize(t.Status), statusColor(t.Status)...), t.Ready+" ready")
		if t.StartedAt != nil {
			when = append(when, "started "+t.StartedAt.UTC().Format(time.RFC3339))
		}
	} else {
		what = append(what, "no status (manifest)")
	}
	WriteFields(w, o.Width, "   ", append(what[:len(what):len(what)], when...), [][]string{what, when})
	WriteWrapped(w, o.Width, Sanitize(t.Verdict))
	if t.NowFromManifest {
		WriteWrapped(w, o.Width, fmt.Sprintf("times measured up to %s, the newest time in the manifest", t.Now.UTC().Format(time.RFC3339)))
	}
}

func initBlock(w io.Writer, t *inittimeline.Timeline, o InitOptions) error {
	InitHeader(w, t, o)
	fmt.Fprintln(w)
	header, rows := stepRows(t, o, false)
	gap := columnSep
	var plain bytes.Buffer
	if err := writeTable(&plain, header, rows, ""); err != nil {
		return err
	}
	if o.Width > 0 && visibleWidth(plain.String()) > o.Width {
		// Too wide for the terminal: wrapped rows would double the height.
		header, rows = stepRows(t, o, true)
		header, rows, gap = fitTable(o.Width, "", compactColumns(header), rows)
		plain.Reset()
		if err := writeTableGap(&plain, header, rows, "", gap); err != nil {
			return err
		}
	}
	if o.Timeline == TimelineOff || !t.HasStatus {
		_, err := w.Write(plain.Bytes())
		return err
	}
	width := o.Width
	if width <= 0 {
		if o.Timeline == TimelineAuto {
			_, err := w.Write(plain.Bytes())
			return err
		}
		width = defaultWidth
	}
	room := width - visibleWidth(plain.String()) - gap
	scale := newScale(t)
	if room >= minBarWidth {
		room = min(room, maxBarWidth)
		for i := range rows {
			rows[i] = append(rows[i], bar(t, &t.Steps[i], scale, room, o.Color))
		}
		if err := writeTableGap(w, append(header, timelineHeading), rows, "", gap); err != nil {
			return err
		}
		legend(w, scale, o.Color)
		return nil
	}
	if _, err := w.Write(plain.Bytes()); err != nil {
		return err
	}
	if o.Timeline != TimelineOn {
		return nil
	}
	// No room beside the table: draw the bars under it, full width.
	fmt.Fprintln(w)
	names := 0
	for i := range t.Steps {
		names = max(names, utf8.RuneCountInString(Sanitize(t.Steps[i].Name)))
	}
	barWidth := min(max(width-names-4, minBarWidth), maxBarWidth)
	for i := range t.Steps {
		s := &t.Steps[i]
		line := fmt.Sprintf("  %-*s  %s", names, Sanitize(s.Name), bar(t, s, scale, barWidth, o.Color))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	legend(w, scale, o.Color)
	return nil
}

func legend(w io.Writer, sc scale, c Painter) {
	fmt.Fprintf(w, "timeline %s to %s: %s ran  %s running  %s waiting or backing off\n",
		"+0.0s", "+"+inittimeline.FormatSeconds(sc.total.Seconds()),
		c.Paint(string(glyphRan), grey), c.Paint(string(glyphRunning), green), c.Paint(string(glyphWaiting), yellow))
}

// stepRows are the table's header and rows. The compact form, for narrow
// terminals, leaves out FINISHED (STARTED plus DURATION) and a reason that
// repeats the state, and joins KIND and ROLE.
func stepRows(t *inittimeline.Timeline, o InitOptions, compact bool) ([]string, [][]string) {
	c := o.Color
	header := []string{"STEP", "CONTAINER", "KIND", "ROLE", "STATE", "STARTED", "FINISHED", "DURATION", "EXIT", "REASON", "RESTARTS"}
	if compact {
		header = []string{"STEP", "CONTAINER", "KIND/ROLE", "STATE", "STARTED", "DURATION", "EXIT", "REASON", "RESTARTS"}
	}
	rows := make([][]string, 0, len(t.Steps))
	for i := range t.Steps {
		s := &t.Steps[i]
		step := "app"
		if s.IsInit() {
			step = fmt.Sprintf("%d/%d", s.Order, t.InitSteps)
		}
		role := string(s.Role)
		name := c.Paint(Sanitize(s.Name), RoleColor(role)...)
		state := c.Paint(string(s.State), stateColor(s)...)
		if !compact {
			rows = append(rows, []string{step, name, string(s.Kind), c.Paint(role, RoleColor(role)...), state,
				timeCell(t, s.StartedAt, o.Absolute), finishedCell(t, s, o.Absolute), durationCell(s),
				stepExitCell(s), orNone(Sanitize(s.Reason)), restartsCell(s)})
			continue
		}
		kind := string(s.Kind)
		if role != kind {
			kind += "/" + role
		}
		reason := s.Reason
		if (reason == "Completed" && s.State == inittimeline.StateCompleted) || s.State == inittimeline.StatePending {
			reason = ""
		}
		exit := "-"
		if s.ExitCode != nil {
			exit = fmt.Sprint(*s.ExitCode)
		}
		restarts := fmt.Sprint(s.Restarts)
		if ls := s.LastState; ls != nil {
			restarts += strings.TrimRight(fmt.Sprintf(" (last %d %s", ls.ExitCode, Sanitize(ls.Reason)), " ") + ")"
		}
		rows = append(rows, []string{step, name, kind, state, timeCell(t, s.StartedAt, o.Absolute), durationCell(s),
			exit, orNone(Sanitize(reason)), restarts})
	}
	return header, rows
}

// compactColumns say how the compact table gives way when even it is too
// wide: RESTARTS keeps its count (the verdict tells the last exit), then
// STARTED goes (DURATION and the order remain), then EXIT (STATE says
// completed or failed, the verdict the failing step's exit), then long
// reasons lose their middle. The step, container and kind/role stay whole.
func compactColumns(header []string) []Column {
	cols := make([]Column, len(header))
	for i, h := range header {
		cols[i] = Column{Header: h}
		switch h {
		case "RESTARTS":
			cols[i].Short, cols[i].ShortAt, cols[i].Elide = restartCount, 1, true
		case "STARTED":
			cols[i].DropAt = 2
		case "EXIT":
			cols[i].DropAt = 3
		case "REASON":
			cols[i].Elide = true
		}
	}
	return cols
}

func stateColor(s *inittimeline.Step) []string {
	switch s.State {
	case inittimeline.StateCompleted, inittimeline.StateShutdown:
		return []string{grey}
	case inittimeline.StateRunning, inittimeline.StateStarted:
		if s.Ready || s.State == inittimeline.StateStarted {
			return []string{green}
		}
		return []string{yellow}
	case inittimeline.StateFailed:
		return []string{bold, red}
	case inittimeline.StateWaiting:
		if s.Reason == "CrashLoopBackOff" || strings.Contains(s.Reason, "Err") || strings.HasSuffix(s.Reason, "Error") {
			return []string{bold, red}
		}
		return []string{yellow}
	}
	return nil
}

func timeCell(t *inittimeline.Timeline, at *time.Time, absolute bool) string {
	switch {
	case at == nil:
		return "-"
	case absolute || t.StartedAt == nil:
		return at.UTC().Format(time.RFC3339)
	}
	return "+" + inittimeline.FormatSeconds(at.Sub(*t.StartedAt).Seconds())
}

func finishedCell(t *inittimeline.Timeline, s *inittimeline.Step, absolute bool) string {
	switch s.State {
	case inittimeline.StateRunning, inittimeline.StateStarted:
		return "running"
	case inittimeline.StateWaiting:
		if s.FinishedAt == nil {
			return "waiting"
		}
	case inittimeline.StatePending, inittimeline.StateUnknown:
		return "-"
	}
	return timeCell(t, s.FinishedAt, absolute)
}

func durationCell(s *inittimeline.Step) string {
	if s.DurationSeconds == nil {
		return "-"
	}
	return inittimeline.FormatSeconds(*s.DurationSeconds)
}

func stepExitCell(s *inittimeline.Step) string {
	if s.ExitCode == nil {
		return "-"
	}
	if s.State == inittimeline.StateWaiting {
		// The code of the last attempt, the container is not running now.
		return fmt.Sprintf("%d (last)", *s.ExitCode)
	}
	return fmt.Sprint(*s.ExitCode)
}

func restartsCell(s *inittimeline.Step) string {
	if s.State == inittimeline.StateUnknown {
		return "-"
	}
	out := fmt.Sprint(s.Restarts)
	if s.LastState != nil {
		last := s.LastState.Reason
		out += fmt.Sprintf(", last exit %s", strings.TrimSpace(fmt.Sprintf("%d %s", s.LastState.ExitCode, Sanitize(last))))
		if s.LastState.StartedAt != nil && s.LastState.FinishedAt != nil {
			out += " after " + inittimeline.FormatSeconds(s.LastState.FinishedAt.Sub(*s.LastState.StartedAt).Seconds())
		}
	}
	return out
}

// scale maps instants onto bar cells: from the pod's start to the last
// instant the timeline knows (now, when something is still going on).
type scale struct {
	origin time.Time
	total  time.Duration
}

func newScale(t *inittimeline.Timeline) scale {
	var origin time.Time
	if t.StartedAt != nil {
		origin = *t.StartedAt
	}
	end := origin
	later := func(at *time.Time) {
		if at != nil && at.After(end) {
			end = *at
		}
	}
	for i := range t.Steps {
		s := &t.Steps[i]
		later(s.StartedAt)
		later(s.FinishedAt)
	}
	// While the pod initialises the wait up to now is the story; once it
	// has, the scale ends at the last thing that happened, so that a pod
	// running for days still shows its init steps.
	if t.HasStatus && (t.Blocker != "" || (t.InitializedAt == nil && t.InitSteps > 0)) {
		later(&t.Now)
	}
	for i := range t.Steps {
		if s := &t.Steps[i]; s.State == inittimeline.StateWaiting && !s.IsInit() && s.StartedAt == nil {
			later(&t.Now) // PodInitializing, ContainerCreating: the wait is the story
		}
	}
	total := end.Sub(origin)
	if !end.Equal(t.Now) && anyRunning(t) {
		// Leave a few cells past the last event so that what still runs shows as running.
		total += total / 8
	}
	if total < time.Second {
		total = time.Second
	}
	return scale{origin: origin, total: total}
}

func anyRunning(t *inittimeline.Timeline) bool {
	for i := range t.Steps {
		if s := t.Steps[i].State; s == inittimeline.StateRunning || s == inittimeline.StateStarted {
			return true
		}
	}
	return false
}

// cell is the bar cell an instant falls in.
func (sc scale) cell(at time.Time, width int) int {
	if end := sc.origin.Add(sc.total); at.After(end) {
		at = end
	}
	f := float64(at.Sub(sc.origin)) / float64(sc.total)
	return min(max(int(math.Floor(f*float64(width))), 0), width-1)
}

// bar draws one step: blank before it ran, █ while it ran, ▒ while it runs
// on (up to now), ░ while it waits to (re)start.
func bar(t *inittimeline.Timeline, s *inittimeline.Step, sc scale, width int, c Painter) string {
	cells := []rune(strings.Repeat(" ", width))
	fill := func(from, to time.Time, g rune) {
		a, b := sc.cell(from, width), sc.cell(to, width)
		for i := a; i <= b; i++ {
			cells[i] = g
		}
	}
	waitFrom := readyAt(t, s)
	if s.Restarts > 0 && s.StartedAt != nil && waitFrom != nil && s.IsInit() {
		// Earlier attempts and their back-off, of which only the last is recorded.
		fill(*waitFrom, *s.StartedAt, glyphWaiting)
		if ls := s.LastState; ls != nil && ls.StartedAt != nil && ls.FinishedAt != nil {
			fill(*ls.StartedAt, *ls.FinishedAt, glyphFailed)
		}
	}
	switch {
	case s.StartedAt == nil:
		if s.State == inittimeline.StateWaiting && waitFrom != nil {
			fill(*waitFrom, t.Now, glyphWaiting)
		}
	case s.State == inittimeline.StateRunning || s.State == inittimeline.StateStarted:
		fill(*s.StartedAt, t.Now, glyphRunning)
	case s.FinishedAt != nil:
		if s.State == inittimeline.StateWaiting {
			fill(*s.FinishedAt, t.Now, glyphWaiting)
		}
		fill(*s.StartedAt, *s.FinishedAt, glyphRan)
	}
	if !c.Enabled {
		return strings.ReplaceAll(string(cells), string(glyphFailed), string(glyphRan))
	}
	return paintBar(string(cells), s, c)
}

// readyAt is when a step could start: when the step before it let go.
func readyAt(t *inittimeline.Timeline, s *inittimeline.Step) *time.Time {
	if !s.IsInit() {
		if t.InitializedAt != nil {
			return t.InitializedAt
		}
		if t.InitSteps == 0 {
			return t.StartedAt
		}
	}
	var prev *inittimeline.Step
	for i := range t.Steps {
		if t.Steps[i].Order >= s.Order {
			break
		}
		prev = &t.Steps[i]
	}
	switch {
	case prev == nil:
		return t.StartedAt
	case prev.Kind == classify.KindSidecar:
		return prev.StartedAt
	}
	return prev.FinishedAt
}

// paintBar colours the glyph runs: waiting yellow, running green, ran grey or red for a failure.
func paintBar(b string, s *inittimeline.Step, c Painter) string {
	ran := []string{grey}
	if s.State == inittimeline.StateFailed || (s.State == inittimeline.StateWaiting && s.ExitCode != nil && *s.ExitCode != 0) {
		ran = []string{red}
	}
	var out strings.Builder
	runes := []rune(b)
	for i := 0; i < len(runes); {
		j := i
		for j < len(runes) && runes[j] == runes[i] {
			j++
		}
		seg := string(runes[i:j])
		switch runes[i] {
		case glyphFailed:
			seg = c.Paint(strings.Repeat(string(glyphRan), j-i), red)
		case glyphRan:
			seg = c.Paint(seg, ran...)
		case glyphRunning:
			seg = c.Paint(seg, green)
		case glyphWaiting:
			seg = c.Paint(seg, yellow)
		}
		out.WriteString(seg)
		i = j
	}
	return out.String()
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// visibleWidth is the widest line of s on a terminal, colours aside.
func visibleWidth(s string) int {
	w := 0
	for _, line := range strings.Split(s, "\n") {
		w = max(w, utf8.RuneCountInString(sgr.ReplaceAllString(line, "")))
	}
	return w
}

func stepStats(w io.Writer, stats []inittimeline.StepStats, pods int, o InitOptions) error {
	for _, st := range stats {
		if st.Slowest {
			WriteWrapped(w, o.Width, fmt.Sprintf("Slowest init step across %d pods: %s (init %d), median %s, max %s over %d pods", pods,
				o.Color.Paint(fmt.Sprintf("%q", Sanitize(st.Name)), bold), st.Order,
				inittimeline.FormatSeconds(st.Median), inittimeline.FormatSeconds(st.Max), st.Pods))
		}
	}
	rows := make([][]string, 0, len(stats))
	for _, st := range stats {
		mark := ""
		if st.Slowest {
			mark = "slowest"
		}
		rows = append(rows, []string{fmt.Sprint(st.Order), Sanitize(st.Name), fmt.Sprint(st.Pods),
			inittimeline.FormatSeconds(st.Min), inittimeline.FormatSeconds(st.Median), inittimeline.FormatSeconds(st.Max), mark})
	}
	return WriteTable(w, o.Width, "  ", []Column{{Header: "STEP"}, {Header: "INIT"}, {Header: "PODS"}, {Header: "MIN"},
		{Header: "MEDIAN"}, {Header: "MAX"}, {Header: ""}}, rows)
}

// InitChanges writes the transitions seen while watching, one per line, the
// time (when the status gives one) first:
// "+12.0s    init 2/3 "migrate"   failed after 1.0s: exit 1 (Error)".
func InitChanges(w io.Writer, t *inittimeline.Timeline, changes []inittimeline.Change, o InitOptions) {
	labels := 0
	for i := range t.Steps {
		labels = max(labels, utf8.RuneCountInString(Sanitize(t.StepLabel(&t.Steps[i]))))
	}
	timeWidth := 9
	if o.Absolute {
		timeWidth = 20
	}
	for _, ch := range changes {
		at := ""
		if ch.At != nil {
			at = timeCell(t, ch.At, o.Absolute)
			if !o.Absolute && t.StartedAt != nil && ch.At.Before(*t.StartedAt) {
				at = "+0.0s"
			}
		}
		label := Sanitize(ch.Label)
		if ch.Step == "" {
			label = o.Color.Paint(label, bold)
		}
		pad := strings.Repeat(" ", max(labels-utf8.RuneCountInString(Sanitize(ch.Label)), 0))
		WriteHanging(w, o.Width, fmt.Sprintf("%-*s %s%s   ", timeWidth, at, label, pad), Sanitize(ch.What))
	}
}
