package scaffold

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
)

// podSpecPaths say where the pod spec sits in each workload kind.
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
	"PodTemplate":           {"template", "spec"},
}

// nginxImage tells whether the app is nginx, whose stub_status the default
// adapter scrapes.
var nginxImage = regexp.MustCompile(`(^|/)nginx([:@]|$)`)

// InjectResult is a manifest with a helper added.
type InjectResult struct {
	// Manifest is the input with the target's pod spec edited and any
	// ConfigMaps the helper needs appended as new documents.
	Manifest []byte
	// Target names the object changed, e.g. "deployment/web".
	Target   string
	Warnings []string
}

// document is one YAML document of a file, as bytes and as a node tree.
type document struct {
	start, end int // byte range in the file, without the "---" line
	node       *yaml.Node
}

// Inject adds the helper of o.Pattern to the workload named o.Name in src
// (any workload kind; several documents allowed). When kindSet is true only
// objects of kind o.Kind are considered. Everything outside the target's pod
// spec is kept byte for byte; inside it, lines are only added.
func Inject(src []byte, source string, o Options, kindSet, explain bool) (InjectResult, error) {
	if err := o.ValidateInject(); err != nil {
		return InjectResult{}, err
	}
	kindSet = kindSet && o.Kind != ""
	wantKind := ""
	if kindSet {
		wantKind, _ = targetKind(string(o.Kind))
	}
	docs, err := splitDocuments(src)
	if err != nil {
		return InjectResult{}, fmt.Errorf("%s: %w", source, err)
	}
	var found []string
	target := -1
	var targetKind string
	for i, d := range docs {
		if d.node == nil {
			continue
		}
		kind := scalar(mapPath(d.node, "kind"))
		name := scalar(mapPath(d.node, "metadata", "name"))
		if podSpecPaths[kind] == nil {
			continue
		}
		found = append(found, strings.ToLower(kind)+"/"+name)
		if name != o.Name || kindSet && kind != wantKind {
			continue
		}
		if target >= 0 {
			return InjectResult{}, fmt.Errorf("%s: more than one workload is named %q: choose one with --kind", source, o.Name)
		}
		target, targetKind = i, kind
	}
	if target < 0 {
		if len(found) == 0 {
			return InjectResult{}, fmt.Errorf("%s: no Pod or workload found to add the helper to", source)
		}
		what := "workload"
		if kindSet {
			what = strings.ToLower(wantKind)
		}
		return InjectResult{}, fmt.Errorf("%s: no %s named %q; it holds %s", source, what, o.Name, strings.Join(found, ", "))
	}
	d := docs[target]
	pods, err := manifest.Decode(bytes.NewReader(src[d.start:d.end]), source)
	if err != nil {
		return InjectResult{}, err
	}
	pod := pods[0].Pod
	cls := classify.Classify(pod, classify.BuiltinRules())
	mainName := cls.Main
	if mainName == "" {
		return InjectResult{}, fmt.Errorf("%s: %s/%s has no container to pair the helper with", source, strings.ToLower(targetKind), o.Name)
	}
	var mainC *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == mainName {
			mainC = &pod.Spec.Containers[i]
		}
	}
	if mainC == nil {
		return InjectResult{}, fmt.Errorf("%s: the main container %q of %s/%s is not a regular container", source, mainName, strings.ToLower(targetKind), o.Name)
	}

	batch := targetKind == "Job" || targetKind == "CronJob" ||
		pod.Spec.RestartPolicy == corev1.RestartPolicyNever || pod.Spec.RestartPolicy == corev1.RestartPolicyOnFailure
	po := o
	po.Kind = KindPod
	if batch {
		po.Kind = KindJob
	}
	p, err := presetFor(&po)
	if err != nil {
		return InjectResult{}, err
	}
	add, err := newAddition(&po, p, mainName, batch)
	if err != nil {
		return InjectResult{}, err
	}
	// The adapter's stub_status config only fits an nginx app.
	var warnings []string
	if o.Pattern == PatternAdapter && o.HelperImage == "" {
		if nginxImage.MatchString(mainC.Image) {
			add.mainMounts = append(add.mainMounts, p.main.mounts...)
			add.volumes = append(add.volumes, p.main.volumes...)
			add.configMaps = append(p.main.configMaps, add.configMaps...)
		} else {
			warnings = append(warnings, fmt.Sprintf("the default adapter scrapes nginx's stub_status at localhost:%d, but the app %q runs %s: give --helper-image and --helper-args for an exporter that reads your app", stubStatusPort, mainName, mainC.Image))
		}
	}
	if err := checkConflicts(pod, mainC, add); err != nil {
		return InjectResult{}, fmt.Errorf("%s: %s/%s: %w", source, strings.ToLower(targetKind), o.Name, err)
	}
	if targetKind == "Pod" && (mapPath(d.node, "metadata", "uid") != nil || mapPath(d.node, "metadata", "resourceVersion") != nil) {
		// The API server refuses new containers in an existing pod.
		warnings = append(warnings, fmt.Sprintf("pod %s comes from a cluster, and a pod's containers cannot be changed in place: re-create it (kubectl replace --force -f -)", o.Name))
	}
	if add.legacyBatch {
		tmpl := corev1.PodTemplateSpec{ObjectMeta: pod.ObjectMeta, Spec: *pod.Spec.DeepCopy()}
		add.applyTo(&tmpl.Spec)
		warnings = append(warnings, legacyFindings(&tmpl)...)
	}

	edited, rewritten, err := editDocument(src[d.start:d.end], d.node, podSpecPaths[targetKind], mainName, add, explain)
	if err != nil {
		return InjectResult{}, fmt.Errorf("%s: %w", source, err)
	}
	if rewritten {
		warnings = append(warnings, fmt.Sprintf("%s/%s is written in flow style (JSON or [...]/{...}), so its document was re-written in block style instead of edited in place", strings.ToLower(targetKind), o.Name))
	}
	var out bytes.Buffer
	out.Write(src[:d.start])
	out.Write(edited)
	out.Write(src[d.end:])
	if len(add.configMaps) > 0 {
		// The ConfigMaps live beside the workload that mounts them.
		ns := scalar(mapPath(d.node, "metadata", "namespace"))
		if ns == "" {
			ns = o.Namespace
		}
		objs := make([]Object, len(add.configMaps))
		for i, cm := range add.configMaps {
			cm.Namespace = ns
			objs[i] = Object{Object: cm, Notes: []Note{{Path: []string{"data"},
				Text: fmt.Sprintf("added by kubectl pods-pattern scaffold %s: configuration for %s", o.Pattern, add.helper.Name)}}}
		}
		extra, err := render(objs, "yaml", explain)
		if err != nil {
			return InjectResult{}, err
		}
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
		out.WriteString("---\n")
		out.Write(extra)
	}
	return InjectResult{Manifest: fitNotes(out.Bytes(), o.CommentWidth), Target: strings.ToLower(targetKind) + "/" + o.Name, Warnings: warnings}, nil
}

// ValidateInject checks the options for Inject: the main container comes
// from the manifest, so its flags do not apply.
func (o Options) ValidateInject() error {
	switch {
	case o.Image != "":
		return fmt.Errorf("--image does not apply with --to: the main container comes from the manifest")
	case len(o.Command) > 0 || len(o.Args) > 0:
		return fmt.Errorf("--command and --args do not apply with --to: the main container comes from the manifest")
	case o.Port != 0:
		return fmt.Errorf("--port does not apply with --to: the main container comes from the manifest")
	case len(o.Labels) > 0:
		return fmt.Errorf("--labels does not apply with --to: only the pod spec is changed")
	case o.Schedule != "":
		return fmt.Errorf("--schedule does not apply with --to: only the pod spec is changed")
	}
	if o.Name == "" {
		return fmt.Errorf("NAME is required: the name of the workload in the --to manifest")
	}
	// An existing object's name is a DNS-1123 subdomain (dots allowed).
	if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
		return fmt.Errorf("name %q is not valid: %s", o.Name, errs[0])
	}
	if o.Kind != "" {
		if _, err := targetKind(string(o.Kind)); err != nil {
			return err
		}
	}
	return o.validateHelper()
}

// targetKind reads --kind for --to, which may name any workload kind.
func targetKind(s string) (string, error) {
	switch strings.ToLower(s) {
	case "pod", "pods", "po":
		return "Pod", nil
	case "deployment", "deployments", "deploy":
		return "Deployment", nil
	case "statefulset", "statefulsets", "sts":
		return "StatefulSet", nil
	case "daemonset", "daemonsets", "ds":
		return "DaemonSet", nil
	case "replicaset", "replicasets", "rs":
		return "ReplicaSet", nil
	case "replicationcontroller", "replicationcontrollers", "rc":
		return "ReplicationController", nil
	case "job", "jobs":
		return "Job", nil
	case "cronjob", "cronjobs", "cj":
		return "CronJob", nil
	case "podtemplate", "podtemplates":
		return "PodTemplate", nil
	}
	return "", fmt.Errorf("unknown --kind %q: with --to use a workload kind (pod, deployment, statefulset, daemonset, replicaset, replicationcontroller, job, cronjob, podtemplate)", s)
}

// checkConflicts refuses names and paths that the API server would reject.
func checkConflicts(pod *corev1.Pod, mainC *corev1.Container, add *addition) error {
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if c.Name == add.helper.Name {
				return fmt.Errorf("it already has a container named %q: choose another --helper-name", c.Name)
			}
		}
	}
	for _, v := range pod.Spec.Volumes {
		for _, nv := range add.volumes {
			if v.Name == nv.Name {
				return fmt.Errorf("it already has a volume named %q: choose another --share name", v.Name)
			}
		}
	}
	for i := range pod.Spec.Containers {
		if err := portsApart(&pod.Spec.Containers[i], &add.helper); err != nil {
			return err
		}
	}
	for _, m := range mainC.VolumeMounts {
		for _, nm := range add.mainMounts {
			if m.MountPath == nm.MountPath {
				return fmt.Errorf("container %q already mounts %s at %s: choose another --share path", mainC.Name, m.Name, m.MountPath)
			}
		}
	}
	for _, e := range mainC.Env {
		for _, ne := range add.mainEnv {
			if e.Name == ne.Name {
				return fmt.Errorf("container %q already sets %s: remove it or scaffold without --to", mainC.Name, e.Name)
			}
		}
	}
	return nil
}

// splitDocuments cuts a YAML stream at its "---" lines, keeping the byte
// ranges so that the untouched documents are copied as they are.
func splitDocuments(src []byte) ([]document, error) {
	var docs []document
	start := 0
	pos := 0
	flush := func(end int) error {
		d := document{start: start, end: end}
		var n yaml.Node
		if err := yaml.Unmarshal(src[start:end], &n); err != nil {
			return fmt.Errorf("document %d: %w", len(docs)+1, err)
		}
		if n.Kind == yaml.DocumentNode && len(n.Content) > 0 && n.Content[0].Kind == yaml.MappingNode {
			d.node = n.Content[0]
		}
		docs = append(docs, d)
		return nil
	}
	for pos < len(src) {
		eol := bytes.IndexByte(src[pos:], '\n')
		next := len(src)
		if eol >= 0 {
			next = pos + eol + 1
		}
		line := src[pos:next]
		if isSeparator(line) {
			if err := flush(pos); err != nil {
				return nil, err
			}
			start = next
		}
		pos = next
	}
	if err := flush(len(src)); err != nil {
		return nil, err
	}
	return docs, nil
}

func isSeparator(line []byte) bool {
	t := bytes.TrimRight(line, " \t\r\n")
	if !bytes.HasPrefix(t, []byte("---")) {
		return false
	}
	rest := t[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t'
}

func mapPath(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil {
			return nil
		}
		n = mapValue(n, k)
	}
	return n
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}
