package scaffold

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// Render serialises objects once: YAML documents (kubectl's compact style,
// with the notes as comments when explain is set) or JSON (one object, or a
// v1 List when there are several, as kubectl get -o json prints).
func Render(objs []Object, format string, explain bool) ([]byte, error) {
	return RenderWidth(objs, format, explain, 0)
}

// RenderWidth is Render with the notes wrapped to fit a terminal of width
// columns (see FitNotes).
func RenderWidth(objs []Object, format string, explain bool, width int) ([]byte, error) {
	out, err := render(objs, format, explain)
	if err != nil {
		return nil, err
	}
	return fitNotes(out, width), nil
}

// render is Render with each note on one marked line, for fitNotes.
func render(objs []Object, format string, explain bool) ([]byte, error) {
	nodes := make([]*yaml.Node, len(objs))
	for i, o := range objs {
		n, err := toNode(o.Object)
		if err != nil {
			return nil, err
		}
		if explain {
			for _, note := range o.Notes {
				annotate(n, note)
			}
		}
		nodes[i] = n
	}
	switch format {
	case "", "yaml":
		var buf bytes.Buffer
		for i, n := range nodes {
			if err := encodeYAML(&buf, n, i > 0); err != nil {
				return nil, err
			}
		}
		return buf.Bytes(), nil
	case "json":
		items := make([]any, len(nodes))
		for i, n := range nodes {
			if err := n.Decode(&items[i]); err != nil {
				return nil, err
			}
		}
		var v any = items
		if len(items) == 1 {
			v = items[0]
		} else {
			v = map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
		}
		data, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			return nil, err
		}
		return append(data, '\n'), nil
	}
	return nil, fmt.Errorf("unknown output format %q: use -o yaml or -o json", format)
}

// encodeYAML writes one node as a document; start adds the "---" line so
// that documents concatenate into one stream for kubectl apply -f -.
func encodeYAML(buf *bytes.Buffer, n *yaml.Node, start bool) error {
	if start {
		buf.WriteString("---\n")
	}
	var doc bytes.Buffer
	enc := yaml.NewEncoder(&doc)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(n); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	// The encoder leaves a blank line after a commented sequence item at
	// the end of a document; one newline ends a document.
	buf.Write(bytes.TrimRight(doc.Bytes(), "\n"))
	buf.WriteByte('\n')
	return nil
}

// toNode turns a typed object into a block-style YAML tree in the typed
// struct's field order (name before image, as people write manifests), with
// the zero values the API server fills in left out.
func toNode(obj any) (*yaml.Node, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	n := &doc
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	clean(n)
	return n, nil
}

// emptyDropped are keys whose empty mapping means "not set" (unlike
// emptyDir: {}, which means an empty directory).
var emptyDropped = map[string]bool{"status": true, "resources": true, "strategy": true, "updateStrategy": true, "metadata": true}

func clean(n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		n.Style = 0
		for _, c := range n.Content {
			clean(c)
		}
		if n.Kind == yaml.MappingNode {
			kept := n.Content[:0]
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
					continue
				}
				if v.Kind == yaml.MappingNode && len(v.Content) == 0 && emptyDropped[k.Value] {
					continue
				}
				kept = append(kept, k, v)
			}
			n.Content = kept
			reorder(n)
		}
	case yaml.ScalarNode:
		n.Style = scalarStyle(n)
	}
}

// scalarStyle writes multi-line strings as literal blocks and quotes the
// strings that kubectl would not read back as the same strings. kubectl
// reads YAML 1.1, where yes, on, n and 1:20 are not strings, though the
// YAML 1.2 encoder here leaves them plain.
func scalarStyle(n *yaml.Node) yaml.Style {
	if n.Tag != "!!str" {
		return 0
	}
	if strings.Contains(n.Value, "\n") {
		return yaml.LiteralStyle
	}
	if !readsBackAsString(n.Value) {
		return yaml.DoubleQuotedStyle
	}
	return 0
}

// readsBackAsString parses v as a plain YAML value the way kubectl does.
func readsBackAsString(v string) bool {
	data, err := sigsyaml.YAMLToJSON([]byte(v))
	if err != nil {
		return false
	}
	var got any
	if err := json.Unmarshal(data, &got); err != nil {
		return false
	}
	s, ok := got.(string)
	return ok && s == v
}

// reorder writes apiVersion before kind and a pod's volumes after its
// containers, the order people read manifests in.
func reorder(n *yaml.Node) {
	if len(n.Content) >= 4 && n.Content[0].Value == "kind" && n.Content[2].Value == "apiVersion" {
		n.Content[0], n.Content[1], n.Content[2], n.Content[3] = n.Content[2], n.Content[3], n.Content[0], n.Content[1]
	}
	if mapValue(n, "containers") == nil {
		return
	}
	var vols, rest []*yaml.Node
	at := -1
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "volumes":
			vols = []*yaml.Node{k, v}
			continue
		case "containers":
			at = len(rest) + 2
		}
		rest = append(rest, k, v)
	}
	if vols == nil {
		return
	}
	out := append(append(append([]*yaml.Node{}, rest[:at]...), vols...), rest[at:]...)
	copy(n.Content, out)
}

// annotate puts a note as a head comment on the node at the note's path.
// A path that is not in the object (an optional field left empty) is skipped.
func annotate(root *yaml.Node, note Note) {
	n := root
	var target *yaml.Node
	for _, elem := range note.Path {
		target = nil
		if name, ok := strings.CutPrefix(elem, "name="); ok && n.Kind == yaml.SequenceNode {
			for _, item := range n.Content {
				if v := mapValue(item, "name"); v != nil && v.Value == name {
					target, n = item, item
					break
				}
			}
		} else if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == elem {
					target, n = n.Content[i], n.Content[i+1]
					break
				}
			}
		}
		if target == nil {
			return
		}
	}
	if target == nil {
		return
	}
	text := noteComment(note.Text)
	if target.HeadComment != "" {
		target.HeadComment += "\n"
	}
	target.HeadComment += text
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// noteMark starts the comment line of a note until fitNotes wraps it: a
// private-use character, so that no comment or literal block of the user's
// manifest is taken for a note.
const noteMark = "\uE000"

// noteComment is a note as one marked comment line.
func noteComment(text string) string {
	return "#" + noteMark + " " + strings.Join(strings.Fields(text), " ")
}

// noteWidth is the widest a note's text runs, "# " included: a paragraph a
// person reads at a glance, on a terminal or in a file.
const noteWidth = 100

// fitNotes wraps each marked note into "# " lines at its indentation. On a
// terminal of width columns (0: not a terminal) the lines end by the last
// column; elsewhere the text is noteWidth wide, indentation aside.
func fitNotes(manifest []byte, width int) []byte {
	if !bytes.Contains(manifest, []byte(noteMark)) {
		return manifest
	}
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(string(manifest), "\n") {
		body := strings.TrimLeft(line, " ")
		text, ok := strings.CutPrefix(body, "#"+noteMark+" ")
		if !ok {
			b.WriteString(line)
			continue
		}
		pad := line[:len(line)-len(body)]
		w := noteWidth
		if width > 0 {
			w = min(noteWidth, max(width-len(pad), 30))
		}
		for _, c := range strings.Split(wrapComment(strings.TrimSuffix(text, "\n"), w), "\n") {
			b.WriteString(pad + c + "\n")
		}
	}
	return b.Bytes()
}

// wrapComment breaks text into "# " lines of at most width characters.
func wrapComment(text string, width int) string {
	var lines []string
	line := "#"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > width && line != "#" {
			lines = append(lines, line)
			line = "#"
		}
		line += " " + w
	}
	return strings.Join(append(lines, line), "\n")
}
