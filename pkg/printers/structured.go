package printers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// ValidateOutput checks an -o value; "" means the human view.
func ValidateOutput(format string) error {
	switch format {
	case "", "json", "yaml":
		return nil
	}
	return fmt.Errorf("unknown output format %q: use -o json or -o yaml", format)
}

// ValidateViewOutput checks the -o value of a command with a view for
// people, which -o wide prints with every column in full.
func ValidateViewOutput(format string) error {
	switch format {
	case "", FormatWide, "json", "yaml":
		return nil
	}
	return fmt.Errorf("unknown output format %q: use -o wide, -o json or -o yaml", format)
}

// PrintList writes items as one object when there is one, else as a
// kubectl-style List (YAML) or a JSON array.
func PrintList[T any](w io.Writer, format string, items []T) error {
	var v any = items
	if len(items) == 1 {
		v = items[0]
	} else if format == "yaml" {
		v = map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
	}
	return PrintObject(w, format, v)
}

// PrintObject writes v as indented JSON or YAML.
func PrintObject(w io.Writer, format string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	data = EscapeC1(data)
	if format == "yaml" {
		if data, err = yaml.JSONToYAML(data); err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}

// EscapeC1 writes the C1 control characters (U+0080 to U+009F) of JSON text
// as \u escapes. encoding/json leaves them raw, yet some terminals read
// U+009B as CSI, and YAML refuses them in its input (the -o yaml path reads
// the JSON back as YAML). The result is the same JSON value.
func EscapeC1(data []byte) []byte {
	// In UTF-8 each of them is 0xC2 followed by 0x80..0x9F.
	if !bytes.Contains(data, []byte{0xc2}) {
		return data
	}
	out := make([]byte, 0, len(data)+16)
	for i := 0; i < len(data); i++ {
		if data[i] == 0xc2 && i+1 < len(data) && data[i+1] >= 0x80 && data[i+1] <= 0x9f {
			out = fmt.Appendf(out, `\u%04x`, data[i+1])
			i++
			continue
		}
		out = append(out, data[i])
	}
	return out
}
