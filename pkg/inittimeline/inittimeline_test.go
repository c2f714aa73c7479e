package inittimeline_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/inittimeline"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
)

func load(t *testing.T, name string) *corev1.Pod {
	t.Helper()
	return testutil.LoadPod(t, filepath.Join("testdata", name+".yaml"))
}

func build(p *corev1.Pod, now time.Time) inittimeline.Timeline {
	return inittimeline.Build(p, classify.Classify(p, classify.BuiltinRules()), now)
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func states(tl inittimeline.Timeline) map[string]inittimeline.State {
	out := map[string]inittimeline.State{}
	for _, s := range tl.Steps {
		out[s.Name] = s.State
	}
	return out
}

func names(tl inittimeline.Timeline) []string {
	var out []string
	for _, s := range tl.Steps {
		out = append(out, s.Name)
	}
	return out
}

func TestTimelines(t *testing.T) {
	cases := []struct {
		file    string
		now     string
		status  string // what kubectl get pod prints for this pod
		verdict string
		blocker string
		order   []string
		states  map[string]inittimeline.State
		initSec float64 // 0: not initialised
	}{
		{
			file: "all-inits-done", now: "2026-03-02T10:05:00Z", status: "Running",
			verdict: `initialised in 6.0s; 2 sidecars started; "web" running`,
			order:   []string{"fetch-config", "log-shipper", "migrate", "envoy", "web"},
			states: map[string]inittimeline.State{"fetch-config": "completed", "log-shipper": "started",
				"migrate": "completed", "envoy": "started", "web": "running"},
			initSec: 6,
		},
		{
			file: "init-crashloop", now: "2026-03-02T11:02:00Z", status: "Init:CrashLoopBackOff",
			verdict: `blocked at init 2/3 "migrate": CrashLoopBackOff, exit 1 (Error), 4 restarts; "seed-data" has not run`,
			blocker: "migrate",
			order:   []string{"wait-for-db", "migrate", "seed-data", "api"},
			states: map[string]inittimeline.State{"wait-for-db": "completed", "migrate": "waiting",
				"seed-data": "pending", "api": "pending"},
		},
		{
			file: "pod-initializing", now: "2026-03-02T12:03:00Z", status: "PodInitializing",
			verdict: `PodInitializing: initialised in 3.0s; waiting for image of "report"`,
			order:   []string{"render-config", "report"},
			states:  map[string]inittimeline.State{"render-config": "completed", "report": "waiting"},
			initSec: 3,
		},
		{
			file: "sidecar-oom-restarts", now: "2026-03-02T13:02:00Z", status: "Running",
			verdict: `initialised in 73s; 1 sidecar started; sidecar "vault-agent" restarted 4 times, last OOMKilled (exit 137); "pay" running`,
			order:   []string{"vault-agent", "load-secrets", "pay"},
			states:  map[string]inittimeline.State{"vault-agent": "started", "load-secrets": "completed", "pay": "running"},
			initSec: 73,
		},
		{
			file: "job-sidecar-143", now: "2026-03-02T14:01:00Z", status: "Completed",
			verdict: `initialised in 1.0s; sidecar "log-forwarder" stopped at shutdown (exit 143); "export" completed`,
			order:   []string{"log-forwarder", "export"},
			states:  map[string]inittimeline.State{"log-forwarder": "shutdown", "export": "completed"},
			initSec: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			tl := build(load(t, c.file), at(c.now))
			assert.Equal(t, c.status, tl.Status)
			assert.Equal(t, c.verdict, tl.Verdict)
			assert.Equal(t, c.blocker, tl.Blocker)
			assert.Equal(t, c.order, names(tl))
			assert.Equal(t, c.states, states(tl))
			if c.initSec == 0 {
				assert.Nil(t, tl.InitSeconds)
			} else if assert.NotNil(t, tl.InitSeconds) {
				assert.InDelta(t, c.initSec, *tl.InitSeconds, 0.001)
			}
		})
	}
}

// The regular containers start together: they share one order, after the inits.
func TestOrderOfRegularContainers(t *testing.T) {
	p := load(t, "all-inits-done")
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "metrics", Image: "prom/statsd-exporter"})
	tl := build(p, at("2026-03-02T10:05:00Z"))
	var orders []int
	for _, s := range tl.Steps {
		orders = append(orders, s.Order)
	}
	assert.Equal(t, []int{1, 2, 3, 4, 5, 5}, orders)
	assert.Equal(t, 4, tl.InitSteps)
}

func TestStatusMatchesKubectlOnSharedFixtures(t *testing.T) {
	now := at("2026-01-01T00:00:00Z")
	for _, f := range testutil.Fixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			tl := build(f.Pod, now)
			if f.Expected.Status != "" {
				assert.Equal(t, f.Expected.Status, tl.Status)
			}
			assert.NotEmpty(t, tl.Verdict)
			assert.Equal(t, f.Expected.InitOrder, initNames(tl))
		})
	}
}

func initNames(tl inittimeline.Timeline) []string {
	out := []string{}
	for _, s := range tl.Steps {
		if s.IsInit() {
			out = append(out, s.Name)
		}
	}
	return out
}

func TestSeedTask2(t *testing.T) {
	p := testutil.LoadPod(t, filepath.Join(testutil.FixturesDir(), "seed", "task2-nx.yaml"))
	tl := build(p, at("2025-09-15T08:25:00Z"))
	assert.Equal(t, "Running", tl.Status)
	assert.Equal(t, `initialised in 6.0s; "nginx" running`, tl.Verdict)
	require.Len(t, tl.Steps, 2)
	init := tl.Steps[0]
	assert.Equal(t, inittimeline.StateCompleted, init.State)
	require.NotNil(t, init.DurationSeconds)
	assert.InDelta(t, 1.0, *init.DurationSeconds, 0.001)
	// Running durations are measured up to now.
	require.NotNil(t, tl.Steps[1].DurationSeconds)
	assert.InDelta(t, (4*time.Minute + 15*time.Second).Seconds(), *tl.Steps[1].DurationSeconds, 0.001)
}

func TestSeedTask2InitFail(t *testing.T) {
	p := testutil.LoadPod(t, filepath.Join(testutil.FixturesDir(), "seed", "task2-nx-initfail.yaml"))
	tl := build(p, at("2025-09-15T08:33:00Z"))
	assert.Equal(t, "Init:CrashLoopBackOff", tl.Status)
	assert.Equal(t, `blocked at init 1/1 "init-index": CrashLoopBackOff, exit 1 (Error), 3 restarts; the app containers have not started`, tl.Verdict)
}

func TestBlockedStates(t *testing.T) {
	base := func() *corev1.Pod { return load(t, "init-crashloop") }
	now := at("2026-03-02T11:02:00Z")
	t.Run("running init", func(t *testing.T) {
		p := base()
		p.Status.InitContainerStatuses[1] = corev1.ContainerStatus{Name: "migrate", ImageID: "x",
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at("2026-03-02T11:01:48Z"))}}}
		tl := build(p, now)
		assert.Equal(t, "Init:1/3", tl.Status)
		assert.Equal(t, `at init 2/3 "migrate": running for 12.0s; "seed-data" has not run`, tl.Verdict)
	})
	t.Run("failed init, no restart policy", func(t *testing.T) {
		p := base()
		p.Spec.RestartPolicy = corev1.RestartPolicyNever
		p.Status.Phase = corev1.PodFailed
		p.Status.InitContainerStatuses[1] = corev1.ContainerStatus{Name: "migrate", ImageID: "x",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error",
				StartedAt: metav1.NewTime(at("2026-03-02T11:00:05Z")), FinishedAt: metav1.NewTime(at("2026-03-02T11:00:09Z"))}}}
		tl := build(p, now)
		assert.Equal(t, "Init:Error", tl.Status)
		assert.Equal(t, `blocked at init 2/3 "migrate": exit 2 (Error), 0 restarts; "seed-data" has not run`, tl.Verdict)
		assert.Equal(t, inittimeline.StateFailed, tl.Steps[1].State)
	})
	t.Run("image pull error", func(t *testing.T) {
		p := base()
		p.Status.InitContainerStatuses[1] = corev1.ContainerStatus{Name: "migrate",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "registry.example.com/shop/migrate:2.5"`}}}
		tl := build(p, now)
		assert.Equal(t, "Init:ImagePullBackOff", tl.Status)
		assert.Equal(t, `at init 2/3 "migrate": ImagePullBackOff: Back-off pulling image "registry.example.com/shop/migrate:2.5"; "seed-data" has not run`, tl.Verdict)
	})
	t.Run("sidecar waiting for its startup probe", func(t *testing.T) {
		p := load(t, "sidecar-oom-restarts")
		st := &p.Status.InitContainerStatuses[0]
		started := false
		st.Started = &started
		st.Ready = false
		p.Status.InitContainerStatuses = p.Status.InitContainerStatuses[:1]
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions = nil
		tl := build(p, at("2026-03-02T13:01:30Z"))
		assert.Equal(t, "Init:0/2", tl.Status)
		assert.Equal(t, `at init 1/2 sidecar "vault-agent": running 20.0s, waiting for its startup probe; "load-secrets" has not run`, tl.Verdict)
		assert.Equal(t, inittimeline.StatePending, tl.Steps[1].State)
	})
}

// A native sidecar that crashes after the pod initialised is restarted on
// its own: it does not block, and the inits after it stay done.
func TestSidecarCrashAfterInitDoesNotBlock(t *testing.T) {
	p := load(t, "all-inits-done")
	st := &p.Status.InitContainerStatuses[1] // log-shipper
	started := false
	st.Started, st.Ready, st.RestartCount = &started, false, 2
	st.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error",
		StartedAt: metav1.NewTime(at("2026-03-02T10:03:00Z")), FinishedAt: metav1.NewTime(at("2026-03-02T10:03:05Z"))}}
	st.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	tl := build(p, at("2026-03-02T10:05:00Z"))
	assert.Empty(t, tl.Blocker)
	assert.Equal(t, "Init:CrashLoopBackOff", tl.Status, "kubectl prints the sidecar's state")
	assert.Equal(t, `Init:CrashLoopBackOff: initialised in 6.0s; 1 sidecar started; sidecar "log-shipper" CrashLoopBackOff, exit 1 (Error), 2 restarts; "web" running`, tl.Verdict)
	assert.Equal(t, inittimeline.StateCompleted, tl.Steps[2].State)
}

func TestManifestWithoutStatus(t *testing.T) {
	p := load(t, "init-crashloop")
	p.Status = corev1.PodStatus{}
	tl := build(p, at("2026-03-02T11:02:00Z"))
	assert.False(t, tl.HasStatus)
	assert.Empty(t, tl.Status)
	assert.Equal(t, "no status (manifest): 3 init steps run one at a time, then 1 container starts", tl.Verdict)
	for _, s := range tl.Steps {
		assert.Equal(t, inittimeline.StateUnknown, s.State)
	}
}

func TestAggregate(t *testing.T) {
	now := at("2026-03-02T10:05:00Z")
	var tls []inittimeline.Timeline
	for _, migrate := range []string{"2026-03-02T10:00:05Z", "2026-03-02T10:00:13Z", "2026-03-02T10:00:06Z"} {
		p := load(t, "all-inits-done")
		p.Status.InitContainerStatuses[2].State.Terminated.FinishedAt = metav1.NewTime(at(migrate))
		tls = append(tls, build(p, now))
	}
	stats := inittimeline.Aggregate(tls)
	require.Len(t, stats, 4)
	byName := map[string]inittimeline.StepStats{}
	for _, s := range stats {
		byName[s.Name] = s
	}
	m := byName["migrate"]
	assert.True(t, m.Slowest)
	assert.Equal(t, 3, m.Pods)
	assert.InDelta(t, 2.0, m.Min, 0.001)
	assert.InDelta(t, 3.0, m.Median, 0.001)
	assert.InDelta(t, 10.0, m.Max, 0.001)
	// A sidecar counts until the next step started, not for as long as it runs.
	assert.InDelta(t, 1.0, byName["log-shipper"].Median, 0.001)
	assert.False(t, byName["fetch-config"].Slowest)
}

func TestFormatSeconds(t *testing.T) {
	for in, want := range map[float64]string{0: "0.0s", 4.23: "4.2s", 59.9: "59.9s", 65: "65s", 255: "4m15s", 3725: "62m",
		5*3600 + 30*60: "5h30m", 76 * 3600: "3d4h", 460*86400 + 3599: "460d", -1: "0.0s"} {
		assert.Equal(t, want, inittimeline.FormatSeconds(in), "%v", in)
	}
}

// A watch may skip versions: a restart seen only through the restart count
// still shows the failure behind it, dated by the last termination.
func TestChangesShowSkippedFailure(t *testing.T) {
	now := at("2026-03-02T11:02:00Z")
	p := load(t, "init-crashloop")
	running := p.DeepCopy()
	running.Status.InitContainerStatuses[1].RestartCount = 3
	running.Status.InitContainerStatuses[1].LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: 1, Reason: "Error", StartedAt: metav1.NewTime(at("2026-03-02T11:00:28Z")), FinishedAt: metav1.NewTime(at("2026-03-02T11:00:30Z"))}}
	running.Status.InitContainerStatuses[1].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at("2026-03-02T11:01:00Z"))}}
	prev, cur := build(running, now), build(p, now)
	changes := inittimeline.Changes(&prev, &cur)
	var got []string
	for _, c := range changes {
		when := "-"
		if c.At != nil {
			when = c.At.Format("15:04:05")
		}
		got = append(got, when+" "+c.Label+" "+c.What)
	}
	assert.Equal(t, []string{
		`11:01:34 init 2/3 "migrate" exited 1 (Error)`,
		`- init 2/3 "migrate" waiting: CrashLoopBackOff: back-off 1m20s restarting failed container=migrate pod=api-5f6b8_shop(8d1c)`,
		`- status Init:1/3 -> Init:CrashLoopBackOff`,
	}, got)
	assert.Empty(t, inittimeline.Changes(&cur, &cur), "no change, no line")

	// From the back-off to the next run, the failure was shown already.
	again := p.DeepCopy()
	again.Status.InitContainerStatuses[1].RestartCount = 5
	again.Status.InitContainerStatuses[1].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at("2026-03-02T11:02:54Z"))}}
	next := build(again, at("2026-03-02T11:03:00Z"))
	got = nil
	for _, c := range inittimeline.Changes(&cur, &next) {
		got = append(got, c.Label+" "+c.What)
	}
	assert.Equal(t, []string{`init 2/3 "migrate" running (restart 5)`, `status Init:CrashLoopBackOff -> Init:1/3`}, got)
}

// A status without start times (a running state with no startedAt) still reads as words.
func TestUnknownDurations(t *testing.T) {
	p := load(t, "init-crashloop")
	p.Status.InitContainerStatuses[1] = corev1.ContainerStatus{Name: "migrate", ImageID: "x",
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	tl := build(p, at("2026-03-02T11:02:00Z"))
	assert.Equal(t, `at init 2/3 "migrate": running for an unknown time; "seed-data" has not run`, tl.Verdict)

	done := p.DeepCopy()
	done.Status.InitContainerStatuses[1].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}
	next := build(done, at("2026-03-02T11:02:00Z"))
	var whats []string
	for _, c := range inittimeline.Changes(&tl, &next) {
		whats = append(whats, c.What)
	}
	assert.Contains(t, whats, "completed in an unknown time")
}
