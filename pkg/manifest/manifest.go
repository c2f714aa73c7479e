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

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

// Pod is a pod found in a manifest, with where it came from.
type Pod struct {
	Pod    *corev1.Pod
	Source string // e.g. "deployment/web template", empty for a Pod
}

// errNoPods marks an object that is valid but holds no pod.
var errNoPods = errors.New("holds no pods: only Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate and List are read")

var decoder = serializer.NewCodecFactory(scheme.Scheme).UniversalDeserializer()

// Decode reads every document of a manifest. name is used in errors.
func Decode(r io.Reader, name string) ([]Pod, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReaderSize(r, 64*1024))
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
			return nil, fmt.Errorf("%s: document %d: %s", name, doc, absoluteLines(err.Error(), start))
		}
		out = append(out, pods...)
	}
	if len(out) == 0 && noPods != nil {
		return nil, noPods
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no pods or workloads found", name)
	}
	return out, nil
}

func decodeDocument(data []byte) ([]Pod, error) {
	doc, err := utilyaml.ToJSON(data)
	if err != nil {
		return nil, err
	}
	// The document is JSON now: read it as JSON. Reading it as YAML again
	// would refuse C1 characters that JSON leaves unescaped (and is slower).
	var meta metav1.TypeMeta
	if err := json.Unmarshal(doc, &meta); err != nil {
		return nil, err
	}
	if meta.Kind == "" {
		return nil, errors.New("object has no kind")
	}
	if meta.Kind == "List" || strings.HasSuffix(meta.Kind, "List") && meta.APIVersion == "v1" {
		var list corev1.List
		if err := json.Unmarshal(doc, &list); err != nil {
			return nil, err
		}
		var out []Pod
		for i, item := range list.Items {
			pods, err := decodeDocument(item.Raw)
			if errors.Is(err, errNoPods) && len(list.Items) > 1 {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			out = append(out, pods...)
		}
		return out, nil
	}
	obj, _, err := decoder.Decode(doc, nil, nil)
	if err != nil {
		if runtime.IsNotRegisteredError(err) {
			return nil, fmt.Errorf("%s %q %w", meta.Kind, meta.APIVersion, errNoPods)
		}
		return nil, err
	}
	return podsOf(obj)
}

// podsOf returns the pod, or a pod built from a workload's template.
func podsOf(obj runtime.Object) ([]Pod, error) {
	tmpl := func(kind string, m metav1.ObjectMeta, t corev1.PodTemplateSpec) []Pod {
		p := &corev1.Pod{ObjectMeta: t.ObjectMeta, Spec: t.Spec}
		p.Name, p.Namespace = m.Name, m.Namespace
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		return []Pod{{Pod: p, Source: kind + "/" + m.Name + " template"}}
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return []Pod{{Pod: o}}, nil
	case *corev1.PodList:
		out := make([]Pod, len(o.Items))
		for i := range o.Items {
			out[i] = Pod{Pod: &o.Items[i]}
		}
		return out, nil
	case *appsv1.Deployment:
		return tmpl("deployment", o.ObjectMeta, o.Spec.Template), nil
	case *appsv1.StatefulSet:
		return tmpl("statefulset", o.ObjectMeta, o.Spec.Template), nil
	case *appsv1.DaemonSet:
		return tmpl("daemonset", o.ObjectMeta, o.Spec.Template), nil
	case *appsv1.ReplicaSet:
		return tmpl("replicaset", o.ObjectMeta, o.Spec.Template), nil
	case *batchv1.Job:
		return tmpl("job", o.ObjectMeta, o.Spec.Template), nil
	case *batchv1.CronJob:
		return tmpl("cronjob", o.ObjectMeta, o.Spec.JobTemplate.Spec.Template), nil
	case *corev1.ReplicationController:
		if o.Spec.Template == nil {
			return nil, fmt.Errorf("replicationcontroller %q has no template", o.Name)
		}
		return tmpl("replicationcontroller", o.ObjectMeta, *o.Spec.Template), nil
	case *corev1.PodTemplate:
		return tmpl("podtemplate", o.ObjectMeta, o.Template), nil
	}
	return nil, fmt.Errorf("%s %w", obj.GetObjectKind().GroupVersionKind().Kind, errNoPods)
}

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
