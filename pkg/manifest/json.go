package manifest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A manifest given as JSON (`kubectl get pods -A -o json` saved to a file)
// can be a List of thousands of pods. It is read item by item from the
// stream, so that memory holds the pods, not also the file and a copy of
// every item.

// startsWithJSON tells whether the first byte that is not white space opens
// a JSON object. YAML documents start otherwise (a key, "---", a comment).
func startsWithJSON(br *bufio.Reader) bool {
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if err != nil || len(b) < n {
			return false
		}
		switch b[n-1] {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		default:
			return false
		}
	}
}

// decodeJSON reads one or more JSON objects, one after the other.
func decodeJSON(r io.Reader, name string) ([]Pod, error) {
	dec := json.NewDecoder(r)
	var out []Pod
	var noPods error
	for doc := 1; ; doc++ {
		pods, err := decodeJSONObject(dec)
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errNoPods) {
			if noPods == nil {
				noPods = fmt.Errorf("%s: document %d: %w", name, doc, err)
			}
			continue
		}
		if err != nil {
			return nil, &positionError{fmt.Sprintf("%s: document %d: %v (near byte %d)", name, doc, err, dec.InputOffset()), err}
		}
		out = append(out, pods...)
	}
	return found(out, noPods, name)
}

// decodeJSONObject reads the next object of the stream. Its "items", when
// it is a List, are decoded one by one as they arrive; any other object is
// read whole. A List's kind may come after its items (kubectl sorts keys),
// so the items are read before the kind is known, and their errors only
// count once it is known to be a List.
func decodeJSONObject(dec *json.Decoder) ([]Pod, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("expected a JSON object, found %v", tok)
	}
	fields := map[string]json.RawMessage{}
	var items *listItems
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if key == "items" {
			if items, err = streamItems(dec); err != nil {
				return nil, fmt.Errorf("items: %w", err)
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		fields[key] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	var meta metav1.TypeMeta
	for key, dst := range map[string]*string{"kind": &meta.Kind, "apiVersion": &meta.APIVersion} {
		if raw, ok := fields[key]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	if items != nil && isList(meta) {
		return items.result()
	}
	// Not a List: the object as it was, but for the items that were read
	// away (no kind that holds pods has any).
	whole, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	return decodeJSONDocument(whole)
}

// streamItems decodes the elements of the array the decoder is at.
func streamItems(dec *json.Decoder) (*listItems, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	items := &listItems{}
	if tok == nil { // "items": null
		return items, nil
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("expected a list, found %v", tok)
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		items.add(raw)
	}
	_, err = dec.Token() // the closing bracket
	return items, err
}

// listItems gathers the pods of a List's items as they are decoded. An item
// that holds no pods is skipped when the List has others (a ConfigMap beside
// a Deployment); the first other error is kept for the List's result.
type listItems struct {
	n      int
	pods   []Pod
	noPods error
	err    error
}

func (l *listItems) add(raw []byte) {
	i := l.n
	l.n++
	if l.err != nil {
		return
	}
	pods, err := decodeDocument(raw)
	switch {
	case errors.Is(err, errNoPods):
		if l.noPods == nil {
			l.noPods = fmt.Errorf("item %d: %w", i, err)
		}
	case err != nil:
		l.err = fmt.Errorf("item %d: %w", i, err)
	default:
		l.pods = append(l.pods, pods...)
	}
}

func (l *listItems) result() ([]Pod, error) {
	switch {
	case l.err != nil:
		return nil, l.err
	case l.n == 1 && l.noPods != nil:
		return nil, l.noPods
	}
	return l.pods, nil
}

// isList tells a List (or a typed list such as PodList) of the core group.
func isList(meta metav1.TypeMeta) bool {
	return meta.Kind == "List" || strings.HasSuffix(meta.Kind, "List") && meta.APIVersion == "v1"
}
