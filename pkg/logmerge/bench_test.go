package logmerge

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"
)

// genLog writes n lines of about 80 bytes whose clocks interleave with the
// other streams'.
func genLog(stream, streams, n int) []byte {
	var b bytes.Buffer
	base := time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC)
	for i := range n {
		ts := base.Add(time.Duration(i*streams+stream) * time.Microsecond).Format(time.RFC3339Nano)
		fmt.Fprintf(&b, "%s stream %02d line %07d lorem ipsum dolor sit amet consectetur\n", ts, stream, i)
	}
	return b.Bytes()
}

type bytesSource []byte

func (s bytesSource) Open(context.Context, time.Time) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(s)), nil
}
func (bytesSource) Resume(context.Context, StreamEnd) (bool, error) { return false, nil }

func benchMerge(b *testing.B, streams, perStream int) {
	logs := make([]bytesSource, streams)
	size := 0
	for i := range logs {
		logs[i] = genLog(i, streams, perStream)
		size += len(logs[i])
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range b.N {
		m := New(context.Background(), Options{})
		for _, l := range logs {
			m.Add(l)
		}
		m.CloseInput()
		n := 0
		if err := m.Run(func(Line) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != streams*perStream {
			b.Fatalf("merged %d lines, want %d", n, streams*perStream)
		}
	}
	b.ReportMetric(float64(streams*perStream*b.N)/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkMerge3x100k(b *testing.B) { benchMerge(b, 3, 100_000) }
func BenchmarkMerge50x5k(b *testing.B)  { benchMerge(b, 50, 5_000) }
func BenchmarkParseLine(b *testing.B) {
	line := genLog(0, 1, 1)
	line = line[:len(line)-1]
	for range b.N {
		if _, _, _, ok := ParseLine(line); !ok {
			b.Fatal("not parsed")
		}
	}
}
