package printers

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogTag(t *testing.T) {
	plain := Painter{}
	cases := []struct {
		name string
		o    LogTagOptions
		want string
	}{
		{"one pod", LogTagOptions{Pod: "nx", Container: "nginx", Role: "main"}, "[nginx main] "},
		{"sidecar", LogTagOptions{Pod: "nx", Container: "sidecar", Role: "sidecar"}, "[sidecar sidecar] "},
		{"several pods", LogTagOptions{Pod: "web-1", Container: "app", Role: "main", WithPod: true}, "[web-1 app main] "},
		{"all namespaces", LogTagOptions{Namespace: "shop", Pod: "web-1", Container: "app", Role: "main", WithPod: true, WithNamespace: true}, "[shop/web-1 app main] "},
		{"previous", LogTagOptions{Pod: "nx", Container: "nginx", Role: "main", Previous: true}, "[nginx main previous] "},
		{"hostile name", LogTagOptions{Pod: "nx", Container: "a\x1b[2Jb", Role: "main"}, "[a^[[2Jb main] "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, LogTag(c.o, plain))
		})
	}
}

func TestLogTagColours(t *testing.T) {
	p := Painter{Enabled: true}
	nginx := LogTag(LogTagOptions{Namespace: "default", Pod: "nx", Container: "nginx", Role: "main"}, p)
	// Stable: the same container gets the same colour every time.
	assert.Equal(t, nginx, LogTag(LogTagOptions{Namespace: "default", Pod: "nx", Container: "nginx", Role: "main"}, p))
	assert.Equal(t, "[\x1b["+ContainerColor("default", "nx", "nginx")[0]+"mnginx\x1b[0m \x1b[1;32mmain\x1b[0m] ", nginx)
	// The role has its role colour whatever the container.
	side := LogTag(LogTagOptions{Namespace: "default", Pod: "nx", Container: "sidecar", Role: "sidecar"}, p)
	assert.Contains(t, side, "\x1b[34msidecar\x1b[0m] ")
	// Containers spread over the palette.
	seen := map[string]bool{}
	for _, name := range []string{"nginx", "sidecar", "init-index", "istio-proxy", "app", "exporter", "envoy", "vault-agent"} {
		seen[ContainerColor("default", "nx", name)[0]] = true
	}
	assert.GreaterOrEqual(t, len(seen), 4)
	// The palette stays clear of the role colours, so a role never looks like a container.
	for _, c := range containerPalette {
		for _, role := range []string{"main", "init", "sidecar", "adapter", "ambassador", "debug"} {
			assert.NotContains(t, RoleColor(role), c)
		}
	}
}

func TestSanitizeLine(t *testing.T) {
	plain := []byte("GET /index.html 404\ttook 3ms")
	assert.Same(t, &plain[0], &SanitizeLine(plain)[0], "plain ASCII is not copied")
	assert.Equal(t, "title ^[]0;pwned\\x07 \\r", string(SanitizeLine([]byte("title \x1b]0;pwned\x07 \r"))))
	assert.Equal(t, "café ✓", string(SanitizeLine([]byte("café ✓"))))
	assert.Equal(t, `c1 \x9b`, string(SanitizeLine([]byte("c1 \u009b"))))
}

func TestLogWriter(t *testing.T) {
	stamp := []byte("2026-11-26T03:30:01.5Z")
	at := time.Date(2026, 11, 26, 3, 30, 1, 5e8, time.UTC).UnixNano()
	nginx := LogSource{Namespace: "default", Pod: "nx", Container: "nginx", Role: "main"}
	cases := []struct {
		name string
		o    LogLineOptions
		src  LogSource
		line LogLine
		want string
	}{
		{"tag and text", LogLineOptions{Prefix: true}, nginx, LogLine{Stamp: stamp, Time: at, Text: []byte("GET / 404")},
			"[nginx main] GET / 404\n"},
		{"no prefix", LogLineOptions{}, nginx, LogLine{Stamp: stamp, Text: []byte("GET / 404")}, "GET / 404\n"},
		{"timestamps after the tag", LogLineOptions{Prefix: true, Timestamps: true, WithPod: true}, nginx,
			LogLine{Stamp: stamp, Text: []byte("hi")}, "[nx nginx main] 2026-11-26T03:30:01.5Z hi\n"},
		{"a line without stamp has none printed", LogLineOptions{Timestamps: true}, nginx, LogLine{Text: []byte("hi")}, "hi\n"},
		{"cut mark", LogLineOptions{}, nginx, LogLine{Text: []byte("xxx"), Truncated: true}, "xxx" + LogCutMark + "\n"},
		{"escaped", LogLineOptions{}, nginx, LogLine{Text: []byte("\x1b[2Jclear\r")}, "^[[2Jclear\\r\n"},
		{"raw", LogLineOptions{Raw: true}, nginx, LogLine{Text: []byte("\x1b[2Jclear\r")}, "\x1b[2Jclear\r\n"},
		{"colour", LogLineOptions{Prefix: true, Color: true}, LogSource{Namespace: "default", Pod: "nx", Container: "sidecar", Role: "sidecar"},
			LogLine{Text: []byte("tick")}, "[\x1b[" + ContainerColor("default", "nx", "sidecar")[0] + "msidecar\x1b[0m \x1b[34msidecar\x1b[0m] tick\n"},
		{"json", LogLineOptions{JSON: true, Prefix: true}, LogSource{Namespace: "default", Pod: "nx", Container: "nginx", Role: "main", Previous: true},
			LogLine{Stamp: stamp, Time: at, Text: []byte(`<a href="x">`), Truncated: true},
			`{"time":"2026-11-26T03:30:01.5Z","namespace":"default","pod":"nx","container":"nginx","role":"main","previous":true,"message":"<a href=\"x\">","truncated":true}` + "\n"},
		{"json escapes controls, C1 included", LogLineOptions{JSON: true}, nginx, LogLine{Stamp: stamp, Text: []byte("\x1b[2J \u009b2J")},
			`{"time":"2026-11-26T03:30:01.5Z","namespace":"default","pod":"nx","container":"nginx","role":"main","message":"\u001b[2J \u009b2J"}` + "\n"},
		{"json time without stamp", LogLineOptions{JSON: true}, nginx, LogLine{Time: at, Text: []byte("hi")},
			`{"time":"2026-11-26T03:30:01.5Z","namespace":"default","pod":"nx","container":"nginx","role":"main","message":"hi"}` + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			w := NewLogWriter(&b, c.o)
			require.NoError(t, w.Write(w.Source(c.src), c.line))
			assert.Empty(t, b.String(), "buffered until Flush")
			require.NoError(t, w.Flush())
			assert.Equal(t, c.want, b.String())
		})
	}
}
