package kube

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
)

func logPod(state corev1.ContainerState, id string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nx", Namespace: "default"},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
			{Name: "nginx", ContainerID: id, State: state},
		}},
	}
}

func TestContainerLogResume(t *testing.T) {
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	exited := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}
	waiting := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	follow := corev1.PodLogOptions{Container: "nginx", Follow: true, Timestamps: true}
	once := corev1.PodLogOptions{Container: "nginx", Timestamps: true}
	limit := int64(10)
	start := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	before, after := start.Add(-time.Minute), start.Add(time.Second)
	first := logmerge.StreamEnd{NewLines: 5, Last: before}
	more := logmerge.StreamEnd{Reopened: true, NewLines: 3, Last: before}
	nothing := logmerge.StreamEnd{Reopened: true, Last: before}
	cases := []struct {
		name string
		pod  *corev1.Pod
		opts corev1.PodLogOptions
		msgs *int64 // MessageLimit
		ends []logmerge.StreamEnd
		want []bool // answers to successive Resume calls
	}{
		{"follow: same instance still running", logPod(running, "c://1"), follow, nil, []logmerge.StreamEnd{first, nothing}, []bool{true, true}},
		{"follow: a new instance is the watch's", logPod(running, "c://2"), follow, nil, []logmerge.StreamEnd{first}, []bool{false}},
		{"follow: exited, read until a read after the exit brings nothing", logPod(exited, "c://1"), follow, nil, []logmerge.StreamEnd{first, more, nothing}, []bool{true, true, false}},
		{"follow: waiting", logPod(waiting, "c://1"), follow, nil, []logmerge.StreamEnd{first}, []bool{false}},
		{"once: confirmed by a reopen that brings nothing", logPod(running, "c://1"), once, nil, []logmerge.StreamEnd{first, more, nothing}, []bool{true, true, false}},
		{"once: a line after the start means all before it was read", logPod(running, "c://1"), once, nil, []logmerge.StreamEnd{{NewLines: 5, Last: after}}, []bool{false}},
		{"once: no line, nothing to reopen from", logPod(running, "c://1"), once, nil, []logmerge.StreamEnd{{}}, []bool{false}},
		{"once: without timestamps it cannot be reopened", logPod(running, "c://1"), corev1.PodLogOptions{Container: "nginx"}, nil, []logmerge.StreamEnd{first}, []bool{false}},
		{"previous instance is confirmed like a read once", logPod(running, "c://1"), corev1.PodLogOptions{Container: "nginx", Follow: true, Previous: true, Timestamps: true}, nil, []logmerge.StreamEnd{first, nothing}, []bool{true, false}},
		{"limit reached", logPod(running, "c://1"), corev1.PodLogOptions{Container: "nginx", Follow: true, Timestamps: true, LimitBytes: &limit}, nil, []logmerge.StreamEnd{first}, []bool{false}},
		{"message limit reached", logPod(running, "c://1"), follow, &limit, []logmerge.StreamEnd{first}, []bool{false}},
		{"pod gone", nil, follow, nil, []logmerge.StreamEnd{first}, []bool{false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs := fake.NewClientset()
			if c.pod != nil {
				cs = fake.NewClientset(c.pod)
			}
			l := &ContainerLog{Client: &Client{CS: cs}, Namespace: "default", Pod: "nx", ContainerID: "c://1", Options: c.opts, MessageLimit: c.msgs, Until: start}
			for i, want := range c.want {
				l.lastResume = time.Time{} // no back-off wait in the test
				got, err := l.Resume(context.Background(), c.ends[i])
				require.NoError(t, err)
				assert.Equal(t, want, got, "call %d", i+1)
			}
		})
	}
}

func TestContainerLogOpenOptions(t *testing.T) {
	tail, secs := int64(5), int64(60)
	since := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		log      ContainerLog
		resumeAt time.Time
		check    func(t *testing.T, o *corev1.PodLogOptions)
	}{
		{"first open keeps --tail and --since", ContainerLog{Options: corev1.PodLogOptions{Follow: true, TailLines: &tail, SinceSeconds: &secs}}, time.Time{},
			func(t *testing.T, o *corev1.PodLogOptions) {
				assert.Equal(t, &tail, o.TailLines)
				assert.Equal(t, &secs, o.SinceSeconds)
				assert.True(t, o.Follow)
			}},
		{"a reopen starts at the last line", ContainerLog{Options: corev1.PodLogOptions{Follow: true, TailLines: &tail, SinceSeconds: &secs}}, since,
			func(t *testing.T, o *corev1.PodLogOptions) {
				assert.Nil(t, o.TailLines)
				assert.Nil(t, o.SinceSeconds)
				require.NotNil(t, o.SinceTime)
				assert.True(t, since.Equal(o.SinceTime.Time))
			}},
		{"a new instance shows everything", ContainerLog{Fresh: true, Options: corev1.PodLogOptions{Follow: true, TailLines: &tail}}, time.Time{},
			func(t *testing.T, o *corev1.PodLogOptions) {
				assert.Nil(t, o.TailLines)
				assert.Nil(t, o.SinceTime)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs := fake.NewClientset()
			l := c.log
			l.Client, l.Namespace, l.Pod = &Client{CS: cs}, "default", "nx"
			l.Options.Container, l.Options.Timestamps = "nginx", true
			rc, err := l.Open(context.Background(), c.resumeAt)
			require.NoError(t, err)
			require.NoError(t, rc.Close())
			require.Len(t, cs.Actions(), 1)
			o := cs.Actions()[0].(interface{ GetValue() any }).GetValue().(*corev1.PodLogOptions)
			assert.True(t, o.Timestamps, "the request is sent as given")
			assert.Equal(t, "nginx", o.Container)
			c.check(t, o)
		})
	}
}

func TestPodsAllNamespacesAlone(t *testing.T) {
	a := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "one"}}
	b := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "two"}}
	c := &Client{CS: fake.NewClientset(b, a)}
	pods, err := c.Pods(context.Background(), Query{Namespace: "default", AllNamespaces: true})
	require.NoError(t, err)
	require.Len(t, pods, 2)
	assert.Equal(t, []string{"one/a", "two/b"}, []string{pods[0].Namespace + "/" + pods[0].Name, pods[1].Namespace + "/" + pods[1].Name})

	_, err = (&Client{CS: fake.NewClientset()}).Pods(context.Background(), Query{AllNamespaces: true})
	require.EqualError(t, err, "no pods found in any namespace")
}

func TestMessageLimiter(t *testing.T) {
	log := "2026-11-26T03:00:00Z hello\n2026-11-26T03:00:01.5Z world\n2026-11-26T03:00:02Z more\n"
	cases := []struct {
		limit int64
		want  string
	}{
		{3, "2026-11-26T03:00:00Z hel"},
		{6, "2026-11-26T03:00:00Z hello\n"},
		{8, "2026-11-26T03:00:00Z hello\n2026-11-26T03:00:01.5Z wo"},
		{1000, log},
	}
	for _, c := range cases {
		// One byte per read, and all at once: the cut is the same.
		for _, chunk := range []int{1, len(log)} {
			m := &messageLimiter{rc: io.NopCloser(&chunkReader{s: log, n: chunk}), left: c.limit, inStamp: true}
			got, err := io.ReadAll(m)
			require.NoError(t, err)
			assert.Equal(t, c.want, string(got), "limit %d, reads of %d", c.limit, chunk)
		}
	}
}

type chunkReader struct {
	s string
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[n:]
	return n, nil
}

// A container that restarts between Resume's status check and the reopen
// must not have its new instance read by the old instance's stream (the pod
// watch attaches the new one: its lines would be printed twice).
func TestReopenAfterARestartReadsThePreviousInstance(t *testing.T) {
	since := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	for _, c := range []struct {
		name      string
		idAfter   string
		wantPrev  bool
		wantReqs  int
		wantLines string
	}{
		{"same instance: the reopened follow stays", "c://1", false, 1, "current\n"},
		{"restarted in between: the previous instance, not followed", "c://2", true, 2, "previous\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs := fake.NewClientset(logPod(running, c.idAfter))
			var reqs []corev1.PodLogOptions
			cs.PrependReactor("get", "pods", func(action k8stesting.Action) (bool, runtime.Object, error) {
				if action.GetSubresource() != "log" {
					return false, nil, nil
				}
				o := *action.(k8stesting.GenericAction).GetValue().(*corev1.PodLogOptions)
				reqs = append(reqs, o)
				body := "current\n"
				if o.Previous {
					body = "previous\n"
				}
				return true, &runtime.Unknown{Raw: []byte(body)}, nil
			})
			l := &ContainerLog{Client: &Client{CS: cs}, Namespace: "default", Pod: "nx", ContainerID: "c://1",
				Options: corev1.PodLogOptions{Container: "nginx", Follow: true, Timestamps: true}}
			rc, err := l.Open(context.Background(), since)
			require.NoError(t, err)
			body, err := io.ReadAll(rc)
			require.NoError(t, err)
			require.NoError(t, rc.Close())
			assert.Equal(t, c.wantLines, string(body))
			require.Len(t, reqs, c.wantReqs)
			last := reqs[len(reqs)-1]
			assert.Equal(t, c.wantPrev, last.Previous)
			assert.Equal(t, !c.wantPrev, last.Follow)
			require.NotNil(t, last.SinceTime)
			assert.True(t, last.SinceTime.Time.Equal(since))

			// Resume then ends the stream when its instance is gone.
			l.lastResume = time.Time{}
			again, err := l.Resume(context.Background(), logmerge.StreamEnd{Reopened: true, NewLines: 1, Last: since})
			require.NoError(t, err)
			assert.Equal(t, !c.wantPrev, again)
		})
	}
}
