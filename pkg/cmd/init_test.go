package cmd

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
)

// runInit runs `init args...` against cs with a kubeconfig that names the
// namespace "default" and returns stdout, stderr and the error.
func runInit(t *testing.T, ctx context.Context, cs kubernetes.Interface, now time.Time, args ...string) (string, string, error) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = ptr(writeKubeconfig(t, "https://127.0.0.1:1", "default"))
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	o := NewInitOptions(streams)
	o.getter, o.now, o.width = flags, func() time.Time { return now }, func(io.Writer) int { return 0 }
	o.Targets.NewClient = func() (kubernetes.Interface, error) { return cs, nil }
	cmd := newCmdInit(o)
	// As under the root command: main prints the error, never the usage.
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err := cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func fixturePod(t *testing.T, rel string) *corev1.Pod {
	p := testutil.LoadPod(t, filepath.Join(testutil.RepoRoot(), rel))
	p.Namespace = "default"
	return p
}

func TestInitCommandOnePod(t *testing.T) {
	p := fixturePod(t, "pkg/inittimeline/testdata/init-crashloop.yaml")
	out, _, err := runInit(t, context.Background(), fake.NewClientset(p), time.Date(2026, 3, 2, 11, 2, 0, 0, time.UTC), p.Name)
	require.NoError(t, err)
	assert.Contains(t, out, "Init:CrashLoopBackOff")
	assert.Contains(t, out, `blocked at init 2/3 "migrate": CrashLoopBackOff, exit 1 (Error), 4 restarts; "seed-data" has not run`)
	assert.NotContains(t, out, "TIMELINE", "not a terminal")
}

func TestInitCommandWorkloadStats(t *testing.T) {
	var objs []runtime.Object
	for i, fin := range []int{5, 9, 30} {
		p := fixturePod(t, "pkg/inittimeline/testdata/all-inits-done.yaml")
		p.Name = p.Name + string(rune('a'+i))
		p.Labels = map[string]string{"app": "web"}
		p.Status.InitContainerStatuses[2].State.Terminated.FinishedAt = metav1.NewTime(time.Date(2026, 3, 2, 10, 0, fin, 0, time.UTC))
		objs = append(objs, p)
	}
	out, _, err := runInit(t, context.Background(), fake.NewClientset(objs...), time.Date(2026, 3, 2, 10, 5, 0, 0, time.UTC), "-l", "app=web")
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(out, "Pod default/web-7d9c5"))
	assert.Contains(t, out, `Slowest init step across 3 pods: "migrate" (init 3), median 6.0s, max 27.0s over 3 pods`)

	js, _, err := runInit(t, context.Background(), fake.NewClientset(objs...), time.Date(2026, 3, 2, 10, 5, 0, 0, time.UTC), "-l", "app=web", "-o", "json")
	require.NoError(t, err)
	assert.Contains(t, js, `"initSteps": [`)
	assert.Contains(t, js, `"durationSeconds": 2,`)
}

func TestInitCommandFlagsErrors(t *testing.T) {
	cs := fake.NewClientset()
	now := time.Now()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nx", "-o", "table"}, `unknown output format "table"`},
		{[]string{"-l", "app=web", "--watch"}, "--watch follows one pod"},
		{[]string{"-f", "x.yaml", "--watch"}, "cannot be used with -f"},
		{[]string{"nx"}, `pod "nx" not found in namespace "default"`},
		{[]string{"nx", "--color", "pink"}, "--color must be one of"},
	} {
		_, _, err := runInit(t, context.Background(), cs, now, c.args...)
		require.Error(t, err, "%v", c.args)
		assert.Contains(t, err.Error(), c.want)
	}
}

// statusAt builds the pod of the watch story at each step.
func watchStory(t *testing.T) []*corev1.Pod {
	base := fixturePod(t, "pkg/inittimeline/testdata/init-crashloop.yaml")
	start := base.Status.StartTime.Time
	ts := func(s int) metav1.Time { return metav1.NewTime(start.Add(time.Duration(s) * time.Second)) }
	completed := func(name string, from, to int) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: name, ImageID: "x", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 0, Reason: "Completed", StartedAt: ts(from), FinishedAt: ts(to)}}}
	}
	waitingInit := func(name string) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}}
	}
	app := func(st corev1.ContainerState, ready bool) []corev1.ContainerStatus {
		return []corev1.ContainerStatus{{Name: "api", Ready: ready, State: st}}
	}
	appWaiting := app(corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}, false)
	lastFail := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: ts(5), FinishedAt: ts(6)}}
	mk := func(rv string, phase corev1.PodPhase, inits []corev1.ContainerStatus, apps []corev1.ContainerStatus) *corev1.Pod {
		p := base.DeepCopy()
		p.ResourceVersion = rv
		p.Status.Phase = phase
		p.Status.Conditions = nil
		p.Status.InitContainerStatuses = inits
		p.Status.ContainerStatuses = apps
		return p
	}
	running := func(name string, at int, restarts int32) corev1.ContainerStatus {
		cs := corev1.ContainerStatus{Name: name, ImageID: "x", RestartCount: restarts,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ts(at)}}}
		if restarts > 0 {
			cs.LastTerminationState = lastFail
		}
		return cs
	}
	return []*corev1.Pod{
		mk("100", corev1.PodPending, []corev1.ContainerStatus{running("wait-for-db", 1, 0), waitingInit("migrate"), waitingInit("seed-data")}, appWaiting),
		mk("101", corev1.PodPending, []corev1.ContainerStatus{completed("wait-for-db", 1, 4), running("migrate", 5, 0), waitingInit("seed-data")}, appWaiting),
		mk("102", corev1.PodPending, []corev1.ContainerStatus{completed("wait-for-db", 1, 4),
			{Name: "migrate", ImageID: "x", State: lastFail}, waitingInit("seed-data")}, appWaiting),
		mk("103", corev1.PodPending, []corev1.ContainerStatus{completed("wait-for-db", 1, 4),
			{Name: "migrate", ImageID: "x", RestartCount: 1, LastTerminationState: lastFail,
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 10s restarting failed container"}}},
			waitingInit("seed-data")}, appWaiting),
		mk("104", corev1.PodPending, []corev1.ContainerStatus{completed("wait-for-db", 1, 4), running("migrate", 16, 1), waitingInit("seed-data")}, appWaiting),
		mk("105", corev1.PodPending, []corev1.ContainerStatus{completed("wait-for-db", 1, 4),
			func() corev1.ContainerStatus {
				c := completed("migrate", 16, 18)
				c.RestartCount = 1
				c.LastTerminationState = lastFail
				return c
			}(),
			completed("seed-data", 19, 20)}, appWaiting),
		mk("106", corev1.PodRunning, []corev1.ContainerStatus{completed("wait-for-db", 1, 4),
			func() corev1.ContainerStatus {
				c := completed("migrate", 16, 18)
				c.RestartCount = 1
				c.LastTerminationState = lastFail
				return c
			}(),
			completed("seed-data", 19, 20)},
			app(corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ts(21)}}, true)),
	}
}

func TestInitCommandWatch(t *testing.T) {
	story := watchStory(t)
	cs := fake.NewClientset(story[0])
	fw := watch.NewFakeWithChanSize(len(story), false)
	var rvs []string
	cs.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		rvs = append(rvs, a.(k8stesting.WatchActionImpl).WatchRestrictions.ResourceVersion)
		return true, fw, nil
	})
	// The pod's events: one list, then one watch from its version.
	start := story[0].Status.StartTime.Time
	cs.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, &corev1.EventList{ListMeta: metav1.ListMeta{ResourceVersion: "7"}}, nil
	})
	ew := watch.NewFake()
	var eventRVs []string
	pulling := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "api.pulling", Namespace: story[0].Namespace, UID: "e1", ResourceVersion: "8"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: story[0].Name, FieldPath: "spec.initContainers{migrate}"},
		Reason:         "Pulling", Message: `Pulling image "migrate:2"`, Type: corev1.EventTypeNormal, Count: 1,
		FirstTimestamp: metav1.NewTime(start.Add(4 * time.Second)), LastTimestamp: metav1.NewTime(start.Add(4 * time.Second)),
	}
	cs.PrependWatchReactor("events", func(a k8stesting.Action) (bool, watch.Interface, error) {
		eventRVs = append(eventRVs, a.(k8stesting.WatchActionImpl).WatchRestrictions.ResourceVersion)
		go func() {
			// The watcher hands on one event before it reads the next: once
			// the third is read, the first has been handled. Then the pod's
			// story goes on. The repeats (same count) print nothing.
			for _, rv := range []string{"8", "9", "10"} {
				e := pulling.DeepCopy()
				e.ResourceVersion = rv
				ew.Add(e)
			}
			for _, p := range story[1:] {
				fw.Modify(p)
			}
		}()
		return true, ew, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, errOut, err := runInit(t, ctx, cs, story[0].Status.StartTime.Add(30*time.Second), story[0].Name, "--watch")
	require.NoError(t, err)
	assert.Empty(t, errOut)
	assert.Equal(t, []string{"100"}, rvs, "one watch, from the version read")
	assert.Equal(t, []string{"7"}, eventRVs, "one events watch, from the version listed")
	var verbs []string
	for _, a := range cs.Fake.Actions() {
		verbs = append(verbs, a.GetVerb()+" "+a.GetResource().Resource)
	}
	assert.ElementsMatch(t, []string{"get pods", "list services", "list events", "watch pods", "watch events"}, verbs,
		"the Services and events are listed once, not per change; one watch each")
	assert.Contains(t, out, "+4.0s     init 2/3 \"migrate\"       event Pulling: Pulling image \"migrate:2\"\n")
	assert.Equal(t, 1, strings.Count(out, "event Pulling"), "a repeat with the same count is not printed again")
	want := []string{
		`at init 1/3 "wait-for-db": running for 29.0s; "migrate", "seed-data" have not run`,
		`+4.0s     init 1/3 "wait-for-db"   completed in 3.0s`,
		`+5.0s     init 2/3 "migrate"       running`,
		`          status                   Init:0/3 -> Init:1/3`,
		`+6.0s     init 2/3 "migrate"       failed after 1.0s: exit 1 (Error)`,
		`          status                   Init:1/3 -> Init:Error`,
		`          init 2/3 "migrate"       waiting: CrashLoopBackOff: back-off 10s restarting failed container`,
		`+16.0s    init 2/3 "migrate"       running (restart 1)`,
		`+18.0s    init 2/3 "migrate"       completed in 2.0s`,
		`+20.0s    init 3/3 "seed-data"     completed in 1.0s`,
		`+21.0s    container "api"          running`,
		`          status                   PodInitializing -> Running`,
		`initialised in 20.0s; "api" running`,
	}
	assert.NotContains(t, out, "exited 1", "the failure was seen as it happened: no second line for it")
	pos := 0
	for _, w := range want {
		i := strings.Index(out[pos:], w)
		if !assert.GreaterOrEqual(t, i, 0, "missing, or out of order: %q\n%s", w, out) {
			break
		}
		pos += i + len(w)
	}
}

func TestInitCommandWatchCtrlC(t *testing.T) {
	p := watchStory(t)[0]
	cs := fake.NewClientset(p)
	fw := watch.NewFake()
	ctx, cancel := context.WithCancel(context.Background())
	// Ctrl-C once the pod is watched (earlier, it ends before any watch).
	cs.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) {
		time.AfterFunc(50*time.Millisecond, cancel)
		return true, fw, nil
	})
	_, _, err := runInit(t, ctx, cs, time.Now(), p.Name, "-w")
	assert.ErrorIs(t, err, context.Canceled, "main turns this into exit 130")
	assert.True(t, fw.IsStopped())
}

func TestInitCommandWatchSettledPodExitsAtOnce(t *testing.T) {
	p := fixturePod(t, "testdata/fixtures/seed/task2-nx.yaml")
	cs := fake.NewClientset(p)
	out, _, err := runInit(t, context.Background(), cs, time.Now(), p.Name, "-w")
	require.NoError(t, err)
	assert.Contains(t, out, `initialised in 6.0s; "nginx" running`)
	for _, a := range cs.Fake.Actions() {
		assert.NotEqual(t, "watch", a.GetVerb())
	}
}

// With -o json, --watch prints one timeline document per change.
func TestInitCommandWatchJSON(t *testing.T) {
	story := watchStory(t)
	cs := fake.NewClientset(story[0])
	fw := watch.NewFakeWithChanSize(len(story), false)
	cs.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) { return true, fw, nil })
	for _, p := range story[1:] {
		fw.Modify(p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, _, err := runInit(t, ctx, cs, story[0].Status.StartTime.Add(30*time.Second), story[0].Name, "-w", "-o", "json")
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(out))
	var statuses []string
	for dec.More() {
		var doc struct {
			Status  string `json:"status"`
			Verdict string `json:"verdict"`
		}
		require.NoError(t, dec.Decode(&doc))
		statuses = append(statuses, doc.Status)
	}
	assert.Equal(t, []string{"Init:0/3", "Init:1/3", "Init:Error", "Init:CrashLoopBackOff", "Init:1/3", "PodInitializing", "Running"}, statuses)
}

// A saved pod is measured up to the newest time in its status, not to the
// clock (which would make nginx run for some 15000h), and the output says so.
func TestInitFromFileMeasuresToNewestTimeInManifest(t *testing.T) {
	clock := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	file := filepath.Join(testutil.RepoRoot(), "testdata", "fixtures", "seed", "task2-nx.yaml")
	out, _, err := runInit(t, context.Background(), fake.NewClientset(), clock, "-f", file)
	require.NoError(t, err)
	assert.Contains(t, out, "times measured up to 2025-09-15T08:20:46Z, the newest time in the manifest")
	// nginx started at 08:20:45; the newest time is a condition's at 08:20:46.
	assert.Regexp(t, `nginx\s+container\s+main\s+running\s+\+8\.0s\s+running\s+1\.0s\s`, out)
	assert.NotRegexp(t, `\d+h\d\dm`, out, "no duration in hours")

	out, _, err = runInit(t, context.Background(), fake.NewClientset(), clock, "-f", file, "-o", "json")
	require.NoError(t, err)
	var tl struct {
		Now             time.Time `json:"now"`
		NowFromManifest bool      `json:"nowFromManifest"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &tl))
	assert.True(t, tl.NowFromManifest)
	assert.Equal(t, time.Date(2025, 9, 15, 8, 20, 46, 0, time.UTC), tl.Now)

	// A manifest without status has no times: nothing to measure, no note.
	p := testutil.LoadPod(t, file)
	p.Status = corev1.PodStatus{}
	bare := filepath.Join(t.TempDir(), "bare.json")
	data, err := json.Marshal(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bare, data, 0o600))
	out, _, err = runInit(t, context.Background(), fake.NewClientset(), clock, "-f", bare)
	require.NoError(t, err)
	assert.NotContains(t, out, "times measured up to")
}

func TestInitCommandReadsEventsForPulls(t *testing.T) {
	rel := "pkg/inittimeline/testdata/cold-pull.yaml"
	p := fixturePod(t, rel)
	var objs []runtime.Object
	objs = append(objs, p)
	for _, e := range testutil.LoadEvents(t, filepath.Join(testutil.RepoRoot(), "pkg/inittimeline/testdata/cold-pull.events.yaml")) {
		e.Namespace = "default"
		objs = append(objs, &e)
	}
	clock := time.Date(2026, 3, 2, 10, 5, 0, 0, time.UTC)
	out, errOut, err := runInit(t, context.Background(), fake.NewClientset(objs...), clock, p.Name)
	require.NoError(t, err)
	assert.Empty(t, errOut)
	assert.Contains(t, out, `initialised in 72s, 58.0s of it pulling busybox:1.28 for "init-index"`)
	assert.Regexp(t, `init-index\s+pull\s+-\s+pulled\s+\+12.0s\s+\+70s\s+58.0s`, out)
	assert.Contains(t, out, "3 failed probes")

	// The same pod from a file: no events, nothing said about pulls.
	out, _, err = runInit(t, context.Background(), fake.NewClientset(), clock, "-f", filepath.Join(testutil.RepoRoot(), rel))
	require.NoError(t, err)
	assert.NotContains(t, out, "pull")
	assert.Contains(t, out, "initialised in 72s; 1 sidecar started")
}
