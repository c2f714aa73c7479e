package classify

import (
	_ "embed"
	"fmt"
	"regexp"

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
func ParseRules(data []byte) (Rules, error) {
	var f ruleFile
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, err
	}
	for i := range f.Rules {
		r := &f.Rules[i]
		if r.Label == "" {
			return nil, fmt.Errorf("rule %d: label is required", i+1)
		}
		switch r.Role {
		case RoleSidecar, RoleAdapter, RoleAmbassador, RoleMain:
		default:
			return nil, fmt.Errorf("rule %q: role must be one of main, sidecar, adapter, ambassador, got %q", r.Label, r.Role)
		}
		if len(r.Names) == 0 && len(r.Images) == 0 {
			return nil, fmt.Errorf("rule %q: needs names or images", r.Label)
		}
		var err error
		if r.names, err = compileAll(r.Names); err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Label, err)
		}
		if r.images, err = compileAll(r.Images); err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Label, err)
		}
	}
	return f.Rules, nil
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
