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
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/workload"
)

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
	var want *workload.Kind
	if kindSet && o.Kind != "" {
		k, _ := injectKind(string(o.Kind))
		want = &k
	}
	docs, err := splitDocuments(src)
	if err != nil {
		return InjectResult{}, fmt.Errorf("%s: %w", source, err)
	}
	t, err := findTarget(docs, o.Name, want)
	if err != nil {
		return InjectResult{}, fmt.Errorf("%s: %w", source, err)
	}
	t.source, t.doc = source, src[t.start:t.end]
	if err := t.readPod(); err != nil {
		return InjectResult{}, err
	}
	add, warnings, err := t.plan(o)
	if err != nil {
		return InjectResult{}, err
	}
	edited, rewritten, err := editDocument(t.doc, t.node, t.kind.SpecPath, t.main.Name, add, explain)
	if err != nil {
		return InjectResult{}, fmt.Errorf("%s: %w", source, err)
	}
	if rewritten {
		warnings = append(warnings, fmt.Sprintf("%s is written in flow style (JSON or [...]/{...}), so its document was re-written in block style instead of edited in place", t.ref()))
	}
	var out bytes.Buffer
	out.Write(src[:t.start])
	out.Write(edited)
	out.Write(src[t.end:])
	if err := t.appendConfigMaps(&out, add, o, explain); err != nil {
		return InjectResult{}, err
	}
	return InjectResult{Manifest: fitNotes(out.Bytes(), o.CommentWidth), Target: t.ref(), Warnings: warnings}, nil
}

// injectTarget is the document Inject edits and what it learnt about it.
type injectTarget struct {
	document
	source string // the file, for errors
	kind   workload.Kind
	name   string
	doc    []byte
	pod    *corev1.Pod
	main   *corev1.Container
}

func (t *injectTarget) ref() string { return t.kind.Name + "/" + t.name }

// findTarget picks the one document of a workload kind named name (and of
// kind want, when given).
func findTarget(docs []document, name string, want *workload.Kind) (*injectTarget, error) {
	var found []string
	var target *injectTarget
	for _, d := range docs {
		if d.node == nil {
			continue
		}
		kind, ok := workload.ForAPI(apiGroup(scalar(mapPath(d.node, "apiVersion"))), scalar(mapPath(d.node, "kind")))
		if !ok || !kind.HasTemplate() {
			continue
		}
		docName := scalar(mapPath(d.node, "metadata", "name"))
		found = append(found, kind.Name+"/"+docName)
		if docName != name || want != nil && kind.Name != want.Name {
			continue
		}
		if target != nil {
			return nil, fmt.Errorf("more than one workload is named %q: choose one with --kind", name)
		}
		target = &injectTarget{document: d, kind: kind, name: name}
	}
	if target != nil {
		return target, nil
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("no Pod or workload found to add the helper to")
	}
	what := "workload"
	if want != nil {
		what = want.Name
	}
	return nil, fmt.Errorf("no %s named %q; it holds %s", what, name, strings.Join(found, ", "))
}

// apiGroup is the group of an apiVersion: "apps/v1" -> "apps", "v1" -> "".
func apiGroup(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return group
}

// readPod decodes the target's pod and finds the main container the helper
// is paired with.
func (t *injectTarget) readPod() error {
	pods, err := manifest.Decode(bytes.NewReader(t.doc), t.source)
	if err != nil {
		return err
	}
	t.pod = pods[0].Pod
	mainName := classify.Classify(t.pod, classify.BuiltinRules()).Main
	if mainName == "" {
		return fmt.Errorf("%s: %s has no container to pair the helper with", t.source, t.ref())
	}
	for i := range t.pod.Spec.Containers {
		if t.pod.Spec.Containers[i].Name == mainName {
			t.main = &t.pod.Spec.Containers[i]
		}
	}
	if t.main == nil {
		return fmt.Errorf("%s: the main container %q of %s is not a regular container", t.source, mainName, t.ref())
	}
	return nil
}

// plan builds the addition for the target's pod and the warnings about it.
func (t *injectTarget) plan(o Options) (*addition, []string, error) {
	rp := t.pod.Spec.RestartPolicy
	batch := t.kind.Finishes || rp == corev1.RestartPolicyNever || rp == corev1.RestartPolicyOnFailure
	po := o
	po.Kind = KindPod
	if batch {
		po.Kind = KindJob
	}
	p, err := presetFor(&po)
	if err != nil {
		return nil, nil, err
	}
	add, err := newAddition(&po, p, t.main.Name, batch)
	if err != nil {
		return nil, nil, err
	}
	var warnings []string
	// The adapter's stub_status config only fits an nginx app.
	if o.Pattern == PatternAdapter && o.HelperImage == "" {
		if nginxImage.MatchString(t.main.Image) {
			add.mainMounts = append(add.mainMounts, p.main.mounts...)
			add.volumes = append(add.volumes, p.main.volumes...)
			add.configMaps = append(p.main.configMaps, add.configMaps...)
		} else {
			warnings = append(warnings, fmt.Sprintf("the default adapter scrapes nginx's stub_status at localhost:%d, but the app %q runs %s: give --helper-image and --helper-args for an exporter that reads your app", stubStatusPort, t.main.Name, t.main.Image))
		}
	}
	if err := checkConflicts(t.pod, t.main, add); err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", t.source, t.ref(), err)
	}
	if t.kind.Pods == workload.Itself && (mapPath(t.node, "metadata", "uid") != nil || mapPath(t.node, "metadata", "resourceVersion") != nil) {
		// The API server refuses new containers in an existing pod.
		warnings = append(warnings, fmt.Sprintf("pod %s comes from a cluster, and a pod's containers cannot be changed in place: re-create it (kubectl replace --force -f -)", t.name))
	}
	if add.legacyBatch {
		tmpl := corev1.PodTemplateSpec{ObjectMeta: t.pod.ObjectMeta, Spec: *t.pod.Spec.DeepCopy()}
		add.applyTo(&tmpl.Spec)
		warnings = append(warnings, legacyFindings(&tmpl)...)
	}
	return add, warnings, nil
}

// appendConfigMaps adds the ConfigMaps the helper needs as new documents,
// in the workload's namespace.
func (t *injectTarget) appendConfigMaps(out *bytes.Buffer, add *addition, o Options, explain bool) error {
	if len(add.configMaps) == 0 {
		return nil
	}
	ns := scalar(mapPath(t.node, "metadata", "namespace"))
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
		return err
	}
	if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
		out.WriteByte('\n')
	}
	out.WriteString("---\n")
	out.Write(extra)
	return nil
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
		if _, err := injectKind(string(o.Kind)); err != nil {
			return err
		}
	}
	return o.validateHelper()
}

// injectKind reads --kind for --to, which may name any kind with a pod template.
func injectKind(s string) (workload.Kind, error) {
	if k, ok := workload.Lookup(s); ok && k.HasTemplate() {
		return k, nil
	}
	return workload.Kind{}, fmt.Errorf("unknown --kind %q: with --to use a workload kind (%s)", s,
		strings.Join(workload.Names(workload.Filter(workload.Kind.HasTemplate)), ", "))
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
