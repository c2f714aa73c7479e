package printers

import (
	"fmt"
	"strings"
	"time"
)

// eventsColor paints the tag of events in the merged logs: one colour of
// their own, apart from the container palette and the role colours.
const eventsColor = "38;5;245"

// LogEvent is one occurrence of a pod's event in the merged logs.
type LogEvent struct {
	Namespace string
	Pod       string
	// Container is read from the event's involvedObject.fieldPath; empty
	// when the event is about the pod.
	Container string
	Type      string // Normal, Warning
	Reason    string
	Message   string
	// Count is how many times the event happened up to this occurrence,
	// Since the first of them; Count <= 1 is a single occurrence.
	Count int32
	Since time.Time
	// Stamp and Time are the occurrence's time, as for a log line.
	Stamp []byte
	Time  int64
}

// Text is what --grep and --exclude see of an event: its line without tag.
func (e *LogEvent) Text() string {
	var b strings.Builder
	if e.Type != "" && e.Type != "Normal" {
		b.WriteString(e.Type)
		b.WriteByte(' ')
	}
	b.WriteString(e.Reason)
	b.WriteString(": ")
	b.WriteString(e.Message)
	if e.Count > 1 {
		fmt.Fprintf(&b, " (%d times since %s)", e.Count, e.Since.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// jsonLogEvent is an event in -o json.
type jsonLogEvent struct {
	Time      string `json:"time"`
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	Event     bool   `json:"event"`
	Type      string `json:"type"`
	Reason    string `json:"reason"`
	Message   string `json:"message"`
	Count     int32  `json:"count,omitempty"`
	Since     string `json:"since,omitempty"`
}

// eventTag is "[events nginx] ", "[events pod] ", with the pod's name in
// front when several pods mix, as LogTag does.
func (w *LogWriter) eventTag(e *LogEvent, p Painter) string {
	var b strings.Builder
	b.WriteByte('[')
	if w.o.WithPod || w.o.WithNamespace {
		pod := e.Pod
		if w.o.WithNamespace {
			pod = e.Namespace + "/" + pod
		}
		b.WriteString(p.Paint(Sanitize(pod), ContainerColor(e.Namespace, e.Pod, e.Container)...))
		b.WriteByte(' ')
	}
	what := "pod"
	if e.Container != "" {
		what = e.Container
	}
	b.WriteString(p.Paint("events "+Sanitize(what), eventsColor))
	b.WriteString("] ")
	return b.String()
}

// WriteEvent writes one occurrence of an event. Its text comes from the API
// and is escaped whatever --raw says: --raw is for a container's own output.
func (w *LogWriter) WriteEvent(e *LogEvent) error {
	stamp := string(e.Stamp)
	if stamp == "" {
		stamp = time.Unix(0, e.Time).UTC().Format(time.RFC3339Nano)
	}
	if w.json != nil {
		j := jsonLogEvent{Time: stamp, Namespace: e.Namespace, Pod: e.Pod, Container: e.Container, Event: true,
			Type: e.Type, Reason: e.Reason, Message: e.Message}
		if e.Count > 1 {
			j.Count, j.Since = e.Count, e.Since.UTC().Format(time.RFC3339)
		}
		w.jsonBuf.Reset()
		if err := w.json.Encode(j); err != nil {
			return err
		}
		_, err := w.out.Write(EscapeC1(w.jsonBuf.Bytes()))
		return err
	}
	p := Painter{Enabled: w.o.Color}
	if w.o.Prefix {
		_, _ = w.out.WriteString(w.eventTag(e, p))
	}
	if w.o.Timestamps {
		_, _ = w.out.WriteString(Sanitize(stamp))
		_ = w.out.WriteByte(' ')
	}
	text := Sanitize(e.Text())
	if e.Type == "Warning" {
		text = p.Paint(text, yellow)
	}
	_, _ = w.out.WriteString(text)
	_, err := w.out.Write(newline)
	return err
}
