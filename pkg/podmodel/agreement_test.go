package podmodel_test

import (
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/inittimeline"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// Describe's findings name the blocker as `init "x" (2/3) ...` and a failing
// container as `sidecar "x" is crash-looping: ...`, `container "x" exited 1`.
var (
	describeBlocker = regexp.MustCompile(`^(?:init|sidecar) "([^"]+)" \(\d+/\d+\) `)
	describeFailing = regexp.MustCompile(`^(?:init|sidecar|container) "([^"]+)" (?:\(\d+/\d+\) )?(?:is failing|is crash-looping|exited \d+|was OOMKilled)`)
	// Init's verdict names a failing blocker `blocked at init 2/3 "x": ...`,
	// other failing containers as clauses that end with the restart count.
	initFailingBlocker = regexp.MustCompile(`^blocked at init \d+/\d+ (?:sidecar )?"([^"]+)": `)
	initFailingClause  = regexp.MustCompile(`^(?:sidecar )?"([^"]+)" [^"]*\d+ restarts?$`)
)

// described is what describe names: the blocking init step and the failing containers.
func described(r report.Pod) (string, []string) {
	blocker := ""
	failing := map[string]bool{}
	for _, f := range r.Findings {
		if m := describeBlocker.FindStringSubmatch(f.Message); m != nil {
			blocker = m[1]
		}
		if m := describeFailing.FindStringSubmatch(f.Message); m != nil && f.Severity == report.SeverityError {
			failing[m[1]] = true
		}
	}
	return blocker, sortedKeys(failing)
}

// timelined is what init names, read from its verdict.
func timelined(t *testing.T, tl inittimeline.Timeline) (string, []string) {
	failing := map[string]bool{}
	if m := initFailingBlocker.FindStringSubmatch(tl.Verdict); m != nil {
		failing[m[1]] = true
	}
	for _, clause := range strings.Split(tl.Verdict, "; ") {
		if m := initFailingClause.FindStringSubmatch(clause); m != nil {
			failing[m[1]] = true
		}
	}
	if tl.Blocker != "" {
		assert.Contains(t, tl.Verdict, `"`+tl.Blocker+`"`)
	}
	return tl.Blocker, sortedKeys(failing)
}

func sortedKeys(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// variants turn a fixture into the states a pod of that shape goes through,
// so that the rules are compared on failures too, not only on healthy pods.
var variants = []struct {
	name   string
	change func(p *corev1.Pod) bool // false: does not apply to this pod
}{
	{"as saved", func(*corev1.Pod) bool { return true }},
	{"first init step crash-loops", func(p *corev1.Pod) bool {
		if len(p.Status.InitContainerStatuses) == 0 {
			return false
		}
		p.Status.Phase = corev1.PodPending
		for i := range p.Status.InitContainerStatuses {
			p.Status.InitContainerStatuses[i] = notRun(p.Status.InitContainerStatuses[i].Name)
		}
		for i := range p.Status.ContainerStatuses {
			p.Status.ContainerStatuses[i] = notRun(p.Status.ContainerStatuses[i].Name)
		}
		crash(&p.Status.InitContainerStatuses[0])
		return true
	}},
	{"first app container crash-loops", func(p *corev1.Pod) bool {
		if len(p.Status.ContainerStatuses) == 0 {
			return false
		}
		crash(&p.Status.ContainerStatuses[0])
		return true
	}},
	{"last app container exited 2", func(p *corev1.Pod) bool {
		n := len(p.Status.ContainerStatuses)
		if n == 0 {
			return false
		}
		cs := &p.Status.ContainerStatuses[n-1]
		cs.Ready = false
		cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}}
		return true
	}},
	{"first native sidecar crash-loops after init", func(p *corev1.Pod) bool {
		for i, c := range p.Spec.InitContainers {
			if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways && i < len(p.Status.InitContainerStatuses) {
				crash(&p.Status.InitContainerStatuses[i])
				return true
			}
		}
		return false
	}},
	{"a native sidecar crash-loops while the init step after it runs", func(p *corev1.Pod) bool {
		side := -1
		for i, c := range p.Spec.InitContainers {
			switch {
			case i >= len(p.Status.InitContainerStatuses):
				return false
			case c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways:
				if side < 0 {
					side = i
				}
			case side >= 0:
				p.Status.Phase = corev1.PodPending
				crash(&p.Status.InitContainerStatuses[side])
				p.Status.InitContainerStatuses[i].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
				for j := i + 1; j < len(p.Status.InitContainerStatuses); j++ {
					p.Status.InitContainerStatuses[j] = notRun(p.Status.InitContainerStatuses[j].Name)
				}
				for j := range p.Status.ContainerStatuses {
					p.Status.ContainerStatuses[j] = notRun(p.Status.ContainerStatuses[j].Name)
				}
				return true
			}
		}
		return false
	}},
	{"scheduled, no container status yet", func(p *corev1.Pod) bool {
		p.Status = corev1.PodStatus{Phase: corev1.PodPending,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}}
		return true
	}},
	{"not scheduled", func(p *corev1.Pod) bool {
		p.Status = corev1.PodStatus{Phase: corev1.PodPending,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available"}}}
		return true
	}},
}

func notRun(name string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}}
}

func crash(cs *corev1.ContainerStatus) {
	no := false
	cs.Started, cs.Ready, cs.RestartCount = &no, false, 3
	cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}
}

// sharedPods are the shared fixtures and init's own saved pods.
func sharedPods(t *testing.T) map[string]*corev1.Pod {
	out := map[string]*corev1.Pod{}
	for _, f := range testutil.Fixtures(t) {
		out[f.Name] = f.Pod
	}
	paths, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "pkg", "inittimeline", "testdata", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		out["inittimeline/"+strings.TrimSuffix(filepath.Base(p), ".yaml")] = testutil.LoadPod(t, p)
	}
	return out
}

// describe and init name the same blocking init step and the same failing
// containers for every shared fixture, as saved and in failure variants.
func TestDescribeAndInitAgree(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	blocked, failed := 0, 0
	for name, saved := range sharedPods(t) {
		for _, v := range variants {
			p := saved.DeepCopy()
			if !v.change(p) {
				continue
			}
			t.Run(name+"/"+v.name, func(t *testing.T) {
				r := report.Build(p, nil, classify.BuiltinRules())
				tl := inittimeline.Build(p, classify.Classify(p, classify.BuiltinRules()), now)
				db, df := described(r)
				ib, ifl := timelined(t, tl)
				assert.Equal(t, db, ib, "blocker\ndescribe: %v\ninit: %s", r.Findings, tl.Verdict)
				// Ephemeral containers are not part of the init sequence.
				assert.Equal(t, df, ifl, "failing\ndescribe: %v\ninit: %s", r.Findings, tl.Verdict)
				if db != "" {
					blocked++
				}
				failed += len(df)
			})
		}
	}
	// The variants must exercise both answers, else the comparison proves little.
	t.Logf("%d blockers, %d failing containers compared", blocked, failed)
	assert.Greater(t, blocked, 10)
	assert.Greater(t, failed, 20)
}
