package logs

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
)

// slowSource is a stream that takes a moment to read and counts how many
// of its kind are open at once.
type slowSource struct {
	text       string
	open, peak *atomic.Int64
}

type countingReader struct {
	io.Reader
	open *atomic.Int64
	once sync.Once
}

func (c *countingReader) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return nil
}

func (s *slowSource) Open(context.Context, time.Time) (io.ReadCloser, error) {
	n := s.open.Add(1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(5 * time.Millisecond)
	return &countingReader{Reader: strings.NewReader(s.text), open: s.open}, nil
}

func (s *slowSource) Resume(context.Context, logmerge.StreamEnd) (bool, error) { return false, nil }

func TestSpillReadsAtMostTheCapAndLeavesNoFile(t *testing.T) {
	r := &run{cfg: Config{MaxLogRequests: 3}}
	require.NoError(t, r.spillOverCap(20))
	require.NotNil(t, r.spill)
	var open, peak atomic.Int64
	var wg sync.WaitGroup
	got := make([]string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := &spilledSource{Source: &slowSource{text: fmt.Sprintf("2026-01-01T00:00:%02dZ line %d\n", i, i), open: &open, peak: &peak}, store: r.spill}
			rc, err := src.Open(context.Background(), time.Time{})
			if !assert.NoError(t, err) {
				return
			}
			b, _ := io.ReadAll(rc)
			_ = rc.Close()
			got[i] = string(b)
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int64(3), "never more streams open than --max-log-requests")
	assert.Equal(t, "2026-01-01T00:00:07Z line 7\n", got[7])
	entries, err := os.ReadDir(r.spill.dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "each file is unlinked once open")
	require.NoError(t, r.spill.close())
	_, err = os.Stat(r.spill.dir)
	assert.True(t, os.IsNotExist(err))
}

func TestSpillOverCap(t *testing.T) {
	r := &run{cfg: Config{MaxLogRequests: 50}}
	require.NoError(t, r.spillOverCap(50))
	assert.Nil(t, r.spill, "within the cap every stream is read at once")
	r = &run{cfg: Config{MaxLogRequests: 50, LogOptions: corev1.PodLogOptions{Follow: true}}}
	assert.EqualError(t, r.spillOverCap(600), "following keeps every stream open: this needs 600 log streams, more than --max-log-requests=50: raise it to 600, or narrow with -c, --role or -l")
}
