package printers

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// OutputFormats are the values of -o for structured output.
var OutputFormats = []string{"json", "yaml"}

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
