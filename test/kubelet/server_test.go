package kubelet

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2025, 9, 15, 9, 0, 0, 0, time.UTC)

// writeLog writes lines stamped t0+i seconds for container c of pod default/nx.
func writeLog(t *testing.T, dir, c string, previous bool, lines ...string) {
	t.Helper()
	ref := ContainerRef{Namespace: "default", Pod: "nx", Container: c}
	path := LogPath(dir, ref, previous)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(FormatLine(t0.Add(time.Duration(i)*time.Second), l))
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
}

func appendRaw(t *testing.T, path, raw string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	require.NoError(t, err)
	_, err = f.WriteString(raw)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func get(t *testing.T, base, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestParseLogQuery(t *testing.T) {
	now := t0.Add(time.Hour)
	tests := []struct {
		query   string
		want    LogQuery
		wantErr string
	}{
		{query: "", want: LogQuery{TailLines: -1}},
		{query: "follow=true&timestamps=true&previous=false", want: LogQuery{Follow: true, Timestamps: true, TailLines: -1}},
		{query: "tailLines=0&limitBytes=5", want: LogQuery{TailLines: 0, LimitBytes: 5}},
		{query: "sinceSeconds=60", want: LogQuery{TailLines: -1, Since: now.Add(-time.Minute)}},
		{query: "sinceTime=2025-09-15T09:00:03Z", want: LogQuery{TailLines: -1, Since: t0.Add(3 * time.Second)}},
		{query: "follow=yes", wantErr: `invalid follow "yes": must be true or false`},
		{query: "tailLines=-1", wantErr: "tailLines: must be greater than or equal to 0"},
		{query: "tailLines=x", wantErr: `invalid tailLines "x": must be an integer`},
		{query: "limitBytes=0", wantErr: "limitBytes: must be greater than 0"},
		{query: "sinceSeconds=0", wantErr: "sinceSeconds: must be greater than 0"},
		{query: "sinceSeconds=5&sinceTime=2025-09-15T09:00:03Z", wantErr: "at most one of sinceTime or sinceSeconds may be specified"},
		{query: "sinceTime=yesterday", wantErr: `invalid sinceTime "yesterday": must be RFC 3339`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			got, err := ParseLogQuery(q, now)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Follow, got.Follow)
			assert.Equal(t, tt.want.Previous, got.Previous)
			assert.Equal(t, tt.want.Timestamps, got.Timestamps)
			assert.Equal(t, tt.want.TailLines, got.TailLines)
			assert.Equal(t, tt.want.LimitBytes, got.LimitBytes)
			assert.True(t, tt.want.Since.Equal(got.Since), "since: want %v, got %v", tt.want.Since, got.Since)
		})
	}
}

func TestContainerLogsQueries(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, "nginx", false, "one", "two", "three", "four")
	writeLog(t, dir, "nginx", true, "old-1", "old-2")
	// A partial last line is still being written: not served, not counted by tailLines.
	appendRaw(t, LogPath(dir, ContainerRef{"default", "nx", "nginx"}, false), "2025-09-15T09:00:09Z half a li")
	// A line that does not parse is skipped.
	writeLog(t, dir, "sidecar", false, "a", "b")
	appendRaw(t, LogPath(dir, ContainerRef{"default", "nx", "sidecar"}, false), "garbage\n"+FormatLine(t0.Add(time.Minute), "c"))
	srv := httptest.NewServer(NewServer(Options{Dir: dir, Now: func() time.Time { return t0.Add(5 * time.Second) }}).Handler())
	defer srv.Close()

	code, body := get(t, srv.URL, "/containerLogs/default/nx/sidecar")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "a\nb\nc\n", body)

	tests := []struct {
		query string
		want  string
	}{
		{"", "one\ntwo\nthree\nfour\n"},
		{"timestamps=true&tailLines=2",
			"2025-09-15T09:00:02.000000000Z three\n2025-09-15T09:00:03.000000000Z four\n"},
		{"tailLines=0", ""},
		{"tailLines=1", "four\n"},
		{"tailLines=100", "one\ntwo\nthree\nfour\n"},
		{"sinceTime=2025-09-15T09:00:02Z", "three\nfour\n"},
		// sinceSeconds counts back from Now (t0+5s).
		{"sinceSeconds=3", "three\nfour\n"},
		// tailLines applies to the file first, then since filters.
		{"tailLines=3&sinceTime=2025-09-15T09:00:03Z", "four\n"},
		{"limitBytes=6", "one\ntw"},
		{"limitBytes=6&timestamps=true", "2025-0"},
		{"previous=true", "old-1\nold-2\n"},
		{"previous=true&follow=true", "old-1\nold-2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, body := get(t, srv.URL, "/containerLogs/default/nx/nginx?"+tt.query)
			require.Equal(t, http.StatusOK, code, body)
			assert.Equal(t, tt.want, body)
		})
	}
}

func TestContainerLogsErrorsWithoutPods(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, "nginx", false, "one")
	srv := httptest.NewServer(NewServer(Options{Dir: dir}).Handler())
	defer srv.Close()

	tests := []struct {
		path     string
		wantCode int
		wantBody string
	}{
		{"/containerLogs/default/other/nginx", http.StatusNotFound, `pod "other" does not exist`},
		{"/containerLogs/default/nx/sidecar", http.StatusNotFound, `container "sidecar" not found in pod "nx"`},
		{"/containerLogs/default/nx/nginx?previous=true", http.StatusBadRequest, `previous terminated container "nginx" in pod "nx" not found`},
		{"/containerLogs/default/nx/nginx?tailLines=-3", http.StatusBadRequest, "tailLines: must be greater than or equal to 0"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, body := get(t, srv.URL, tt.path)
			assert.Equal(t, tt.wantCode, code)
			assert.Equal(t, tt.wantBody, body)
		})
	}
}

func labPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nx", Namespace: "default"},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init-index"}},
			Containers:     []corev1.Container{{Name: "nginx"}, {Name: "sidecar"}},
		},
	}
}

func TestValidateContainerLogStatus(t *testing.T) {
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	tests := []struct {
		name      string
		status    corev1.ContainerStatus
		container string
		previous  bool
		want      resolved
		wantErr   string
		wantCode  int
	}{
		{
			name:      "not in spec",
			container: "debugger",
			wantErr:   `container "debugger" not found in pod "nx"`, wantCode: http.StatusNotFound,
		},
		{
			name:      "no status yet",
			container: "nginx",
			wantErr:   `container "nginx" in pod "nx" is not available`, wantCode: http.StatusBadRequest,
		},
		{
			name:      "running",
			status:    corev1.ContainerStatus{Name: "nginx", ContainerID: "containerd://a", State: running},
			container: "nginx",
			want:      resolved{running: true, containerID: "containerd://a"},
		},
		{
			name: "waiting to start",
			status: corev1.ContainerStatus{Name: "nginx", State: corev1.ContainerState{
				Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}},
			container: "nginx",
			wantErr:   `container "nginx" in pod "nx" is waiting to start: PodInitializing`, wantCode: http.StatusBadRequest,
		},
		{
			name: "image pull back-off",
			status: corev1.ContainerStatus{Name: "nginx", State: corev1.ContainerState{
				Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}},
			container: "nginx",
			wantErr:   `container "nginx" in pod "nx" is waiting to start: trying and failing to pull image`, wantCode: http.StatusBadRequest,
		},
		{
			name:      "previous of a container that never restarted",
			status:    corev1.ContainerStatus{Name: "sidecar", ContainerID: "containerd://b", State: running},
			container: "sidecar",
			previous:  true,
			wantErr:   `previous terminated container "sidecar" in pod "nx" not found`, wantCode: http.StatusBadRequest,
		},
		{
			name: "previous after a restart",
			status: corev1.ContainerStatus{Name: "sidecar", ContainerID: "containerd://c", State: running,
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "containerd://b"}}},
			container: "sidecar",
			previous:  true,
			want:      resolved{containerID: "containerd://b", previousFile: true},
		},
		{
			name: "completed init container",
			status: corev1.ContainerStatus{Name: "init-index", State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{ContainerID: "containerd://d", Reason: "Completed"}}},
			container: "init-index",
			want:      resolved{containerID: "containerd://d"},
		},
		{
			name: "crash loop serves the last run",
			status: corev1.ContainerStatus{Name: "init-index",
				State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "containerd://e", ExitCode: 1}}},
			container: "init-index",
			want:      resolved{containerID: "containerd://e"},
		},
		{
			name: "crash loop serves the last run as previous too",
			status: corev1.ContainerStatus{Name: "init-index",
				State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "containerd://e", ExitCode: 1}}},
			container: "init-index",
			previous:  true,
			want:      resolved{containerID: "containerd://e"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := labPod()
			if tt.status.Name == "init-index" {
				pod.Status.InitContainerStatuses = []corev1.ContainerStatus{tt.status}
			} else if tt.status.Name != "" {
				pod.Status.ContainerStatuses = []corev1.ContainerStatus{tt.status}
			}
			got, err := validateContainerLogStatus(pod, tt.container, tt.previous)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				var he *httpError
				require.ErrorAs(t, err, &he)
				assert.Equal(t, tt.wantCode, he.code)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// podStore is a PodGetter whose pod a test changes while a request runs.
type podStore struct {
	mu  sync.Mutex
	pod *corev1.Pod
}

func (p *podStore) get(_ context.Context, _, _ string) (*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pod == nil {
		return nil, nil
	}
	return p.pod.DeepCopy(), nil
}

func (p *podStore) set(pod *corev1.Pod) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pod = pod
}

func runningPod(containerID string) *corev1.Pod {
	pod := labPod()
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: "nginx", ContainerID: containerID,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
	}}
	return pod
}

func TestContainerLogsErrorsWithPods(t *testing.T) {
	dir := t.TempDir()
	store := &podStore{pod: runningPod("containerd://a")}
	srv := httptest.NewServer(NewServer(Options{Dir: dir, Pods: store.get}).Handler())
	defer srv.Close()

	code, body := get(t, srv.URL, "/containerLogs/default/nx/sidecar")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, `container "sidecar" in pod "nx" is not available`, body)

	code, body = get(t, srv.URL, "/containerLogs/default/nx/nope")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, `container "nope" not found in pod "nx"`, body)

	// A running container that printed nothing yet has an empty log.
	code, body = get(t, srv.URL, "/containerLogs/default/nx/nginx")
	assert.Equal(t, http.StatusOK, code)
	assert.Empty(t, body)

	store.set(nil)
	code, body = get(t, srv.URL, "/containerLogs/default/nx/nginx")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, `pod "nx" does not exist`, body)
}

// follow opens a follow request and returns a reader of its lines.
func follow(t *testing.T, base, path string) (*bufio.Reader, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return bufio.NewReader(resp.Body), func() { cancel(); resp.Body.Close() }
}

func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		l, err := r.ReadString('\n')
		ch <- result{l, err}
	}()
	select {
	case res := <-ch:
		require.NoError(t, res.err)
		return res.line
	case <-time.After(5 * time.Second):
		t.Fatal("no line within 5s")
		return ""
	}
}

func TestFollowAppendAndCut(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, "nginx", false, "one")
	path := LogPath(dir, ContainerRef{"default", "nx", "nginx"}, false)
	ks := NewServer(Options{Dir: dir, PollInterval: 5 * time.Millisecond})
	srv := httptest.NewServer(ks.Handler())
	defer srv.Close()
	ref := ContainerRef{Namespace: "default", Pod: "nx", Container: "nginx"}

	r, closeBody := follow(t, srv.URL, "/containerLogs/default/nx/nginx?follow=true")
	defer closeBody()
	assert.Equal(t, "one\n", readLine(t, r))
	assert.Equal(t, 1, ks.ActiveStreams(ref))

	// A line written in two pieces arrives whole.
	appendRaw(t, path, FormatLine(t0.Add(time.Minute), "two")[:10])
	time.Sleep(20 * time.Millisecond)
	appendRaw(t, path, FormatLine(t0.Add(time.Minute), "two")[10:])
	assert.Equal(t, "two\n", readLine(t, r))

	resp, err := http.Post(srv.URL+"/control/cut/default/nx/nginx", "text/plain", nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "1\n", string(body))

	// The client sees a broken response, not a clean end.
	_, err = io.ReadAll(r)
	require.Error(t, err)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.Eventually(t, func() bool { return ks.ActiveStreams(ref) == 0 }, 5*time.Second, 10*time.Millisecond)

	code, streams := get(t, srv.URL, "/control/streams/default/nx/nginx")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "0\n", streams)
}

func TestCutAfterBytes(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, "nginx", false, "one", "two", "three")
	ks := NewServer(Options{Dir: dir})
	srv := httptest.NewServer(ks.Handler())
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/control/cut-after/default/nx/nginx?bytes=6", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// Every later response breaks after 6 bytes, mid-line, without a clean end.
	for range 2 {
		resp, err = http.Get(srv.URL + "/containerLogs/default/nx/nginx")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Equal(t, "one\ntw", string(body))
	}
	// bytes=0 lets responses end normally again.
	resp, err = http.Post(srv.URL+"/control/cut-after/default/nx/nginx?bytes=0", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	code, body := get(t, srv.URL, "/containerLogs/default/nx/nginx")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "one\ntwo\nthree\n", body)
}

func TestFollowEndsWhenContainerStops(t *testing.T) {
	dir := t.TempDir()
	store := &podStore{pod: runningPod("containerd://a")}
	ks := NewServer(Options{Dir: dir, Pods: store.get, PollInterval: 5 * time.Millisecond, StatusInterval: 20 * time.Millisecond})
	srv := httptest.NewServer(ks.Handler())
	defer srv.Close()
	path := LogPath(dir, ContainerRef{"default", "nx", "nginx"}, false)

	// The file does not exist yet: the follow waits for it.
	r, closeBody := follow(t, srv.URL, "/containerLogs/default/nx/nginx?follow=true&timestamps=true")
	defer closeBody()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	appendRaw(t, path, FormatLine(t0, "started"))
	assert.Equal(t, "2025-09-15T09:00:00.000000000Z started\n", readLine(t, r))

	// The container restarts (new ID): the stream prints the last line and ends cleanly.
	appendRaw(t, path, FormatLine(t0.Add(time.Second), "last words"))
	store.set(runningPod("containerd://b"))
	rest, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "2025-09-15T09:00:01.000000000Z last words\n", string(rest))
}

func TestHoldMakesTheNextRequestWait(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, "nginx", false, "first instance")
	ks := NewServer(Options{Dir: dir})
	srv := httptest.NewServer(ks.Handler())
	defer srv.Close()
	ref := ContainerRef{Namespace: "default", Pod: "nx", Container: "nginx"}

	resp, err := http.Post(srv.URL+"/control/hold/default/nx/nginx", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	type result struct {
		code int
		body string
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/containerLogs/default/nx/nginx")
		if err != nil {
			done <- result{0, err.Error()}
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, string(body)}
	}()
	require.Eventually(t, func() bool { return ks.Held(ref) == 1 }, 5*time.Second, 5*time.Millisecond)
	code, held := get(t, srv.URL, "/control/held/default/nx/nginx")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "1\n", held)
	select {
	case r := <-done:
		require.Failf(t, "the held request was answered", "%d %q", r.code, r.body)
	case <-time.After(50 * time.Millisecond):
	}
	// What changes while it waits is what it finds.
	writeLog(t, dir, "nginx", false, "second instance")
	// Only the next request is held.
	code, body := get(t, srv.URL, "/containerLogs/default/nx/nginx")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "second instance\n", body)

	resp, err = http.Post(srv.URL+"/control/release/default/nx/nginx", "text/plain", nil)
	require.NoError(t, err)
	released, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "1\n", string(released))
	select {
	case r := <-done:
		assert.Equal(t, result{http.StatusOK, "second instance\n"}, r)
	case <-time.After(5 * time.Second):
		require.Fail(t, "the held request was not released")
	}
	assert.Equal(t, 0, ks.Held(ref))

	// A client that gives up while held leaves nothing waiting.
	ks.Hold(ref)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/containerLogs/default/nx/nginx", nil)
	require.NoError(t, err)
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	require.Eventually(t, func() bool { return ks.Held(ref) == 1 }, 5*time.Second, 5*time.Millisecond)
	cancel()
	<-gone
	require.Eventually(t, func() bool { return ks.Held(ref) == 0 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, 0, ks.Release(ref), "nothing left to release")
}
