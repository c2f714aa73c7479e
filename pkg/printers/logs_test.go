package printers

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
