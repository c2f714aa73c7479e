package framework

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pods-pattern/kubectl-pods-pattern/test/kubelet"
)

// LogLine is one line a container printed.
type LogLine struct {
	Time time.Time
	Text string
}

// Lines stamps texts one step apart from start.
func Lines(start time.Time, step time.Duration, texts ...string) []LogLine {
	lines := make([]LogLine, len(texts))
	for i, t := range texts {
		lines[i] = LogLine{Time: start.Add(time.Duration(i) * step), Text: t}
	}
	return lines
}

func (c *Cluster) logPath(namespace, pod, container string, previous bool) string {
	return kubelet.LogPath(c.KubeletDir, kubelet.ContainerRef{Namespace: namespace, Pod: pod, Container: container}, previous)
}

// WriteLog replaces the current log of a container with lines.
func (c *Cluster) WriteLog(namespace, pod, container string, lines ...LogLine) error {
	path := c.logPath(namespace, pod, container, false)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(formatLines(lines)), 0o644)
}

// AppendLog adds lines to a container's current log; an open follow sees them.
func (c *Cluster) AppendLog(namespace, pod, container string, lines ...LogLine) error {
	path := c.logPath(namespace, pod, container, false)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	// One write: a follower never sees half of the batch's last line.
	if _, err := f.WriteString(formatLines(lines)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// RotateLog makes the current log the previous instance's, as a container
// restart does; the new instance starts with an empty log.
func (c *Cluster) RotateLog(namespace, pod, container string) error {
	cur := c.logPath(namespace, pod, container, false)
	if err := os.Rename(cur, c.logPath(namespace, pod, container, true)); err != nil {
		return err
	}
	return os.WriteFile(cur, nil, 0o644)
}

func formatLines(lines []LogLine) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(kubelet.FormatLine(l.Time, l.Text))
	}
	return b.String()
}

func (c *Cluster) kubeletControl(ctx context.Context, method, action, namespace, pod, container string) (int, error) {
	return c.kubeletControlQuery(ctx, method, action, namespace, pod, container, "")
}

func (c *Cluster) kubeletControlQuery(ctx context.Context, method, action, namespace, pod, container, query string) (int, error) {
	u := fmt.Sprintf("%s/control/%s/%s/%s/%s", c.KubeletURL, action,
		url.PathEscape(namespace), url.PathEscape(pod), url.PathEscape(container))
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.kubeletHTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf("test kubelet %s: %w", action, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("test kubelet %s: %s: %s", action, resp.Status, body)
	}
	return strconv.Atoi(strings.TrimSpace(string(body)))
}

// CutLogStreams breaks the open log streams of a container at the test
// kubelet, as a kubelet crash would, and returns how many it broke.
func (c *Cluster) CutLogStreams(ctx context.Context, namespace, pod, container string) (int, error) {
	return c.kubeletControl(ctx, http.MethodPost, "cut", namespace, pod, container)
}

// ActiveLogStreams returns how many log streams of the container the test
// kubelet is serving.
func (c *Cluster) ActiveLogStreams(ctx context.Context, namespace, pod, container string) (int, error) {
	return c.kubeletControl(ctx, http.MethodGet, "streams", namespace, pod, container)
}

// CutLogStreamsAfter makes the test kubelet break every later log response of
// the container after n bytes (mid-line if it falls there), with or without
// follow; n = 0 ends that. kube-apiserver hands such a break to its client as
// a clean end of the response.
func (c *Cluster) CutLogStreamsAfter(ctx context.Context, namespace, pod, container string, n int64) error {
	_, err := c.kubeletControlQuery(ctx, http.MethodPost, "cut-after", namespace, pod, container, "bytes="+strconv.FormatInt(n, 10))
	return err
}

// HoldNextLogRequest makes the test kubelet hold the container's next log
// request, before it looks the container up, until ReleaseLogRequests: a
// restart made meanwhile lands between the client's last look at the pod
// and the kubelet's answer.
func (c *Cluster) HoldNextLogRequest(ctx context.Context, namespace, pod, container string) error {
	_, err := c.kubeletControl(ctx, http.MethodPost, "hold", namespace, pod, container)
	return err
}

// HeldLogRequests returns how many log requests of the container the test
// kubelet is holding.
func (c *Cluster) HeldLogRequests(ctx context.Context, namespace, pod, container string) (int, error) {
	return c.kubeletControl(ctx, http.MethodGet, "held", namespace, pod, container)
}

// ReleaseLogRequests lets the held log requests of the container go on
// (and disarms a hold no request took); it returns how many it let go.
func (c *Cluster) ReleaseLogRequests(ctx context.Context, namespace, pod, container string) (int, error) {
	return c.kubeletControl(ctx, http.MethodPost, "release", namespace, pod, container)
}
