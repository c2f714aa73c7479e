package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

// fakeLogs serves pods/log from a table keyed by "pod/container" (and
// "pod/container/previous"), and records the options of every request.
type fakeLogs struct {
	mu       sync.Mutex
	logs     map[string]string
	failures map[string]error
	requests []corev1.PodLogOptions
}

func (f *fakeLogs) react(action k8stesting.Action) (bool, runtime.Object, error) {
	if action.GetSubresource() != "log" {
		return false, nil, nil
	}
	ga := action.(k8stesting.GenericAction)
	opts := ga.GetValue().(*corev1.PodLogOptions)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, *opts)
	key := opts.Container
	if opts.Previous {
		key += "/previous"
	}
	if err := f.failures[key]; err != nil {
		return true, nil, err
	}
	return true, &runtime.Unknown{Raw: []byte(served(f.logs[key], opts))}, nil
}

// served is what a kubelet sends of a log kept as "<stamp> <text>" lines:
// without timestamps=true the stamps are left out, and limitBytes counts
// what is sent.
func served(log string, opts *corev1.PodLogOptions) string {
	if !opts.Timestamps {
		var b strings.Builder
		for _, l := range strings.SplitAfter(log, "\n") {
			if _, text, ok := strings.Cut(l, " "); ok {
				l = text
			}
			b.WriteString(l)
		}
		log = b.String()
	}
	if opts.LimitBytes != nil && int64(len(log)) > *opts.LimitBytes {
		log = log[:*opts.LimitBytes]
	}
	return log
}

func runLogs(t *testing.T, pods []*corev1.Pod, logs *fakeLogs, args ...string) (string, string, error) {
	t.Helper()
	var objs []runtime.Object
	for _, p := range pods {
		objs = append(objs, p)
	}
	cs := fake.NewClientset(objs...)
	cs.PrependReactor("get", "pods", logs.react)
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = ptr(writeKubeconfig(t, "https://127.0.0.1:1", "default"))
	o := NewLogsOptions(flags, streams)
	o.Targets.NewClient = func() (kubernetes.Interface, error) { return cs, nil }
	cmd := newCmdLogs(o)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	// Rules: only the built-in ones, whatever the machine has.
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func logsSeedPod(t *testing.T) *corev1.Pod {
	return testutil.LoadPod(t, filepath.Join(testutil.FixturesDir(), "seed", "task3-nx.yaml"))
}

// restarted marks a container as restarted once (previous instance exists):
// the previous instance ran from 03:29:00 to 03:30:00 (its log is t0), the
// current one started at 03:30:01 (its log is t1 on).
func restarted(pod *corev1.Pod, container string) *corev1.Pod {
	pod = pod.DeepCopy()
	at := func(s string) metav1.Time {
		t, _ := time.Parse(time.RFC3339, s)
		return metav1.NewTime(t)
	}
	for i := range pod.Status.ContainerStatuses {
		st := &pod.Status.ContainerStatuses[i]
		if st.Name == container {
			st.RestartCount = 1
			st.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error",
				ContainerID: "containerd://old", StartedAt: at("2026-11-26T03:29:00Z"), FinishedAt: at("2026-11-26T03:30:00Z")}
			if st.State.Running != nil {
				st.State.Running.StartedAt = at("2026-11-26T03:30:01Z")
			}
		}
	}
	return pod
}

const (
	t0 = "2026-11-26T03:29:59.5Z"
	t1 = "2026-11-26T03:30:01.000000001Z"
	t2 = "2026-11-26T03:30:02.5Z"
	t3 = "2026-11-26T03:30:03Z"
	t4 = "2026-11-26T03:30:04.25Z"
)

func seedLogs() *fakeLogs {
	return &fakeLogs{logs: map[string]string{
		"nginx": t1 + " 10.0.0.1 - - \"GET /?unknown HTTP/1.1\" 404 153\n" +
			t3 + " 2026/11/26 03:30:03 [error] 29#29: *1 open() \"/usr/share/nginx/html/unknown\" failed\n",
		"sidecar":          t2 + " tick\n" + t4 + " Error discovered!\n",
		"nginx/previous":   t0 + " previous nginx said hello\n",
		"sidecar/previous": t2 + " previous sidecar\n",
	}}
}

func TestLogsSeedTask4(t *testing.T) {
	logs := seedLogs()
	out, errOut, err := runLogs(t, []*corev1.Pod{logsSeedPod(t)}, logs, "nx")
	require.NoError(t, err)
	assert.Empty(t, errOut)
	assert.Equal(t, `[nginx main] 10.0.0.1 - - "GET /?unknown HTTP/1.1" 404 153
[sidecar sidecar] tick
[nginx main] 2026/11/26 03:30:03 [error] 29#29: *1 open() "/usr/share/nginx/html/unknown" failed
[sidecar sidecar] Error discovered!
`, out)
	// One read per container, and one more from its last line's time that
	// confirms the end (a cut stream looks ended) and brings nothing.
	require.Len(t, logs.requests, 4)
	confirms := map[string]bool{}
	for _, r := range logs.requests {
		assert.True(t, r.Timestamps, "timestamps are always requested: the merge needs them")
		assert.False(t, r.Follow)
		assert.Nil(t, r.TailLines)
		if r.SinceTime != nil {
			confirms[r.Container] = true
		}
	}
	assert.Equal(t, map[string]bool{"nginx": true, "sidecar": true}, confirms)
}

func TestLogsFlags(t *testing.T) {
	cases := []struct {
		name  string
		pod   func(*testing.T) *corev1.Pod
		args  []string
		out   string
		notes string
		err   string
	}{
		{name: "one container by glob", args: []string{"nx", "-c", "side*"},
			out: "[sidecar sidecar] tick\n[sidecar sidecar] Error discovered!\n"},
		{name: "by role", args: []string{"nx", "--role", "main"},
			out: "[nginx main] 10.0.0.1 - - \"GET /?unknown HTTP/1.1\" 404 153\n[nginx main] 2026/11/26 03:30:03 [error] 29#29: *1 open() \"/usr/share/nginx/html/unknown\" failed\n"},
		{name: "exclude container", args: []string{"nx", "--exclude-container", "nginx", "--timestamps"},
			out: "[sidecar sidecar] " + t2 + " tick\n[sidecar sidecar] " + t4 + " Error discovered!\n"},
		{name: "grep and exclude", args: []string{"nx", "--grep", "404|[Ee]rror", "--exclude", "open\\(\\)"},
			out: "[nginx main] 10.0.0.1 - - \"GET /?unknown HTTP/1.1\" 404 153\n[sidecar sidecar] Error discovered!\n"},
		{name: "no prefix", args: []string{"nx", "-c", "sidecar", "--prefix=false"},
			out: "tick\nError discovered!\n"},
		{name: "pod named by TYPE/NAME gets its name in the tag", args: []string{"pod/nx", "-c", "sidecar"},
			out: "[sidecar sidecar] tick\n[sidecar sidecar] Error discovered!\n"},
		{name: "selector tags with the pod", args: []string{"-l", "app=nx", "-c", "sidecar"},
			pod: func(t *testing.T) *corev1.Pod {
				p := logsSeedPod(t)
				p.Labels = map[string]string{"app": "nx"}
				return p
			},
			out: "[nx sidecar sidecar] tick\n[nx sidecar sidecar] Error discovered!\n"},
		{name: "previous merges both instances, skips the others", args: []string{"nx", "-p"},
			pod: func(t *testing.T) *corev1.Pod { return restarted(logsSeedPod(t), "nginx") },
			out: "[nginx main previous] previous nginx said hello\n── nginx restarted: exit 1 (Error) after 1m0s, restart 1 ──\n[nginx main] 10.0.0.1 - - \"GET /?unknown HTTP/1.1\" 404 153\n" +
				"[nginx main] 2026/11/26 03:30:03 [error] 29#29: *1 open() \"/usr/share/nginx/html/unknown\" failed\n",
			notes: "note: pod/nx container sidecar has no previous instance (0 restarts), skipped\n"},
		{name: "--no-markers hides the restart", args: []string{"nx", "-p", "-c", "nginx", "--no-markers"},
			pod: func(t *testing.T) *corev1.Pod { return restarted(logsSeedPod(t), "nginx") },
			out: "[nginx main previous] previous nginx said hello\n[nginx main] 10.0.0.1 - - \"GET /?unknown HTTP/1.1\" 404 153\n" +
				"[nginx main] 2026/11/26 03:30:03 [error] 29#29: *1 open() \"/usr/share/nginx/html/unknown\" failed\n"},
		{name: "the restart marker in JSON", args: []string{"nx", "-p", "-c", "nginx", "-o", "json", "--grep", "hello"},
			pod: func(t *testing.T) *corev1.Pod { return restarted(logsSeedPod(t), "nginx") },
			out: `{"time":"2026-11-26T03:29:59.5Z","namespace":"default","pod":"nx","container":"nginx","role":"main","previous":true,"message":"previous nginx said hello"}` + "\n" +
				`{"time":"2026-11-26T03:30:01.000000000Z","namespace":"default","pod":"nx","container":"nginx","marker":"restart","exitCode":1,"reason":"Error","ranSeconds":60,"restartCount":1}` + "\n"},
		{name: "no container matches", args: []string{"nx", "-c", "nope*"},
			err: "no container matches -c/--exclude-container/--role: pod nx has nginx (main), sidecar (sidecar)"},
		{name: "more streams than --max-log-requests are read in turns and merged", args: []string{"nx", "--max-log-requests", "1"},
			out: "[nginx main] 10.0.0.1 - - \"GET /?unknown HTTP/1.1\" 404 153\n[sidecar sidecar] tick\n" +
				"[nginx main] 2026/11/26 03:30:03 [error] 29#29: *1 open() \"/usr/share/nginx/html/unknown\" failed\n[sidecar sidecar] Error discovered!\n"},
		{name: "a follow needs every stream open", args: []string{"nx", "-f", "--max-log-requests", "1"},
			err: "following keeps every stream open: this needs 2 log streams, more than --max-log-requests=1: raise it to 2, or narrow with -c, --role or -l"},
		{name: "bad tail", args: []string{"nx", "--tail", "-2"}, err: "--tail must be >= -1"},
		{name: "since and since-time", args: []string{"nx", "--since", "1m", "--since-time", t3}, err: "use --since or --since-time, not both"},
		{name: "bad since-time", args: []string{"nx", "--since-time", "yesterday"}, err: `--since-time must be an RFC3339 time like 2026-01-02T15:04:05Z, got "yesterday"`},
		{name: "bad role", args: []string{"nx", "--role", "boss"}, err: `unknown role "boss" in --role: use init, main, sidecar, adapter, ambassador, debug`},
		{name: "bad regexp", args: []string{"nx", "--grep", "("}, err: "--grep \"(\" is not a valid regexp: error parsing regexp: missing closing ): `(`"},
		{name: "bad output", args: []string{"nx", "-o", "yaml"}, err: `unknown output format "yaml": logs print text or -o json`},
		{name: "no target", args: []string{}, err: "name a pod, TYPE/NAME (e.g. deploy/web), -l SELECTOR or -A"},
		{name: "filename", args: []string{"--filename", "pod.yaml"}, err: "logs read from a cluster, a manifest has none: name a pod, TYPE/NAME or -l (-f means --follow here, as in kubectl logs)"},
		{name: "pod not found", args: []string{"web"}, err: `pod "web" not found in namespace "default"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pod := logsSeedPod(t)
			if c.pod != nil {
				pod = c.pod(t)
			}
			out, errOut, err := runLogs(t, []*corev1.Pod{pod}, seedLogs(), c.args...)
			if c.err != "" {
				require.EqualError(t, err, c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.out, out)
			assert.Equal(t, c.notes, errOut)
		})
	}
}

func TestLogsRequestOptions(t *testing.T) {
	logs := seedLogs()
	_, _, err := runLogs(t, []*corev1.Pod{logsSeedPod(t)}, logs, "nx", "-c", "nginx", "--tail", "5", "--since", "90s", "--limit-bytes", "1000")
	require.NoError(t, err)
	require.Len(t, logs.requests, 1)
	r := logs.requests[0]
	// One stream read once needs no merge: no timestamps, and the API
	// applies --limit-bytes to the messages as kubectl's does.
	assert.False(t, r.Timestamps)
	assert.Equal(t, "nginx", r.Container)
	require.NotNil(t, r.TailLines)
	assert.Equal(t, int64(5), *r.TailLines)
	require.NotNil(t, r.SinceSeconds)
	assert.Equal(t, int64(90), *r.SinceSeconds)
	require.NotNil(t, r.LimitBytes)
	assert.Equal(t, int64(1000), *r.LimitBytes)

	logs = seedLogs()
	out, _, err := runLogs(t, []*corev1.Pod{logsSeedPod(t)}, logs, "nx", "-c", "nginx", "--limit-bytes", "20")
	require.NoError(t, err)
	assert.Equal(t, "[nginx main] 10.0.0.1 - - \"GET /?\n", out)

	logs = seedLogs()
	out, _, err = runLogs(t, []*corev1.Pod{logsSeedPod(t)}, logs, "nx", "-c", "nginx", "-o", "json", "--limit-bytes", "20")
	require.NoError(t, err)
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &line))
	assert.Equal(t, `10.0.0.1 - - "GET /?`, line["message"])
	// With -o json the API sends timestamps (JSON has the time): the limit counts messages here.
	require.True(t, logs.requests[0].Timestamps)
	assert.Nil(t, logs.requests[0].LimitBytes)

	logs = seedLogs()
	_, _, err = runLogs(t, []*corev1.Pod{logsSeedPod(t)}, logs, "nx", "-c", "nginx", "--limit-bytes", "1000", "--timestamps")
	require.NoError(t, err)
	assert.True(t, logs.requests[0].Timestamps)
	require.NotNil(t, logs.requests[0].LimitBytes)
	assert.Equal(t, int64(1000), *logs.requests[0].LimitBytes)
}

func TestLogsJSON(t *testing.T) {
	out, _, err := runLogs(t, []*corev1.Pod{logsSeedPod(t)}, seedLogs(), "nx", "-o", "json", "--grep", "404|discovered")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	var first, second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.Equal(t, map[string]any{"time": t1, "namespace": "default", "pod": "nx", "container": "nginx", "role": "main",
		"message": `10.0.0.1 - - "GET /?unknown HTTP/1.1" 404 153`}, first)
	assert.Equal(t, "sidecar", second["container"])
	assert.Equal(t, "Error discovered!", second["message"])
}

func TestLogsEscapesContainerOutput(t *testing.T) {
	logs := &fakeLogs{logs: map[string]string{"nginx": t1 + " \x1b]0;owned\x07\x1b[2Jclear\r\n"}}
	out, _, err := runLogs(t, []*corev1.Pod{logsSeedPod(t)}, logs, "nx", "-c", "nginx")
	require.NoError(t, err)
	assert.Equal(t, "[nginx main] ^[]0;owned\\x07^[[2Jclear\\r\n", out)

	out, _, err = runLogs(t, []*corev1.Pod{logsSeedPod(t)}, logs, "nx", "-c", "nginx", "--raw")
	require.NoError(t, err)
	assert.Equal(t, "[nginx main] \x1b]0;owned\x07\x1b[2Jclear\r\n", out)
}

func TestLogsColour(t *testing.T) {
	out, _, err := runLogs(t, []*corev1.Pod{logsSeedPod(t)}, seedLogs(), "nx", "-c", "sidecar", "--color", "always")
	require.NoError(t, err)
	assert.Contains(t, out, "\x1b[34msidecar\x1b[0m] tick\n")
	t.Setenv("NO_COLOR", "1")
	out, _, err = runLogs(t, []*corev1.Pod{logsSeedPod(t)}, seedLogs(), "nx", "-c", "sidecar")
	require.NoError(t, err)
	assert.NotContains(t, out, "\x1b")
}

func TestLogsErrors(t *testing.T) {
	logs := seedLogs()
	logs.failures = map[string]error{"sidecar": errors.New("container \"sidecar\" in pod \"nx\" is waiting to start: ContainerCreating")}
	_, _, err := runLogs(t, []*corev1.Pod{logsSeedPod(t)}, logs, "nx")
	// The fake clientset can only fail at the transport; the real API path is in test/e2e.
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "pod/nx container sidecar: "), err.Error())
	assert.Contains(t, err.Error(), `container "sidecar" in pod "nx" is waiting to start: ContainerCreating`)

	logs = seedLogs()
	logs.failures = map[string]error{"sidecar": errors.New("boom")}
	out, errOut, err := runLogs(t, []*corev1.Pod{logsSeedPod(t)}, logs, "nx", "--ignore-errors")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(errOut, "warning: pod/nx container sidecar: "), errOut)
	assert.Contains(t, errOut, "boom")
	assert.Contains(t, out, "[nginx main] 10.0.0.1")
}

func TestLogsWaitingContainers(t *testing.T) {
	pod := logsSeedPod(t)
	pod.Status.ContainerStatuses[1].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	pod.Status.ContainerStatuses[1].ContainerID = ""
	out, errOut, err := runLogs(t, []*corev1.Pod{pod}, seedLogs(), "nx")
	require.NoError(t, err)
	assert.Equal(t, "note: pod/nx container sidecar has not started (ContainerCreating), no logs yet\n", errOut)
	assert.NotContains(t, out, "sidecar")

	// A crash-looping container: the kubelet's current log is the last
	// instance, so --previous must not read it twice.
	pod = restarted(logsSeedPod(t), "sidecar")
	pod.Status.ContainerStatuses[1].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	logs := seedLogs()
	out, _, err = runLogs(t, []*corev1.Pod{pod}, logs, "nx", "-p", "-c", "sidecar")
	require.NoError(t, err)
	assert.Equal(t, "[sidecar sidecar previous] previous sidecar\n", out)
	require.Len(t, logs.requests, 2, "the read and the one that confirms its end")
	assert.True(t, logs.requests[0].Previous)
	assert.True(t, logs.requests[1].Previous)
}

func TestLogsSeveralPods(t *testing.T) {
	var pods []*corev1.Pod
	for _, name := range []string{"web-a", "web-b", "web-c"} {
		p := logsSeedPod(t)
		p.Name, p.UID = name, types.UID("uid-"+name)
		p.Labels = map[string]string{"app": "web"}
		p.ResourceVersion = ""
		pods = append(pods, p)
	}
	out, _, err := runLogs(t, pods, seedLogs(), "-l", "app=web", "-c", "sidecar", "--grep", "Error")
	require.NoError(t, err)
	// Equal times keep the pods' order.
	assert.Equal(t, "[web-a sidecar sidecar] Error discovered!\n[web-b sidecar sidecar] Error discovered!\n[web-c sidecar sidecar] Error discovered!\n", out)
}

func TestLogsFollowReconnectsAndAttachesNewPods(t *testing.T) {
	pod := logsSeedPod(t)
	pod.Labels = map[string]string{"app": "web"}
	cs := fake.NewClientset(pod)
	logs := seedLogs()
	cs.PrependReactor("get", "pods", logs.react)
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	flags := genericclioptions.NewConfigFlags(false)
	ns := "default"
	flags.Namespace = &ns
	flags.KubeConfig = ptr(writeKubeconfig(t, "https://127.0.0.1:1", ns))
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	o := NewLogsOptions(flags, streams)
	o.Targets.NewClient = func() (kubernetes.Interface, error) { return cs, nil }
	var mu sync.Mutex
	safeOut := &lockedBuffer{mu: &mu, b: out}
	o.Out = safeOut
	cmd := newCmdLogs(o)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"-l", "app=web", "-c", "sidecar", "-f", "--max-delay", "20ms"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	first := "[nx sidecar sidecar] tick\n[nx sidecar sidecar] Error discovered!\n"
	// The fake's stream ends at once: it is reopened (the container still
	// runs), and the repeated lines are dropped.
	require.Eventually(t, func() bool {
		logs.mu.Lock()
		defer logs.mu.Unlock()
		return len(logs.requests) >= 3
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, first, safeOut.String())

	// A new pod of the selector joins.
	newPod := logsSeedPod(t)
	newPod.Name, newPod.UID, newPod.ResourceVersion = "nx-2", types.UID("uid-nx-2"), ""
	newPod.Labels = map[string]string{"app": "web"}
	_, err := cs.CoreV1().Pods("default").Create(ctx, newPod, metav1.CreateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Count(safeOut.String(), "[nx-2 sidecar sidecar]") == 2 }, 5*time.Second, 10*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, 2, strings.Count(safeOut.String(), "Error discovered!"), safeOut.String())
	assert.Empty(t, errOut.String())
	for _, r := range logs.requests {
		assert.True(t, r.Follow)
	}
	// Reopens ask from the last line's second on.
	logs.mu.Lock()
	defer logs.mu.Unlock()
	require.NotNil(t, logs.requests[1].SinceTime)
	assert.Equal(t, "2026-11-26T03:30:04Z", logs.requests[1].SinceTime.UTC().Format(time.RFC3339))
}

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogsLongLines(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	logs := &fakeLogs{logs: map[string]string{"nginx": t1 + " " + long + "\n" + t3 + " after", "sidecar": t2 + " no newline at the end"}}
	out, _, err := runLogs(t, []*corev1.Pod{logsSeedPod(t)}, logs, "nx", "--prefix=false")
	require.NoError(t, err)
	lines := strings.Split(out, "\n")
	require.Len(t, lines, 4)
	assert.Equal(t, 1<<20-len(t1)-1+len(printers.LogCutMark), len(lines[0]))
	assert.True(t, strings.HasSuffix(lines[0], "xxx"+printers.LogCutMark))
	assert.Equal(t, []string{"no newline at the end", "after", ""}, lines[1:])
}
