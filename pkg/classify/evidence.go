package classify

import (
	"fmt"
	"sort"
	"strings"
)

// Weights of the evidence for a helper's role. One piece of wiring is weaker
// than a built-in rule; two pieces that agree (a localhost reference and an
// exposed port, say) are stronger. The user's own rules are never outweighed.
const (
	wiringWeight  = 2
	builtinWeight = 3
	userWeight    = 1000
)

// clue is one piece of wiring evidence for a role.
type clue struct {
	role Role
	kind string // short name for the verdict, e.g. "localhost reference"
	text string
}

// verdict is the role of a helper with the reasons to add.
type verdict struct {
	role      Role
	reasons   []string
	ambiguous string
}

// weigh decides a helper's role from its rule (if any) and the wiring
// between it and the main container.
func weigh(name, main string, m ruleMatch, w *wiring, targets []serviceTarget) verdict {
	clues := helperClues(name, main, m.rule, w)
	var v verdict
	for _, c := range clues {
		v.reasons = append(v.reasons, fmt.Sprintf("%s → %s", c.text, c.role))
	}
	v.reasons = append(v.reasons, helperTargetReasons(targets, m.rule, main)...)

	if m.rule == nil && len(clues) == 0 {
		v.role = RoleSidecar
		v.reasons = append(v.reasons, fmt.Sprintf("runs beside the main container %s and no rule or wiring names its role", main))
		return v
	}
	score := map[Role]int{}
	if m.rule != nil {
		score[m.rule.Role] += builtinWeight
		if !m.rule.builtin {
			score[m.rule.Role] += userWeight
		}
	}
	for _, c := range clues {
		score[c.role] += wiringWeight
	}
	best, tied := 0, []Role(nil)
	for _, r := range []Role{RoleSidecar, RoleAdapter, RoleAmbassador} {
		switch {
		case score[r] > best:
			best, tied = score[r], []Role{r}
		case score[r] == best && best > 0:
			tied = append(tied, r)
		}
	}
	v.role = tied[0]
	if m.rule != nil {
		for _, r := range tied {
			if r == m.rule.Role {
				v.role = r
			}
		}
	}
	if len(tied) > 1 {
		names := make([]string, len(tied))
		for i, r := range tied {
			names[i] = string(r)
		}
		v.ambiguous = fmt.Sprintf("the evidence for %s points to %s equally; kept %s: set annotation %s to say which",
			name, strings.Join(names, " and "), v.role, RolesAnnotation)
		v.reasons = append(v.reasons, "ambiguous: "+v.ambiguous)
		return v
	}
	if m.rule == nil {
		return v
	}
	against := disagreeing(clues, m.rule.Role)
	switch {
	case v.role != m.rule.Role:
		v.reasons = append(v.reasons, fmt.Sprintf("strong wiring (%s) outweighs the name rule: %s, not %s",
			strings.Join(kindsFor(clues, v.role), " and "), v.role, m.rule.Role))
	case len(against) > 0 && !m.rule.builtin:
		v.reasons = append(v.reasons, fmt.Sprintf("your rule says %s, which wins over the wiring", m.rule.Role))
	case len(against) > 0:
		v.reasons = append(v.reasons, fmt.Sprintf("the name rule (%s) outweighs the weaker wiring that points elsewhere (%s)",
			m.rule.Role, strings.Join(against, ", ")))
	}
	return v
}

// disagreeing lists the roles of clues that do not support role.
func disagreeing(clues []clue, role Role) []string {
	seen := map[Role]bool{}
	var out []string
	for _, c := range clues {
		if c.role != role && !seen[c.role] {
			seen[c.role] = true
			out = append(out, string(c.role))
		}
	}
	sort.Strings(out)
	return out
}

func kindsFor(clues []clue, role Role) []string {
	var out []string
	for _, c := range clues {
		if c.role == role {
			out = append(out, c.kind)
		}
	}
	return out
}

// helperClues reads the wiring between a helper and the main container.
func helperClues(name, main string, rule *Rule, w *wiring) []clue {
	var out []clue
	proxy := rule != nil && rule.Proxy

	if refs := w.refsBetween(name, main); len(refs) > 0 {
		call := fmt.Sprintf("calls the main container %s on localhost (%s)", main, describeRefs(refs))
		exposed := w.exposedPorts(name)
		switch {
		case proxy:
			out = append(out, clue{rule.Role, "localhost reference", call + ", a known proxy in front of it"})
		case len(exposed) > 0:
			out = append(out,
				clue{RoleAdapter, "localhost reference", call},
				clue{RoleAdapter, "exposed port", "exposes its own port " + joinPorts(exposed)})
		default:
			out = append(out, clue{RoleSidecar, "localhost reference", call + " and exposes no port of its own"})
		}
	}
	if refs := w.refsBetween(main, name); len(refs) > 0 {
		out = append(out, clue{RoleAmbassador, "localhost call from the app",
			fmt.Sprintf("the main container %s calls it on localhost (%s)", main, describeRefs(refs))})
	}
	if hosts := w.remotes[name]; len(hosts) > 0 {
		if l, ok := w.listensLocally(name); ok {
			out = append(out, clue{RoleAmbassador, "remote hosts",
				fmt.Sprintf("listens on %s and names hosts outside the pod (%s)", l, shortList(hosts, 3))})
		}
	}
	if m := w.metricsClues(name); len(m) > 0 {
		out = append(out, clue{RoleAdapter, "metrics convention", "shows metrics: " + strings.Join(m, ", ")})
	}
	out = append(out, volumeClues(name, main, w)...)
	return out
}

// volumeClues reads the direction of the volumes a helper shares with the
// main container: read-only here and written there, or the other way round.
// Only writable volume types count; a configMap is read-only whatever the mount says.
func volumeClues(name, main string, w *wiring) []clue {
	var reads, feeds []string
	for _, v := range SharedVolumes(w.pod) {
		if !writableVolume(v.Type) {
			continue
		}
		var here, there *Mount
		for i := range v.Mounts {
			switch v.Mounts[i].Container {
			case name:
				here = &v.Mounts[i]
			case main:
				there = &v.Mounts[i]
			}
		}
		if here == nil || there == nil {
			continue
		}
		switch {
		case here.ReadOnly && !there.ReadOnly:
			reads = append(reads, fmt.Sprintf("%s %s", v.Type, v.Name))
		case !here.ReadOnly && there.ReadOnly:
			feeds = append(feeds, fmt.Sprintf("%s %s", v.Type, v.Name))
		}
	}
	var out []clue
	if len(reads) > 0 {
		out = append(out, clue{RoleSidecar, "volume direction",
			fmt.Sprintf("reads %s that %s writes (read-only here, read-write there)", strings.Join(reads, ", "), main)})
	}
	if len(feeds) > 0 {
		out = append(out, clue{RoleSidecar, "volume direction",
			fmt.Sprintf("writes %s that %s reads read-only (feeds the app)", strings.Join(feeds, ", "), main)})
	}
	return out
}

func writableVolume(typ string) bool {
	switch typ {
	case "emptyDir", "persistentVolumeClaim", "hostPath", "nfs", "csi", "ephemeral":
		return true
	}
	return false
}

func describeRefs(refs []localRef) string {
	s := make([]string, 0, len(refs))
	for _, r := range refs {
		s = append(s, fmt.Sprintf("%s: %s", r.Where, r.Text))
	}
	return shortList(s, 2)
}

func joinPorts(ports []listenPort) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

func shortList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
