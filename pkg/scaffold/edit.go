package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// errFlow means the text cannot be edited line by line (flow style); the
// caller re-writes the document from its node tree instead.
var errFlow = errors.New("flow style")

// editor adds lines to one YAML document without touching the others: the
// node tree says where things are, the lines are copied as they are.
type editor struct {
	lines   []string // with their line endings
	inserts []insertion
}

type insertion struct {
	line int // insert before this 0-based line
	text string
}

// editDocument adds the helper, the main container's mounts and env, and the
// volumes to the pod spec at specPath. It returns the new document text and
// whether it had to be re-written from the node tree (flow style).
func editDocument(doc []byte, root *yaml.Node, specPath []string, mainName string, add *addition, explain bool) ([]byte, bool, error) {
	spec := mapPath(root, specPath...)
	if spec == nil || spec.Kind != yaml.MappingNode || len(spec.Content) == 0 {
		return nil, false, fmt.Errorf("%s has no pod spec", strings.Join(specPath, "."))
	}
	e := &editor{lines: splitLines(doc)}
	err := e.plan(root, spec, mainName, add, explain)
	if errors.Is(err, errFlow) {
		out, err := rewriteDocument(root, spec, mainName, add, explain)
		return out, true, err
	}
	if err != nil {
		return nil, false, err
	}
	return e.apply(), false, nil
}

func (e *editor) plan(root, spec *yaml.Node, mainName string, add *addition, explain bool) error {
	for _, n := range []*yaml.Node{root, spec} {
		if n.Style&yaml.FlowStyle != 0 {
			return errFlow
		}
	}
	containersKey, containers := mapEntry(spec, "containers")
	if containers == nil || containers.Kind != yaml.SequenceNode {
		return fmt.Errorf("the pod spec has no containers list")
	}
	if containers.Style&yaml.FlowStyle != 0 || len(containers.Content) == 0 {
		return errFlow
	}
	seqDash, err := e.dashCol(containers)
	if err != nil {
		return err
	}
	// Keep the file's own sequence style: "- " under the key or indented.
	seqOffset := seqDash - (containersKey.Column - 1)
	var mainItem *yaml.Node
	for _, it := range containers.Content {
		if scalar(mapValue(it, "name")) == mainName {
			mainItem = it
		}
	}
	if mainItem == nil || mainItem.Kind != yaml.MappingNode || mainItem.Style&yaml.FlowStyle != 0 {
		return errFlow
	}

	// Order matters where insertions meet at one line: the main container's
	// keys end inside its item, the helper follows, the pod's volumes last.
	if err := e.addRendered(mainItem, "volumeMounts", seqOffset, toAnyItems(add.mainMounts)); err != nil {
		return err
	}
	if err := e.addRendered(mainItem, "env", seqOffset, toAnyItems(add.mainEnv)); err != nil {
		return err
	}
	helperItems := []renderedItem{helperItem(add, mainName, explain)}
	list := add.helperList()
	if list == "initContainers" && mapValue(spec, list) == nil {
		at := e.keyStart(containersKey)
		text, err := renderKey(list, containersKey.Column-1, seqOffset, helperItems)
		if err != nil {
			return err
		}
		e.inserts = append(e.inserts, insertion{line: at, text: text})
	} else if err := e.addRendered(spec, list, seqOffset, helperItems); err != nil {
		return err
	}
	var vols []renderedItem
	for _, v := range add.volumes {
		item := renderedItem{value: v}
		if explain && add.volumeNotes[v.Name] != "" {
			item.comment = add.volumeNotes[v.Name]
		}
		vols = append(vols, item)
	}
	return e.addRendered(spec, "volumes", seqOffset, vols)
}

// renderedItem is a sequence item to add, with an optional head comment and
// notes inside it.
type renderedItem struct {
	value   any
	comment string
	notes   []Note
}

func toAnyItems[T any](items []T) []renderedItem {
	out := make([]renderedItem, len(items))
	for i := range items {
		out[i] = renderedItem{value: items[i]}
	}
	return out
}

func helperItem(add *addition, mainName string, explain bool) renderedItem {
	it := renderedItem{value: add.helper}
	if !explain {
		return it
	}
	for _, n := range add.notes(mainName) {
		if len(n.Path) == 3 && n.Path[1] == add.helperList() {
			it.comment = n.Text
		} else if len(n.Path) == 4 && n.Path[1] == add.helperList() {
			it.notes = append(it.notes, Note{Path: n.Path[3:], Text: n.Text})
		}
	}
	return it
}

// addRendered appends items to the block sequence m[key], or adds the key
// at the end of mapping m when it is missing.
func (e *editor) addRendered(m *yaml.Node, key string, seqOffset int, items []renderedItem) error {
	if len(items) == 0 {
		return nil
	}
	if m.Style&yaml.FlowStyle != 0 {
		return errFlow
	}
	_, seq := mapEntry(m, key)
	if seq == nil {
		text, err := renderKey(key, m.Content[0].Column-1, seqOffset, items)
		if err != nil {
			return err
		}
		e.inserts = append(e.inserts, insertion{line: e.mapEnd(m), text: text})
		return nil
	}
	if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 || len(seq.Content) == 0 {
		return errFlow
	}
	dash, err := e.dashCol(seq)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, it := range items {
		s, err := renderItem(it, dash)
		if err != nil {
			return err
		}
		b.WriteString(s)
	}
	e.inserts = append(e.inserts, insertion{line: e.seqEnd(seq, dash), text: b.String()})
	return nil
}

// dashCol is the 0-based column of the "-" of a block sequence's items.
func (e *editor) dashCol(seq *yaml.Node) (int, error) {
	first := seq.Content[0]
	line := strings.TrimRight(e.lines[first.Line-1], "\r\n")
	if first.Column-1 > len(line) {
		return 0, errFlow
	}
	prefix := line[:first.Column-1]
	if strings.TrimSpace(prefix) != "-" {
		return 0, errFlow
	}
	return strings.Index(prefix, "-"), nil
}

// seqEnd is the line after the last line of a block sequence.
func (e *editor) seqEnd(seq *yaml.Node, dash int) int {
	return e.blockEnd(lastLine(seq), dash)
}

// mapEnd is the line after the last line of a block mapping.
func (e *editor) mapEnd(m *yaml.Node) int {
	return e.blockEnd(lastLine(m), m.Content[0].Column-1)
}

// blockEnd scans from the line after `from` for the end of a block whose
// entries start at column indent: deeper lines belong to it, and so do "-"
// lines at the same column (a sequence's next item, or a compact sequence
// under a mapping's last key). Comments at or left of the column are left
// to what follows them.
func (e *editor) blockEnd(from, indent int) int {
	last := from
	for i := from + 1; i < len(e.lines); i++ {
		line := strings.TrimRight(e.lines[i], "\r\n")
		t := strings.TrimLeft(line, " ")
		if strings.TrimSpace(t) == "" {
			continue
		}
		ind := len(line) - len(t)
		switch {
		case ind > indent:
			last = i
		case strings.HasPrefix(t, "#"):
			continue
		case ind == indent && (t == "-" || strings.HasPrefix(t, "- ")):
			last = i
		default:
			return last + 1
		}
	}
	return last + 1
}

// keyStart is the line of a mapping key, moved up over the comment lines
// right above it so that a new key does not split a comment from its key.
func (e *editor) keyStart(key *yaml.Node) int {
	at := key.Line - 1
	for at > 0 {
		t := strings.TrimSpace(e.lines[at-1])
		if !strings.HasPrefix(t, "#") {
			break
		}
		at--
	}
	return at
}

// lastLine is the 0-based line where the last entry of a collection starts.
func lastLine(n *yaml.Node) int {
	for len(n.Content) > 0 {
		n = n.Content[len(n.Content)-1]
	}
	return n.Line - 1
}

func (e *editor) apply() []byte {
	sort.SliceStable(e.inserts, func(i, j int) bool { return e.inserts[i].line < e.inserts[j].line })
	var b bytes.Buffer
	next := 0
	for i, line := range e.lines {
		for next < len(e.inserts) && e.inserts[next].line == i {
			b.WriteString(e.inserts[next].text)
			next++
		}
		b.WriteString(line)
	}
	if next < len(e.inserts) && b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.WriteByte('\n')
	}
	for ; next < len(e.inserts); next++ {
		b.WriteString(e.inserts[next].text)
	}
	return b.Bytes()
}

func splitLines(doc []byte) []string {
	var out []string
	for len(doc) > 0 {
		i := bytes.IndexByte(doc, '\n')
		if i < 0 {
			out = append(out, string(doc))
			break
		}
		out = append(out, string(doc[:i+1]))
		doc = doc[i+1:]
	}
	return out
}

func mapEntry(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// renderKey writes "key:" at indent with the items under it.
func renderKey(key string, indent, seqOffset int, items []renderedItem) (string, error) {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", indent) + key + ":\n")
	for _, it := range items {
		s, err := renderItem(it, indent+seqOffset)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// renderItem writes one sequence item with its dash at column dash.
func renderItem(it renderedItem, dash int) (string, error) {
	n, err := toNode(it.value)
	if err != nil {
		return "", err
	}
	for _, note := range it.notes {
		annotate(n, note)
	}
	var buf bytes.Buffer
	if err := encodeYAML(&buf, n, false); err != nil {
		return "", err
	}
	pad := strings.Repeat(" ", dash)
	var b strings.Builder
	if it.comment != "" {
		b.WriteString(pad + noteComment(it.comment) + "\n")
	}
	first := true
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		switch {
		case first && !strings.HasPrefix(line, "#"):
			b.WriteString(pad + "- " + line + "\n")
			first = false
		case line == "":
			b.WriteString("\n")
		default:
			b.WriteString(pad + "  " + line + "\n")
		}
	}
	return b.String(), nil
}

// rewriteDocument edits the node tree and writes the document anew, for
// flow-style input (JSON) that cannot be edited line by line.
func rewriteDocument(root, spec *yaml.Node, mainName string, add *addition, explain bool) ([]byte, error) {
	appendTo := func(m *yaml.Node, key string, items []renderedItem) error {
		if len(items) == 0 {
			return nil
		}
		_, seq := mapEntry(m, key)
		if seq == nil {
			seq = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, seq)
		}
		for _, it := range items {
			n, err := toNode(it.value)
			if err != nil {
				return err
			}
			for _, note := range it.notes {
				annotate(n, note)
			}
			if it.comment != "" {
				n.HeadComment = noteComment(it.comment)
			}
			seq.Content = append(seq.Content, n)
		}
		return nil
	}
	_, containers := mapEntry(spec, "containers")
	var mainItem *yaml.Node
	if containers != nil {
		for _, it := range containers.Content {
			if scalar(mapValue(it, "name")) == mainName {
				mainItem = it
			}
		}
	}
	if mainItem == nil {
		return nil, fmt.Errorf("container %q not found in the pod spec", mainName)
	}
	if err := appendTo(mainItem, "volumeMounts", toAnyItems(add.mainMounts)); err != nil {
		return nil, err
	}
	if err := appendTo(mainItem, "env", toAnyItems(add.mainEnv)); err != nil {
		return nil, err
	}
	if err := appendTo(spec, add.helperList(), []renderedItem{helperItem(add, mainName, explain)}); err != nil {
		return nil, err
	}
	var vols []renderedItem
	for _, v := range add.volumes {
		item := renderedItem{value: v}
		if explain {
			item.comment = add.volumeNotes[v.Name]
		}
		vols = append(vols, item)
	}
	if err := appendTo(spec, "volumes", vols); err != nil {
		return nil, err
	}
	blockStyle(root)
	var buf bytes.Buffer
	if err := encodeYAML(&buf, root, false); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style &^= yaml.FlowStyle
	}
	if n.Kind == yaml.ScalarNode && n.Style&yaml.DoubleQuotedStyle != 0 && n.Tag == "!!str" {
		n.Style = scalarStyle(n)
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}
