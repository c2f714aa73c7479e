package printers

import (
	"hash/fnv"
	"strings"
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
