// Package printers renders results for people (tables, colour) and for
// programs (JSON, YAML). tablewriter is used here and nowhere else.
package printers

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	cliprinters "k8s.io/cli-runtime/pkg/printers"
)

// ColorModes are the values of --color.
var ColorModes = []string{"auto", "always", "never"}

// UseColor decides from --color and the output whether to colour: auto
// colours only a terminal, and never when NO_COLOR is set or TERM is dumb.
func UseColor(mode string, out io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		return cliprinters.AllowsColorOutput(out), nil
	default:
		return false, fmt.Errorf("--color must be one of %s, got %q", strings.Join(ColorModes, ", "), mode)
	}
}

// SGR codes used across the plugin.
const (
	reset  = "\x1b[0m"
	bold   = "1"
	red    = "31"
	green  = "32"
	yellow = "33"
	blue   = "34"
	purple = "35"
	cyan   = "36"
	grey   = "90"
)

// Painter wraps text in colours when enabled.
type Painter struct{ Enabled bool }

// Paint wraps s in the SGR codes, or returns it as is.
func (p Painter) Paint(s string, codes ...string) string {
	if !p.Enabled || len(codes) == 0 || s == "" {
		return s
	}
	return "\x1b[" + strings.Join(codes, ";") + "m" + s + reset
}

// RoleColor is the colour of a role, the same in every command.
func RoleColor(role string) []string {
	switch role {
	case "main":
		return []string{bold, green}
	case "init":
		return []string{cyan}
	case "sidecar":
		return []string{blue}
	case "adapter":
		return []string{purple}
	case "ambassador":
		return []string{yellow}
	case "debug":
		return []string{red}
	}
	return nil
}

func severityColor(sev string) []string {
	switch sev {
	case "error":
		return []string{bold, red}
	case "warning":
		return []string{yellow}
	}
	return []string{cyan}
}

// Sanitize makes untrusted text (names from the API, log lines) safe for a
// terminal: every control character but tab is shown as a visible escape, so
// no escape sequence a container prints can move the cursor, retitle the
// window or recolour the screen.
func Sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isControl(r) || (r == utf8.RuneError && size == 1) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			// A stray byte: some terminals read 0x80-0x9f alone as a C1 control.
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\x1b':
			b.WriteString("^[")
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\n':
			b.WriteString(`\n`)
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0)
}
