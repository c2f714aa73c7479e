// Package scaffold writes manifests that follow a multi-container pattern
// correctly: the shared volume mounted in both containers, native sidecars
// where a pod must finish, a startup probe where the app needs its helper,
// the app pointed at its ambassador. It is pure: options in, typed objects
// out, serialised once by Render.
package scaffold

import (
	"fmt"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/workload"
)

// Pattern is a multi-container pattern.
type Pattern string

// Patterns scaffold knows.
const (
	PatternInit          Pattern = "init"
	PatternSidecar       Pattern = "sidecar"
	PatternNativeSidecar Pattern = "native-sidecar"
	PatternAdapter       Pattern = "adapter"
	PatternAmbassador    Pattern = "ambassador"
)

// Patterns lists them in the order help shows them.
var Patterns = []Pattern{PatternInit, PatternSidecar, PatternNativeSidecar, PatternAdapter, PatternAmbassador}

// Kind is the workload that holds the pod.
type Kind string

// Kinds scaffold writes.
const (
	KindPod         Kind = "pod"
	KindDeployment  Kind = "deployment"
	KindStatefulSet Kind = "statefulset"
	KindJob         Kind = "job"
	KindCronJob     Kind = "cronjob"
)

// Kinds lists them in the order help shows them: the kinds the workload
// table marks for scaffold.
var Kinds = scaffoldKinds()

func scaffoldKinds() []Kind {
	var out []Kind
	for _, k := range workload.Filter(func(k workload.Kind) bool { return k.Scaffold }) {
		out = append(out, Kind(k.Name))
	}
	return out
}

// workload is the kind's row in the workload table.
func (k Kind) workload() workload.Kind {
	w, _ := workload.Lookup(string(k))
	return w
}

// batch kinds run pods that must finish: a helper in spec.containers would
// keep them running for ever.
func (k Kind) batch() bool { return k.workload().Finishes }

// Share is an emptyDir mounted in the main container and in the helper.
type Share struct {
	Name       string
	MainPath   string
	HelperPath string
}

// Options say what to scaffold. Empty fields take the pattern's defaults.
type Options struct {
	Pattern   Pattern
	Name      string
	Namespace string
	Kind      Kind

	Image   string
	Command []string
	Args    []string
	Port    int32

	HelperName    string
	HelperImage   string
	HelperCommand []string
	HelperArgs    []string
	HelperPort    int32

	// Shares replace the pattern's default shared volume when set.
	Shares []Share
	Labels map[string]string
	// Native forces the helper into initContainers with restartPolicy: Always;
	// Legacy forces it into containers (clusters older than 1.29).
	Native bool
	Legacy bool
	// Upstream is the ambassador's external service, host:port.
	Upstream string
	// Schedule is the CronJob's schedule.
	Schedule string
	// CommentWidth is the terminal's width, which --explain's comments fit;
	// 0 when the output is not a terminal.
	CommentWidth int
}

// Object is one manifest object with the notes --explain prints beside it.
type Object struct {
	Object runtime.Object
	Notes  []Note
}

// Note is a short comment attached to the YAML node at Path. A path element
// is a mapping key, or "name=X" for the sequence item whose name is X.
type Note struct {
	Path []string
	Text string
}

// Result is what Build and Inject return.
type Result struct {
	Objects []Object
	// Warnings are things the user asked for that are wrong for the workload,
	// e.g. a classic sidecar in a Job.
	Warnings []string
}

// ParsePattern checks a PATTERN argument.
func ParsePattern(s string) (Pattern, error) {
	for _, p := range Patterns {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown pattern %q: use one of %s (or seed for the lab's examples)", s, joinNames(Patterns))
}

// ParseKind checks a --kind value; kubectl's short names are accepted.
func ParseKind(s string) (Kind, error) {
	if s == "" {
		return KindPod, nil
	}
	if k, ok := workload.Lookup(s); ok && k.Scaffold {
		return Kind(k.Name), nil
	}
	return "", fmt.Errorf("unknown --kind %q: use one of %s", s, joinNames(Kinds))
}

// ParseShare reads NAME:PATH[:HELPER_PATH]; the helper path defaults to PATH.
func ParseShare(s string) (Share, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return Share{}, fmt.Errorf("--share %q: want NAME:PATH or NAME:MAIN_PATH:HELPER_PATH", s)
	}
	sh := Share{Name: parts[0], MainPath: parts[1], HelperPath: parts[1]}
	if len(parts) == 3 {
		sh.HelperPath = parts[2]
	}
	if errs := validation.IsDNS1123Label(sh.Name); len(errs) > 0 {
		return Share{}, fmt.Errorf("--share %q: volume name %q is not valid: %s", s, sh.Name, errs[0])
	}
	for _, p := range []string{sh.MainPath, sh.HelperPath} {
		if !path.IsAbs(p) {
			return Share{}, fmt.Errorf("--share %q: mount path %q must be absolute (start with /)", s, p)
		}
		if strings.Contains(p, "..") {
			return Share{}, fmt.Errorf("--share %q: mount path %q must not contain '..'", s, p)
		}
	}
	return sh, nil
}

// ParseLabels reads key=value[,key=value].
func ParseLabels(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return nil, fmt.Errorf("--labels %q: want key=value[,key=value]", s)
		}
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return nil, fmt.Errorf("--labels: key %q is not valid: %s", k, errs[0])
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return nil, fmt.Errorf("--labels: value %q of %s is not valid: %s", v, k, errs[0])
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("--labels: key %q given twice", k)
		}
		out[k] = v
	}
	return out, nil
}

// Validate checks the options before anything is built, so that a bad flag
// gives one error and no half-written manifest.
func (o *Options) Validate() error {
	if _, err := ParsePattern(string(o.Pattern)); err != nil {
		return err
	}
	if _, err := ParseKind(string(o.Kind)); err != nil {
		return err
	}
	if err := validateName(o.Name, o.Kind); err != nil {
		return err
	}
	return o.validateHelper()
}

// validateHelper checks what Build and Inject have in common: the helper,
// the wiring and the flags that must not be combined.
func (o *Options) validateHelper() error {
	if _, err := ParsePattern(string(o.Pattern)); err != nil {
		return err
	}
	if o.Namespace != "" {
		if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
			return fmt.Errorf("namespace %q is not valid: %s", o.Namespace, errs[0])
		}
	}
	if o.HelperName != "" {
		if errs := validation.IsDNS1123Label(o.HelperName); len(errs) > 0 {
			return fmt.Errorf("--helper-name %q is not a valid container name: %s", o.HelperName, errs[0])
		}
	}
	for _, p := range []struct {
		flag string
		port int32
	}{{"--port", o.Port}, {"--helper-port", o.HelperPort}} {
		if p.port != 0 {
			if errs := validation.IsValidPortNum(int(p.port)); len(errs) > 0 {
				return fmt.Errorf("%s %d: %s", p.flag, p.port, errs[0])
			}
		}
	}
	if o.Port != 0 && o.Port == o.HelperPort {
		return fmt.Errorf("--port and --helper-port are both %d: containers of a pod share one network namespace, so they need different ports", o.Port)
	}
	if o.Legacy && o.Native {
		return fmt.Errorf("--legacy and --native contradict each other: pick one")
	}
	switch o.Pattern {
	case PatternInit:
		if o.Legacy || o.Native {
			return fmt.Errorf("--legacy and --native apply to sidecar patterns, not to init: an init container always runs to completion first")
		}
	case PatternNativeSidecar:
		if o.Legacy {
			return fmt.Errorf("native-sidecar --legacy contradicts itself: use the sidecar pattern with --legacy for a classic sidecar")
		}
	}
	if o.Upstream != "" {
		if o.Pattern != PatternAmbassador {
			return fmt.Errorf("--upstream applies to the ambassador pattern only")
		}
		if _, err := parseUpstream(o.Upstream); err != nil {
			return err
		}
	}
	if o.Schedule != "" && o.Kind != KindCronJob {
		return fmt.Errorf("--schedule applies to --kind cronjob only")
	}
	seen := map[string]bool{}
	for _, s := range o.Shares {
		if _, err := ParseShare(s.Name + ":" + s.MainPath + ":" + s.HelperPath); err != nil {
			return err
		}
		if seen[s.Name] {
			return fmt.Errorf("--share %s given twice: one volume per name", s.Name)
		}
		seen[s.Name] = true
	}
	for k := range o.Labels {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("--labels: key %q is not valid: %s", k, errs[0])
		}
	}
	return nil
}

func validateName(name string, kind Kind) error {
	if name == "" {
		return fmt.Errorf("NAME is required: scaffold PATTERN NAME")
	}
	// The name is also the app label's value and, for a StatefulSet, the
	// name of its headless Service, so it must be a DNS-1123 label, not just
	// a subdomain.
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return fmt.Errorf("name %q is not valid: %s", name, errs[0])
	}
	if kind == KindStatefulSet {
		if errs := validation.IsDNS1035Label(name); len(errs) > 0 {
			return fmt.Errorf("name %q is not valid for a statefulset (its Service needs it): %s", name, errs[0])
		}
	}
	// The CronJob controller appends an 11-character suffix to Job names.
	if kind == KindCronJob && len(name) > 52 {
		return fmt.Errorf("name %q is too long for a cronjob: at most 52 characters", name)
	}
	return nil
}

type upstream struct {
	Host string
	Port int32
}

func parseUpstream(s string) (upstream, error) {
	host, port, ok := strings.Cut(s, ":")
	if !ok {
		return upstream{}, fmt.Errorf("--upstream %q: want HOST:PORT, e.g. info.cern.ch:80", s)
	}
	if errs := validation.IsDNS1123Subdomain(host); len(errs) > 0 {
		if errs2 := validation.IsValidIP(nil, host); len(errs2) > 0 {
			return upstream{}, fmt.Errorf("--upstream %q: %q is neither a DNS name nor an IP address", s, host)
		}
	}
	var p int
	if _, err := fmt.Sscanf(port, "%d", &p); err != nil || fmt.Sprint(p) != port || len(validation.IsValidPortNum(p)) > 0 {
		return upstream{}, fmt.Errorf("--upstream %q: port %q must be a number from 1 to 65535", s, port)
	}
	return upstream{Host: host, Port: int32(p)}, nil
}

func joinNames[T ~string](items []T) string {
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = string(it)
	}
	return strings.Join(s, ", ")
}

// containerNameFromImage names a container after its image, as kubectl
// create deployment does: "docker.io/library/nginx:1.27" -> "nginx".
func containerNameFromImage(image string) string {
	base := image
	if i := strings.LastIndex(base, "/"); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.IndexAny(base, ":@"); i >= 0 {
		base = base[:i]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 63 {
		name = strings.Trim(name[:63], "-")
	}
	if name == "" || len(validation.IsDNS1123Label(name)) > 0 {
		return "app"
	}
	return name
}
