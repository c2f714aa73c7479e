package logs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

func TestEventContainer(t *testing.T) {
	assert.Equal(t, "nginx", eventContainer("spec.containers{nginx}"))
	assert.Equal(t, "init-index", eventContainer("spec.initContainers{init-index}"))
	assert.Equal(t, "", eventContainer(""))
	assert.Equal(t, "", eventContainer("spec.containers{nginx"))
}

func TestOccurrences(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	legacy := func(first, last time.Time, count int32) *corev1.Event {
		return &corev1.Event{Reason: "BackOff", Type: "Warning",
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "nx", FieldPath: "spec.containers{nginx}"},
			FirstTimestamp: metav1.NewTime(first), LastTimestamp: metav1.NewTime(last), Count: count}
	}
	times := func(evs []printers.LogEvent) []string {
		var out []string
		for _, e := range evs {
			out = append(out, time.Unix(0, e.Time).UTC().Format("15:04:05")+" x"+string(rune('0'+e.Count)))
		}
		return out
	}
	cases := []struct {
		name  string
		e     *corev1.Event
		after int64
		want  []string
	}{
		{"once", legacy(t0, t0, 1), 0, []string{"10:00:00 x1"}},
		{"repeated: first and latest, never each", legacy(t0, t0.Add(4*time.Minute), 9), 0, []string{"10:00:00 x1", "10:04:00 x9"}},
		{"an update shows only what is new", legacy(t0, t0.Add(5*time.Minute), 9), t0.Add(4 * time.Minute).UnixNano(), []string{"10:05:00 x9"}},
		{"an update without a later time shows nothing", legacy(t0, t0.Add(5*time.Minute), 9), t0.Add(5 * time.Minute).UnixNano(), nil},
		{"repeats within one second", legacy(t0, t0, 3), 0, []string{"10:00:00 x3"}},
		{"series", &corev1.Event{EventTime: metav1.NewMicroTime(t0.Add(time.Second)),
			Series: &corev1.EventSeries{Count: 4, LastObservedTime: metav1.NewMicroTime(t0.Add(time.Minute))}}, 0,
			[]string{"10:00:01 x1", "10:01:00 x4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, times(occurrences(c.e, c.after)))
		})
	}
	got := occurrences(legacy(t0, t0.Add(time.Minute), 2), 0)
	assert.Equal(t, "nginx", got[1].Container)
	assert.Equal(t, "Warning BackOff:  (2 times since 2026-01-02T10:00:00Z)", got[1].Text())
}

func TestTailPerPod(t *testing.T) {
	evs := []printers.LogEvent{{Pod: "a", Time: 1}, {Pod: "b", Time: 2}, {Pod: "a", Time: 3}, {Pod: "a", Time: 4}}
	got := tailPerPod(evs, 1)
	assert.Equal(t, []printers.LogEvent{{Pod: "b", Time: 2}, {Pod: "a", Time: 4}}, got)
	assert.Empty(t, tailPerPod([]printers.LogEvent{{Pod: "a"}}, 0))
}

func podEvent(name, fieldPath, typ, reason, msg string, at time.Time, count int32) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID(name)},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "nx", FieldPath: fieldPath},
		Type:           typ, Reason: reason, Message: msg,
		FirstTimestamp: metav1.NewTime(at), LastTimestamp: metav1.NewTime(at), Count: count,
	}
}

// Events take their place among the lines by time, tagged by container or
// pod; those of containers not read are left out; their text is escaped.
func TestRunMergesEvents(t *testing.T) {
	pod := testutil.LoadPod(t, filepath.Join(testutil.FixturesDir(), "seed", "task3-nx.yaml"))
	logs := map[string]string{
		"nginx":   "2026-11-26T03:30:01Z start\n2026-11-26T03:30:03Z GET / 200\n",
		"sidecar": "2026-11-26T03:30:02Z tick\n",
	}
	at := func(s int) time.Time { return time.Date(2026, 11, 26, 3, 30, s, 0, time.UTC) }
	other := podEvent("other", "", "Normal", "Scheduled", "of another pod", at(1), 1)
	other.InvolvedObject.Name = "web"
	events := []runtime.Object{
		podEvent("pulled", "spec.containers{nginx}", "Normal", "Pulled", "image pulled", at(0), 1),
		podEvent("probe", "spec.containers{sidecar}", "Warning", "Unhealthy", "probe failed\x1b[2J", at(2), 1),
		podEvent("pod", "", "Normal", "Scheduled", "assigned", at(0), 1),
		other,
	}
	cases := []struct {
		name       string
		containers []string
		json       bool
		want       string
	}{
		{"all containers", nil, false, "[events pod] Scheduled: assigned\n" +
			"[events nginx] Pulled: image pulled\n" +
			"[nginx main] start\n" +
			"[events sidecar] Warning Unhealthy: probe failed^[[2J\n" +
			"[sidecar sidecar] tick\n" +
			"[nginx main] GET / 200\n"},
		{"-c nginx", []string{"nginx"}, false, "[events pod] Scheduled: assigned\n" +
			"[events nginx] Pulled: image pulled\n" +
			"[nginx main] start\n" +
			"[nginx main] GET / 200\n"},
		{"json", []string{"nginx"}, true,
			`{"time":"2026-11-26T03:30:00.000000000Z","namespace":"default","pod":"nx","container":"","event":true,"type":"Normal","reason":"Scheduled","message":"assigned"}` + "\n" +
				`{"time":"2026-11-26T03:30:00.000000000Z","namespace":"default","pod":"nx","container":"nginx","event":true,"type":"Normal","reason":"Pulled","message":"image pulled"}` + "\n" +
				`{"time":"2026-11-26T03:30:01Z","namespace":"default","pod":"nx","container":"nginx","role":"main","message":"start"}` + "\n" +
				`{"time":"2026-11-26T03:30:03Z","namespace":"default","pod":"nx","container":"nginx","role":"main","message":"GET / 200"}` + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := &kubeletLogs{logs: logs}
			cs := fake.NewClientset(append([]runtime.Object{pod}, events...)...)
			cs.PrependReactor("get", "pods", k.react)
			var out, errOut bytes.Buffer
			cfg := Config{
				Query:      kube.Query{Namespace: "default", Names: []string{"nx"}},
				Rules:      classify.BuiltinRules(),
				Containers: c.containers, MaxLogRequests: 10, Prefix: true, Events: true, JSON: c.json,
			}
			require.NoError(t, Run(context.Background(), cs, cfg, &out, &errOut))
			assert.Equal(t, c.want, out.String())
			assert.Empty(t, errOut.String())
		})
	}
}

// Without permission to list events the logs go on, with a warning.
func TestRunEventsForbidden(t *testing.T) {
	pod := testutil.LoadPod(t, filepath.Join(testutil.FixturesDir(), "seed", "task3-nx.yaml"))
	k := &kubeletLogs{logs: map[string]string{"nginx": "2026-11-26T03:30:01Z start\n", "sidecar": "2026-11-26T03:30:02Z tick\n"}}
	cs := fake.NewClientset(pod)
	cs.PrependReactor("get", "pods", k.react)
	cs.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "events"}, "", errors.New(`User "viewer" cannot list resource "events"`))
	})
	var out, errOut bytes.Buffer
	cfg := Config{Query: kube.Query{Namespace: "default", Names: []string{"nx"}}, Rules: classify.BuiltinRules(),
		MaxLogRequests: 10, Prefix: true, Events: true}
	require.NoError(t, Run(context.Background(), cs, cfg, &out, &errOut))
	assert.Equal(t, "[nginx main] start\n[sidecar sidecar] tick\n", out.String())
	assert.Contains(t, errOut.String(), "warning: events are not shown: ")
	assert.Contains(t, errOut.String(), `cannot list resource "events"`)
}

// readEvents reads the events stream's lines and gives the text of each
// occurrence, in the order written, until the stream ends or n are read.
func readEvents(t *testing.T, s *eventSource, r io.Reader, n int) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for (n < 0 || len(out) < n) && sc.Scan() {
		_, num, ok := strings.Cut(sc.Text(), " ")
		require.True(t, ok, sc.Text())
		e := s.take(logmerge.Line{Text: []byte(num)})
		require.NotNil(t, e, sc.Text())
		out = append(out, e.Pod+" "+e.Reason)
	}
	return out
}

// Following a selector, an event that comes before the pod watch has shown
// its pod waits for it, and is shown, with the others held, in time order
// once the pod is seen; the events of a pod never seen are not.
func TestEventsOfAPodNotSeenYetWait(t *testing.T) {
	r := &run{cfg: Config{Events: true, Rules: classify.BuiltinRules(),
		Query: kube.Query{Namespace: "default", Selector: "app=web"}, LogOptions: corev1.PodLogOptions{Follow: true}}}
	r.events = r.newEventSource()
	s := r.events
	require.True(t, s.hold)
	pr, pw := io.Pipe()
	s.pw = pw
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	ev := func(pod, name, reason string, at time.Time) *corev1.Event {
		e := podEvent(name, "", "Normal", reason, "", at, 1)
		e.InvolvedObject.Name = pod
		return e
	}
	assert.Empty(t, s.fresh(ev("web-1", "pulling", "Pulling", t0.Add(time.Second))), "held")
	assert.Empty(t, s.fresh(ev("web-1", "scheduled", "Scheduled", t0)), "held")
	assert.Empty(t, s.fresh(ev("db-0", "other", "Scheduled", t0)), "held, never shown")

	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-1", UID: "u1"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
	go r.trackForEvents(pod)
	assert.Equal(t, []string{"web-1 Scheduled", "web-1 Pulling"}, readEvents(t, s, pr, 2))
	// Seen now: its events pass at once, those of the other pod still wait.
	assert.Len(t, s.fresh(ev("web-1", "pulled", "Pulled", t0.Add(2*time.Second))), 1)
	s.holdMu.Lock()
	pods, events := heldCount(s.held)
	s.holdMu.Unlock()
	assert.Equal(t, 1, pods)
	assert.Equal(t, 1, events)
	s.dropHeld()
	assert.Empty(t, s.fresh(ev("db-0", "late", "Killing", t0)), "the stream ended: nothing is held")
}

// Named pods do not join: events of other pods are left out, not held.
func TestEventsOfNamedPodsAreNotHeld(t *testing.T) {
	r := &run{cfg: Config{Events: true, Query: kube.Query{Namespace: "default", Names: []string{"nx", "web"}},
		LogOptions: corev1.PodLogOptions{Follow: true}}}
	s := r.newEventSource()
	assert.False(t, s.hold)
	assert.Empty(t, s.fresh(podEvent("e", "", "Normal", "Scheduled", "", time.Now(), 1)))
	assert.Nil(t, s.held)
}

// When the pods followed finish, the events watch goes on for the grace
// given, and one last list brings what the watch had not: the last events
// are shown once, those shown already are not shown again.
func TestEventsDrainWhenThePodsFinish(t *testing.T) {
	pod := testutil.LoadPod(t, filepath.Join(testutil.FixturesDir(), "seed", "task3-nx.yaml"))
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	started := podEvent("started", "spec.containers{nginx}", "Normal", "Started", "", t0, 1)
	killing := podEvent("killing", "spec.containers{nginx}", "Normal", "Killing", "Stopping container nginx", t0.Add(5*time.Second), 1)
	unhealthy := podEvent("unhealthy", "spec.containers{sidecar}", "Warning", "Unhealthy", "", t0.Add(4*time.Second), 1)
	cs := fake.NewClientset()
	var mu sync.Mutex
	lists := 0
	cs.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		lists++
		items := []corev1.Event{*started}
		if lists > 1 {
			// The last list: what the watch brought, and one it did not.
			items = append(items, *unhealthy, *killing)
		}
		return true, &corev1.EventList{ListMeta: metav1.ListMeta{ResourceVersion: "10"}, Items: items}, nil
	})
	fw := watch.NewFake()
	cs.PrependWatchReactor("events", func(k8stesting.Action) (bool, watch.Interface, error) { return true, fw, nil })

	r := &run{cfg: Config{Events: true, Rules: classify.BuiltinRules(),
		Query: kube.Query{Namespace: "default", Names: []string{"nx"}}, LogOptions: corev1.PodLogOptions{Follow: true}},
		client: &kube.Client{CS: cs}}
	r.trackForEvents(pod)
	r.events = r.newEventSource()
	s := r.events
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := s.Open(ctx, time.Time{})
	require.NoError(t, err)
	defer rc.Close()
	assert.Equal(t, []string{"nx Started"}, readEvents(t, s, rc, 1))

	s.stop(time.Second)
	// Within the grace, the watch still shows what comes.
	u := unhealthy.DeepCopy()
	u.ResourceVersion = "11"
	fw.Add(u)
	assert.Equal(t, []string{"nx Unhealthy"}, readEvents(t, s, rc, 1))
	begin := time.Now()
	assert.Equal(t, []string{"nx Killing"}, readEvents(t, s, rc, -1), "then the last list, and the end")
	assert.GreaterOrEqual(t, time.Since(begin), 500*time.Millisecond, "the grace was waited")
	mu.Lock()
	assert.Equal(t, 2, lists)
	mu.Unlock()
}

// Pods that had finished at the start: no grace, no watch.
func TestEventsOfPodsFinishedAtTheStartEndAtOnce(t *testing.T) {
	cs := fake.NewClientset(podEvent("started", "", "Normal", "Started", "", time.Now(), 1))
	cs.PrependWatchReactor("events", func(k8stesting.Action) (bool, watch.Interface, error) {
		t.Error("no watch")
		return true, watch.NewFake(), nil
	})
	r := &run{cfg: Config{Events: true, Query: kube.Query{Namespace: "default", Names: []string{"nx"}},
		LogOptions: corev1.PodLogOptions{Follow: true}}, client: &kube.Client{CS: cs}}
	r.trackForEvents(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "nx"}})
	r.events = r.newEventSource()
	r.events.stop(0)
	rc, err := r.events.Open(context.Background(), time.Time{})
	require.NoError(t, err)
	defer rc.Close()
	assert.Equal(t, []string{"nx Started"}, readEvents(t, r.events, rc, -1))
}
