package classify

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

//go:embed rules.yaml
var builtinRules []byte

// Rule is one signature: a container whose name or image matches gets Role.
type Rule struct {
	Label      string   `json:"label"`
	Role       Role     `json:"role"`
	Names      []string `json:"names,omitempty"`
	Images     []string `json:"images,omitempty"`
	Annotation string   `json:"annotation,omitempty"`
	// Proxy marks a helper that stands in front of the app or between it and
	// the outside: a Service targeting it does not make it the app, and its
	// forwarding to the app on localhost supports its role.
	Proxy bool `json:"proxy,omitempty"`

	names  []*regexp.Regexp
	images []*regexp.Regexp
	// builtin rules can be outweighed by strong wiring evidence; the user's own
	// rules (--rules, the config file) cannot.
	builtin bool
}

// Rules is an ordered rule table; the first match wins.
type Rules []Rule

type ruleFile struct {
	Rules []Rule `json:"rules"`
}

// BuiltinRules returns the embedded table.
func BuiltinRules() Rules {
	r, err := ParseRules(builtinRules)
	if err != nil {
		panic(fmt.Sprintf("embedded rules.yaml is invalid: %v", err))
	}
	for i := range r {
		r[i].builtin = true
	}
	return r
}

// ParseRules reads a rule file (the format of rules.yaml) and checks it.
// Errors name the line of the rule at fault, so a user can fix the file.
func ParseRules(data []byte) (Rules, error) {
	lines, err := ruleLines(data)
	if err != nil {
		return nil, err
	}
	var f ruleFile
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, err
	}
	for i := range f.Rules {
		if err := f.Rules[i].check(i); err != nil {
			if i < len(lines) {
				return nil, fmt.Errorf("line %d: %w", lines[i], err)
			}
			return nil, err
		}
	}
	return f.Rules, nil
}

// ruleFields are the fields a rule may have; anything else is a typo.
var ruleFields = []string{"label", "role", "names", "images", "annotation", "proxy"}

// ruleLines returns the line of each rule, and refuses YAML that is not a
// rule file with the line at fault (the strict JSON decoder has no lines).
func ruleLines(data []byte) ([]int, error) {
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	top := doc.Content[0]
	if top.Kind != yamlv3.MappingNode {
		return nil, fmt.Errorf("line %d: a rules file is a mapping with a \"rules\" list", top.Line)
	}
	var lines []int
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i], top.Content[i+1]
		if key.Value != "rules" {
			return nil, fmt.Errorf("line %d: unknown field %q: a rules file has only \"rules\"", key.Line, key.Value)
		}
		if val.Kind != yamlv3.SequenceNode {
			return nil, fmt.Errorf("line %d: \"rules\" must be a list", val.Line)
		}
		for n, item := range val.Content {
			lines = append(lines, item.Line)
			if item.Kind != yamlv3.MappingNode {
				return nil, fmt.Errorf("line %d: rule %d must be a mapping", item.Line, n+1)
			}
			for k := 0; k+1 < len(item.Content); k += 2 {
				if name := item.Content[k].Value; !slices.Contains(ruleFields, name) {
					return nil, fmt.Errorf("line %d: rule %d: unknown field %q (a rule has %s)", item.Content[k].Line, n+1, name, strings.Join(ruleFields, ", "))
				}
			}
		}
	}
	return lines, nil
}

// check validates rule i (0-based) and compiles its expressions.
func (r *Rule) check(i int) error {
	if r.Label == "" {
		return fmt.Errorf("rule %d: label is required", i+1)
	}
	switch r.Role {
	case RoleSidecar, RoleAdapter, RoleAmbassador, RoleMain:
	default:
		return fmt.Errorf("rule %q: role must be one of main, sidecar, adapter, ambassador, got %q", r.Label, r.Role)
	}
	if len(r.Names) == 0 && len(r.Images) == 0 {
		return fmt.Errorf("rule %q: needs names or images", r.Label)
	}
	var err error
	if r.names, err = compileAll(r.Names); err != nil {
		return fmt.Errorf("rule %q: %w", r.Label, err)
	}
	if r.images, err = compileAll(r.Images); err != nil {
		return fmt.Errorf("rule %q: %w", r.Label, err)
	}
	return nil
}

func compileAll(exprs []string) ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, 0, len(exprs))
	for _, e := range exprs {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, err
		}
		out = append(out, re)
	}
	return out, nil
}

// match returns the evidence in words when the rule applies, or "".
func (r *Rule) match(name, image string, annotations map[string]string) string {
	if r.Annotation != "" {
		if _, ok := annotations[r.Annotation]; !ok {
			return ""
		}
	}
	suffix := ""
	if r.Annotation != "" {
		suffix = fmt.Sprintf(", pod annotation %s", r.Annotation)
	}
	for _, re := range r.names {
		if re.MatchString(name) {
			return fmt.Sprintf("name matches %s (%s)%s", r.Label, r.Role, suffix)
		}
	}
	for _, re := range r.images {
		if re.MatchString(image) {
			return fmt.Sprintf("image matches %s (%s)%s", r.Label, r.Role, suffix)
		}
	}
	return ""
}

// Match returns the first rule that applies and its evidence.
func (rs Rules) Match(name, image string, annotations map[string]string) (*Rule, string) {
	for i := range rs {
		if why := rs[i].match(name, image, annotations); why != "" {
			return &rs[i], why
		}
	}
	return nil, ""
}
