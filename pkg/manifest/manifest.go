// Package manifest reads pods out of manifests with no cluster: a Pod, a
// workload's pod template, a List, or many YAML documents.
package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/workload"
)

// Pod is a pod found in a manifest, with where it came from.
type Pod struct {
	Pod    *corev1.Pod
	Source string // e.g. "deployment/web template", empty for a Pod
}

// errNoPods marks an object that is valid but holds no pod.
var errNoPods = errors.New("holds no pods: only " + readKinds() + " and List are read")

// readKinds names the kinds with a pod template, for errNoPods.
func readKinds() string {
	var names []string
	for _, k := range workload.Filter(workload.Kind.HasTemplate) {
		names = append(names, k.APIKind)
	}
	return strings.Join(names, ", ")
}

var decoder = serializer.NewCodecFactory(scheme.Scheme).UniversalDeserializer()

// Decode reads every document of a manifest. name is used in errors.
func Decode(r io.Reader, name string) ([]Pod, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	if startsWithJSON(br) {
		return decodeJSON(br, name)
	}
	reader := utilyaml.NewYAMLReader(br)
	var out []Pod
	// A ConfigMap or Service beside a workload is normal in a manifest: such
	// documents are skipped, and only reported when nothing holds pods.
	var noPods error
	doc, line := 0, 0 // line: lines before the current document, for error positions
	for {
		data, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		doc++
		start := line
		line += bytes.Count(data, []byte("\n")) + 1
		if len(bytes.TrimSpace(stripComments(data))) == 0 {
			continue
		}
		pods, err := decodeDocument(data)
		if errors.Is(err, errNoPods) {
			if noPods == nil {
				noPods = fmt.Errorf("%s: document %d: %w", name, doc, err)
			}
			continue
		}
		if err != nil {
			return nil, &positionError{fmt.Sprintf("%s: document %d: %s", name, doc, absoluteLines(err.Error(), start)), err}
		}
		out = append(out, pods...)
	}
	return found(out, noPods, name)
}

// found is what a whole file gave: its pods, or why it gave none.
func found(out []Pod, noPods error, name string) ([]Pod, error) {
	if len(out) == 0 && noPods != nil {
		return nil, noPods
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no pods or workloads found", name)
	}
	return out, nil
}

func decodeDocument(data []byte) ([]Pod, error) {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return decodeJSONDocument(data)
	}
	doc, err := utilyaml.ToJSON(data)
	if err != nil {
		return nil, err
	}
	return decodeJSONDocument(doc)
}

// decodeJSONDocument reads one object given as JSON. It is read as JSON, not
// as YAML again: YAML refuses C1 characters that JSON leaves unescaped.
func decodeJSONDocument(doc []byte) ([]Pod, error) {
	var meta metav1.TypeMeta
	if err := json.Unmarshal(doc, &meta); err != nil {
		return nil, err
	}
	if meta.Kind == "" {
		return nil, errors.New("object has no kind")
	}
	if isList(meta) {
		var list corev1.List
		if err := json.Unmarshal(doc, &list); err != nil {
			return nil, err
		}
		var items listItems
		for _, item := range list.Items {
			items.add(item.Raw)
		}
		return items.result()
	}
	obj, gvk, err := decoder.Decode(doc, nil, nil)
	if err != nil {
		if runtime.IsNotRegisteredError(err) {
			return nil, fmt.Errorf("%s %q %w", meta.Kind, meta.APIVersion, errNoPods)
		}
		return nil, err
	}
	return podsOf(obj, gvk)
}

// podsOf returns the pod, or a pod built from a workload's template.
func podsOf(obj runtime.Object, gvk *schema.GroupVersionKind) ([]Pod, error) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return []Pod{{Pod: o}}, nil
	case *corev1.PodList:
		out := make([]Pod, len(o.Items))
		for i := range o.Items {
			out[i] = Pod{Pod: &o.Items[i]}
		}
		return out, nil
	}
	kind, ok := workload.ForAPI(gvk.Group, gvk.Kind)
	if !ok || !kind.HasTemplate() {
		return nil, fmt.Errorf("%s %w", gvk.Kind, errNoPods)
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	tmpl, found, err := kind.PodTemplate(obj)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", kind.Name, m.GetName(), err)
	}
	if !found {
		return nil, fmt.Errorf("%s %q has no template", kind.Name, m.GetName())
	}
	p := &corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}
	p.Name, p.Namespace = m.GetName(), m.GetNamespace()
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	return []Pod{{Pod: p, Source: kind.Name + "/" + m.GetName() + " template"}}, nil
}

// positionError is a decoding error with its lines counted in the whole
// file; it unwraps to the decoder's error.
type positionError struct {
	msg string
	err error
}

func (e *positionError) Error() string { return e.msg }
func (e *positionError) Unwrap() error { return e.err }

var yamlLine = regexp.MustCompile(`line (\d+)`)

// absoluteLines rewrites the decoder's "line N" (counted within one document)
// as a line of the whole file.
func absoluteLines(msg string, offset int) string {
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	return yamlLine.ReplaceAllStringFunc(msg, func(m string) string {
		n, err := strconv.Atoi(strings.TrimPrefix(m, "line "))
		if err != nil {
			return m
		}
		return fmt.Sprintf("line %d", n+offset)
	})
}

func stripComments(data []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}
