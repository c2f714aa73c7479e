package printers

import (
	"fmt"
	"strings"
	"time"
)

// LogMarker is a line of the merged logs that is no container's output: the
// boundary between two instances of a container.
type LogMarker struct {
	// Kind is "restart" or "gap".
	Kind string
	// From and To bound a gap: lines between them may be missing.
	From, To time.Time
	// ExitCode and Reason are the previous instance's end; Ran how long it
	// ran (0 when unknown); RestartCount the new instance's number.
	ExitCode     int32
	Reason       string
	Ran          time.Duration
	RestartCount int32
	// Stamp and Time are the marker's place in the stream.
	Stamp []byte
	Time  int64
}

// Text is the marker's words: "sidecar restarted: exit 137 (OOMKilled)
// after 4m12s, restart 3".
func (m *LogMarker) Text(container string) string {
	if m.Kind == "gap" {
		return fmt.Sprintf("%s: lines may be missing between %s and %s (the log was rotated while its stream was reopened)",
			container, m.From.UTC().Format(time.RFC3339Nano), m.To.UTC().Format(time.RFC3339Nano))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s restarted: exit %d", container, m.ExitCode)
	if m.Reason != "" {
		fmt.Fprintf(&b, " (%s)", m.Reason)
	}
	if m.Ran > 0 {
		fmt.Fprintf(&b, " after %s", m.Ran.Round(time.Second))
	}
	fmt.Fprintf(&b, ", restart %d", m.RestartCount)
	return b.String()
}

// jsonLogMarker is a marker in -o json.
type jsonLogMarker struct {
	Time         string  `json:"time"`
	Namespace    string  `json:"namespace"`
	Pod          string  `json:"pod"`
	Container    string  `json:"container"`
	Marker       string  `json:"marker"`
	ExitCode     int32   `json:"exitCode"`
	Reason       string  `json:"reason,omitempty"`
	RanSeconds   float64 `json:"ranSeconds,omitempty"`
	RestartCount int32   `json:"restartCount"`
}

// jsonGapMarker is a gap marker in -o json.
type jsonGapMarker struct {
	Time      string `json:"time"`
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	Marker    string `json:"marker"`
	From      string `json:"from"`
	To        string `json:"to"`
}

// WriteMarker writes a marker of s's container, in its colour, without a
// tag: "── sidecar restarted: exit 137 (OOMKilled) after 4m12s, restart 3 ──".
func (w *LogWriter) WriteMarker(s *LogSource, m *LogMarker) error {
	stamp := string(m.Stamp)
	if stamp == "" {
		stamp = time.Unix(0, m.Time).UTC().Format(time.RFC3339Nano)
	}
	if w.json != nil {
		w.jsonBuf.Reset()
		var v any = jsonLogMarker{Time: stamp, Namespace: s.Namespace, Pod: s.Pod, Container: s.Container,
			Marker: m.Kind, ExitCode: m.ExitCode, Reason: m.Reason, RanSeconds: m.Ran.Round(time.Second).Seconds(),
			RestartCount: m.RestartCount}
		if m.Kind == "gap" {
			v = jsonGapMarker{Time: stamp, Namespace: s.Namespace, Pod: s.Pod, Container: s.Container, Marker: m.Kind,
				From: m.From.UTC().Format(time.RFC3339Nano), To: m.To.UTC().Format(time.RFC3339Nano)}
		}
		if err := w.json.Encode(v); err != nil {
			return err
		}
		_, err := w.out.Write(EscapeC1(w.jsonBuf.Bytes()))
		return err
	}
	name := s.Container
	if w.o.WithPod || w.o.WithNamespace {
		pod := s.Pod
		if w.o.WithNamespace {
			pod = s.Namespace + "/" + pod
		}
		name = pod + " " + name
	}
	text := "── " + Sanitize(m.Text(name)) + " ──"
	if w.o.Timestamps {
		text = Sanitize(stamp) + " " + text
	}
	_, _ = w.out.WriteString(Painter{Enabled: w.o.Color}.Paint(text, ContainerColor(s.Namespace, s.Pod, s.Container)...))
	_, err := w.out.Write(newline)
	return err
}
