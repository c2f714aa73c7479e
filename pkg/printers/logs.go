package printers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"hash/fnv"
	"io"
	"strings"
	"time"
)

// containerPalette holds 256-colour foregrounds that read on dark and light
// backgrounds. Role colours (RoleColor) are kept apart from these: in a tag the
// container's name takes its palette colour and the role its role colour, so
// two containers with the same role still differ and the role stays visible.
var containerPalette = []string{
	"38;5;39", "38;5;208", "38;5;170", "38;5;41", "38;5;214", "38;5;75",
	"38;5;204", "38;5;114", "38;5;141", "38;5;180", "38;5;44", "38;5;167",
}

// ContainerColor is the colour of one container, stable run after run: a
// hash of namespace/pod/container picks it from the palette.
func ContainerColor(namespace, pod, container string) []string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(namespace + "/" + pod + "/" + container))
	return []string{containerPalette[h.Sum32()%uint32(len(containerPalette))]}
}

// LogTagOptions say what a log line's tag shows.
type LogTagOptions struct {
	Namespace string
	Pod       string
	Container string
	Role      string
	// WithPod adds the pod's name (when lines of several pods mix).
	WithPod bool
	// WithNamespace writes the pod as namespace/pod (with -A).
	WithNamespace bool
	// Previous marks lines of a container's previous instance.
	Previous bool
}

// LogTag is the prefix of a merged log line: "[nginx main] ", with the pod
// when several pods mix ("[nx-1 nginx main] "). Names come from the API and
// are escaped.
func LogTag(o LogTagOptions, p Painter) string {
	var b strings.Builder
	b.WriteByte('[')
	if o.WithPod || o.WithNamespace {
		pod := o.Pod
		if o.WithNamespace {
			pod = o.Namespace + "/" + pod
		}
		b.WriteString(p.Paint(Sanitize(pod), ContainerColor(o.Namespace, o.Pod, o.Container)...))
		b.WriteByte(' ')
	}
	b.WriteString(p.Paint(Sanitize(o.Container), ContainerColor(o.Namespace, o.Pod, o.Container)...))
	if o.Role != "" {
		b.WriteByte(' ')
		b.WriteString(p.Paint(Sanitize(o.Role), RoleColor(o.Role)...))
	}
	if o.Previous {
		b.WriteByte(' ')
		b.WriteString(p.Paint("previous", grey))
	}
	b.WriteString("] ")
	return b.String()
}

// SanitizeLine is Sanitize for a log line held as bytes: plain ASCII (by far
// the common case) is returned as is without a copy.
func SanitizeLine(b []byte) []byte {
	for _, c := range b {
		if c < 0x20 && c != '\t' || c >= 0x7f {
			return []byte(Sanitize(string(b)))
		}
	}
	return b
}

// LogLineOptions say how LogWriter writes a line.
type LogLineOptions struct {
	// JSON writes one object per line instead of text.
	JSON bool
	// Prefix starts each text line with its tag (LogTag).
	Prefix bool
	// Timestamps writes the line's timestamp, as sent, after the tag.
	Timestamps bool
	// Raw writes container output as is, control sequences included.
	Raw bool
	// Color paints the tags.
	Color bool
	// WithPod and WithNamespace go to the tags (see LogTagOptions).
	WithPod       bool
	WithNamespace bool
}

// LogSource is the container instance a line comes from.
type LogSource struct {
	Namespace string
	Pod       string
	Container string
	Role      string
	Previous  bool

	tag []byte
}

// LogLine is one line of a container's log.
type LogLine struct {
	// Stamp is the timestamp as the API sent it, empty when it sent none.
	Stamp []byte
	// Time is the line's time in Unix nanoseconds (JSON's time without Stamp).
	Time int64
	Text []byte
	// Truncated means the line was cut: it gets LogCutMark.
	Truncated bool
}

// LogCutMark ends a line cut at logmerge.DefaultMaxLineBytes.
const LogCutMark = " [line cut at 1 MiB]"

// LogWriter writes log lines, text or JSON, through a buffer: call Flush
// before waiting for more lines.
type LogWriter struct {
	o       LogLineOptions
	out     *bufio.Writer
	json    *json.Encoder
	jsonBuf bytes.Buffer
}

// jsonLogLine is a line of -o json.
type jsonLogLine struct {
	Time      string `json:"time"`
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	Role      string `json:"role"`
	Previous  bool   `json:"previous,omitempty"`
	Message   string `json:"message"`
	Truncated bool   `json:"truncated,omitempty"`
}

// NewLogWriter writes to out.
func NewLogWriter(out io.Writer, o LogLineOptions) *LogWriter {
	w := &LogWriter{o: o, out: bufio.NewWriterSize(out, 64<<10)}
	if o.JSON {
		w.json = json.NewEncoder(&w.jsonBuf)
		w.json.SetEscapeHTML(false)
	}
	return w
}

// Source describes a container instance, its tag made once.
func (w *LogWriter) Source(s LogSource) *LogSource {
	s.tag = []byte(LogTag(LogTagOptions{
		Namespace: s.Namespace, Pod: s.Pod, Container: s.Container, Role: s.Role,
		WithPod: w.o.WithPod, WithNamespace: w.o.WithNamespace, Previous: s.Previous,
	}, Painter{Enabled: w.o.Color}))
	return &s
}

var newline = []byte{'\n'}

// Write writes one line of s.
func (w *LogWriter) Write(s *LogSource, l LogLine) error {
	if w.json != nil {
		stamp := string(l.Stamp)
		if stamp == "" {
			stamp = time.Unix(0, l.Time).UTC().Format(time.RFC3339Nano)
		}
		w.jsonBuf.Reset()
		if err := w.json.Encode(jsonLogLine{Time: stamp, Namespace: s.Namespace, Pod: s.Pod, Container: s.Container,
			Role: s.Role, Previous: s.Previous, Message: string(l.Text), Truncated: l.Truncated}); err != nil {
			return err
		}
		// encoding/json escapes C0 controls but leaves C1 raw.
		_, err := w.out.Write(EscapeC1(w.jsonBuf.Bytes()))
		return err
	}
	if w.o.Prefix {
		_, _ = w.out.Write(s.tag)
	}
	if w.o.Timestamps && len(l.Stamp) > 0 {
		_, _ = w.out.Write(SanitizeLine(l.Stamp))
		_ = w.out.WriteByte(' ')
	}
	text := l.Text
	if !w.o.Raw {
		text = SanitizeLine(text)
	}
	_, _ = w.out.Write(text)
	if l.Truncated {
		_, _ = w.out.WriteString(LogCutMark)
	}
	_, err := w.out.Write(newline)
	return err
}

// Flush writes out what the buffer holds.
func (w *LogWriter) Flush() error { return w.out.Flush() }
