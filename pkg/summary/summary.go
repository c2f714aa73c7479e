// Package summary makes the one-line-per-pod view of `summary`: the
// pattern of a pod in a few words, its worst finding, pods folded by
// workload, and the footer's counts. It is pure: reports and findings in,
// rows out.
package summary

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/checks"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// Row is one pod. Its JSON form is `summary -o json`'s item (docs/summary-schema.md).
type Row struct {
	Context   string            `json:"context,omitempty"`
	Namespace string            `json:"namespace"`
	Name      string            `json:"name"`
	Status    string            `json:"status"`
	Ready     string            `json:"ready"`
	Restarts  int               `json:"restarts"`
	Main      string            `json:"main"`
	Roles     map[string]string `json:"roles"`
	Pattern   string            `json:"pattern"`
	Findings  []checks.Finding  `json:"findings"`

	// For the table and the folding, not the JSON.
	RestartsText string         `json:"-"`
	Node         string         `json:"-"`
	Workload     Workload       `json:"-"`
	roleRestarts map[string]int // role -> restarts
	readyPod     bool
	blocker      string // the blocking init step, if any
	restarting   []string
}

// Workload is the owner a pod is folded under: Deployment (through its
// ReplicaSet), StatefulSet, DaemonSet, Job, CronJob, or the pod itself.
type Workload struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

func (w Workload) String() string { return strings.ToLower(w.Kind) + "/" + w.Name }

// Build makes the row of one pod from its report and findings.
func Build(pod *corev1.Pod, r *report.Pod, findings []checks.Finding, restartsText string) Row {
	row := Row{
		Namespace: pod.Namespace, Name: pod.Name, Status: r.Status, Ready: r.Ready, Restarts: r.Restarts,
		Main: r.Main, Roles: map[string]string{}, Pattern: Pattern(r), Findings: findings,
		RestartsText: restartsText, Node: pod.Spec.NodeName, roleRestarts: map[string]int{},
	}
	if row.Findings == nil {
		row.Findings = []checks.Finding{}
	}
	if row.RestartsText == "" {
		row.RestartsText = fmt.Sprint(r.Restarts)
	}
	for _, c := range r.Containers {
		row.Roles[c.Name] = string(c.Role)
		row.roleRestarts[string(c.Role)] += int(c.Restarts)
	}
	row.readyPod = r.HasStatus && r.Phase == string(corev1.PodRunning) && readyAll(r.Ready)
	for _, f := range findings {
		switch f.ID {
		case report.IDInitFailing, report.IDInitCannotStart, report.IDInitWaiting:
			row.blocker = f.Container
		case report.IDHelperRestarting:
			row.restarting = append(row.restarting, f.Container)
		case report.IDOOMKilled, report.IDCrashLooping:
			if f.Container != "" && f.Container != r.Main && row.Roles[f.Container] != string(classify.RoleInit) {
				row.restarting = append(row.restarting, f.Container)
			}
		}
	}
	return row
}

func readyAll(ready string) bool {
	a, b, ok := strings.Cut(ready, "/")
	return ok && a == b && a != "0"
}

// Worst is the most severe finding (nil when none).
func (r *Row) Worst() *checks.Finding { return checks.Worst(r.Findings) }

// Pattern says the pod's structure in a few words, e.g.
// "init×2 → app + native sidecar(istio-proxy) + adapter(statsd-exporter)":
// init steps counted, then the app and its helpers; a helper a rule
// recognised is named.
func Pattern(r *report.Pod) string {
	inits := 0
	var parts []string
	app := false
	for _, c := range r.Containers {
		switch {
		case c.Kind == classify.KindInit:
			inits++
		case c.Kind == classify.KindContainer && c.Name == r.Main:
			app = true
		default:
			word := string(c.Role)
			if c.Kind == classify.KindSidecar {
				word = "native " + word
			}
			if recognised(c.Reasons) {
				word += "(" + c.Name + ")"
			}
			parts = append(parts, word)
		}
	}
	if app {
		parts = append([]string{"app"}, parts...)
	}
	out := strings.Join(parts, " + ")
	switch {
	case inits == 1:
		out = "init → " + out
	case inits > 1:
		out = fmt.Sprintf("init×%d → %s", inits, out)
	}
	return out
}

// recognised tells a role a rule or an annotation gave from a guess.
func recognised(reasons []string) bool {
	for _, r := range reasons {
		if strings.HasPrefix(r, "name matches ") || strings.HasPrefix(r, "image matches ") || strings.HasPrefix(r, "annotation ") {
			return true
		}
	}
	return false
}

// WorkloadOf names the pod's owner. Deployments are found through the
// ReplicaSet's pod-template-hash (the Deployment controller names the
// ReplicaSet NAME-HASH and labels the pods with HASH); jobCronJobs maps a
// Job to its CronJob when known.
func WorkloadOf(pod *corev1.Pod, jobCronJobs map[string]string) Workload {
	for _, o := range pod.OwnerReferences {
		if o.Controller == nil || !*o.Controller {
			continue
		}
		switch o.Kind {
		case "ReplicaSet":
			if hash := pod.Labels["pod-template-hash"]; hash != "" {
				if name, ok := strings.CutSuffix(o.Name, "-"+hash); ok {
					return Workload{Kind: "Deployment", Name: name}
				}
			}
		case "Job":
			if cj := jobCronJobs[o.Name]; cj != "" {
				return Workload{Kind: "CronJob", Name: cj}
			}
		}
		return Workload{Kind: o.Kind, Name: o.Name}
	}
	return Workload{Kind: "Pod", Name: pod.Name}
}

// WorkloadRow is the pods of one workload folded into one row.
type WorkloadRow struct {
	Context   string            `json:"context,omitempty"`
	Namespace string            `json:"namespace"`
	Kind      string            `json:"kind"`
	Name      string            `json:"name"`
	Pods      int               `json:"pods"`
	ReadyPods int               `json:"readyPods"`
	Pattern   string            `json:"pattern"`
	Restarts  map[string]int    `json:"restarts"`
	Findings  []WorkloadFinding `json:"findings"`
	patterns  map[string]int
}

// WorkloadFinding is a check that fired on some pods of a workload.
type WorkloadFinding struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Pods     int    `json:"pods"`
}

// Fold groups rows by context, namespace and workload, sorted by them.
func Fold(rows []Row) []WorkloadRow {
	index := map[string]int{}
	var out []WorkloadRow
	seen := map[string]map[string]bool{} // workload -> id -> pod counted
	for _, r := range rows {
		key := r.Context + "\x00" + r.Namespace + "\x00" + r.Workload.String()
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, WorkloadRow{Context: r.Context, Namespace: r.Namespace, Kind: r.Workload.Kind, Name: r.Workload.Name,
				Restarts: map[string]int{}, Findings: []WorkloadFinding{}, patterns: map[string]int{}})
			seen[key] = map[string]bool{}
		}
		w := &out[i]
		w.Pods++
		if r.readyPod {
			w.ReadyPods++
		}
		w.patterns[r.Pattern]++
		for role, n := range r.roleRestarts {
			if n > 0 {
				w.Restarts[role] += n
			}
		}
		counted := map[string]bool{}
		for _, f := range r.Findings {
			k := f.ID + "\x00" + f.Severity
			if counted[k] {
				continue
			}
			counted[k] = true
			found := false
			for j := range w.Findings {
				if w.Findings[j].ID == f.ID && w.Findings[j].Severity == f.Severity {
					w.Findings[j].Pods++
					found = true
				}
			}
			if !found {
				w.Findings = append(w.Findings, WorkloadFinding{ID: f.ID, Severity: f.Severity, Pods: 1})
			}
		}
	}
	for i := range out {
		w := &out[i]
		w.Pattern = commonest(w.patterns)
		if n := len(w.patterns); n > 1 {
			w.Pattern += fmt.Sprintf(" (+%d other)", n-1)
		}
		sort.SliceStable(w.Findings, func(a, b int) bool {
			return checks.Rank(w.Findings[a].Severity) > checks.Rank(w.Findings[b].Severity)
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Context+"\x00"+a.Namespace+"\x00"+a.Kind+"/"+a.Name < b.Context+"\x00"+b.Namespace+"\x00"+b.Kind+"/"+b.Name
	})
	return out
}

func commonest(counts map[string]int) string {
	best, n := "", -1
	for k, c := range counts {
		if c > n || (c == n && k < best) {
			best, n = k, c
		}
	}
	return best
}

// Footer counts pods per pattern, per blocking init step and per
// restarting helper, most frequent first.
type Footer struct {
	Pods       int
	Patterns   []Count
	Blockers   []Count
	Restarting []Count
}

// Count is a label and how many pods have it.
type Count struct {
	Label string
	Pods  int
}

// Tally accumulates the footer as rows stream by.
type Tally struct {
	pods                           int
	patterns, blockers, restarting map[string]int
}

// NewTally starts an empty footer.
func NewTally() *Tally {
	return &Tally{patterns: map[string]int{}, blockers: map[string]int{}, restarting: map[string]int{}}
}

// Add counts one row.
func (t *Tally) Add(r *Row) {
	t.pods++
	t.patterns[r.Pattern]++
	if r.blocker != "" {
		t.blockers[r.blocker]++
	}
	seen := map[string]bool{}
	for _, c := range r.restarting {
		if !seen[c] {
			seen[c] = true
			t.restarting[c]++
		}
	}
}

// Footer returns the counts.
func (t *Tally) Footer() Footer {
	return Footer{Pods: t.pods, Patterns: sorted(t.patterns), Blockers: sorted(t.blockers), Restarting: sorted(t.restarting)}
}

func sorted(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pods != out[j].Pods {
			return out[i].Pods > out[j].Pods
		}
		return out[i].Label < out[j].Label
	})
	return out
}
