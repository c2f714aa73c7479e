package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runArgs is a run subcommand for tool printing via argv, expecting expect lines.
func runArgs(results, tool, expect string, argv ...string) []string {
	return append([]string{"run", "-pod", "1 x 5", "-tool", tool, "-binary", "x", "-expect", expect,
		"-runs", "2", "-results", results, "--"}, argv...)
}

// The case: a peer that prints nothing must fail the bench with its
// name and both numbers, and leave no row behind.
func TestRunFailsOnToolPrintingNothing(t *testing.T) {
	results := filepath.Join(t.TempDir(), "results.jsonl")
	err := run(context.Background(), runArgs(results, "stern --no-follow", "900000", "true"), &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stern --no-follow printed 0 lines, expected 900000")
	var short *ShortError
	require.ErrorAs(t, err, &short)
	assert.Equal(t, ShortError{Tool: "stern --no-follow", Got: 0, Expect: 900000}, *short)
	assert.NoFileExists(t, results)
}

func TestRunFailsOnWrongLineCount(t *testing.T) {
	for _, tc := range []struct {
		name, script, want string
	}{
		{"short", `printf 'a\nb\n'`, "printed 2 lines, expected 3"},
		{"long", `printf 'a\nb\nc\nd\n'`, "printed 4 lines, expected 3"},
		{"last line without newline counts", `printf 'a\nb\nc\nd'`, "printed 4 lines, expected 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			results := filepath.Join(t.TempDir(), "results.jsonl")
			err := run(context.Background(), runArgs(results, "tool", "3", "sh", "-c", tc.script), &bytes.Buffer{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "tool "+tc.want)
		})
	}
}

func TestRunFailsWhenToolFails(t *testing.T) {
	results := filepath.Join(t.TempDir(), "results.jsonl")
	err := run(context.Background(), runArgs(results, "kubectl logs", "1", "sh", "-c", "echo x; echo 'pods not found' >&2; exit 3"), &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kubectl logs:")
	assert.Contains(t, err.Error(), "exit status 3")
	assert.Contains(t, err.Error(), "pods not found")
}

func TestRunRejectsRowsThatProveNothing(t *testing.T) {
	results := filepath.Join(t.TempDir(), "results.jsonl")
	err := run(context.Background(), runArgs(results, "tool", "0", "true"), &bytes.Buffer{})
	assert.ErrorContains(t, err, "-expect must be at least 1")
	err = run(context.Background(), runArgs(results, "tool", "1"), &bytes.Buffer{})
	assert.ErrorContains(t, err, "no command given")
}

func TestRunRecordsTheRow(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "results.jsonl")
	var out bytes.Buffer
	// The server is this test process: its CPU time is read, and is >= 0.
	pid := os.Getpid()
	args := []string{"run", "-pod", "1 x 20000", "-tool", "seq", "-binary", "seq", "-expect", "20000",
		"-runs", "2", "-results", results, "-server-pids", strconv.Itoa(pid), "--", "seq", "20000"}
	require.NoError(t, run(context.Background(), args, &out))
	require.NoError(t, run(context.Background(), []string{"floor", "-binary", "seq", "-results", results, "--", "seq", "1"}, &out))
	assert.Contains(t, out.String(), "1 x 20000 | seq: 20000 lines")

	recs, err := readRecords(results)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	row := recs[0]
	assert.Equal(t, "row", row.Kind)
	assert.Equal(t, int64(20000), row.Lines)
	assert.Equal(t, 2, row.Runs)
	assert.Positive(t, row.WallSec)
	assert.GreaterOrEqual(t, row.CPUSec, 0.0)
	assert.GreaterOrEqual(t, row.ServerCPUSec, 0.0)
	assert.Positive(t, row.RSSKiB)
	assert.Equal(t, "floor", recs[1].Kind)
	assert.Positive(t, recs[1].RSSKiB)

	var table bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"table", "-results", results}, &table))
	assert.Contains(t, table.String(), "| 1 x 20000 | seq | 20000 |")
	assert.Contains(t, table.String(), "Floor RSS (the binary doing no log work): seq ")
}

func TestRunFailsWhenAServerIsGone(t *testing.T) {
	results := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"run", "-tool", "seq", "-expect", "1", "-results", results, "-server-pids", "999999999", "--", "seq", "1"}
	assert.ErrorContains(t, run(context.Background(), args, &bytes.Buffer{}), "server process 999999999")
}

func TestWriteTable(t *testing.T) {
	recs := []Record{
		{Kind: "floor", Binary: "pods-pattern", RSSKiB: 50 * 1024},
		{Kind: "row", Pod: "3 x 100", Tool: "pods-pattern logs", Binary: "pods-pattern", Lines: 300, Runs: 3,
			WallSec: 0.5, CPUSec: 0.25, ServerCPUSec: 0.75, RSSKiB: 60 * 1024},
		{Kind: "row", Pod: "3 x 100", Tool: "other", Binary: "other", Lines: 300, Runs: 3, WallSec: 1, CPUSec: 1, RSSKiB: 1024},
	}
	var b bytes.Buffer
	require.NoError(t, WriteTable(&b, recs))
	assert.Equal(t, `| pod (containers x lines) | tool | lines | wall (s) | client CPU (s) | server CPU (s) | lines/s | peak RSS (MiB) | over floor (MiB) |
|---|---|--:|--:|--:|--:|--:|--:|--:|
| 3 x 100 | pods-pattern logs | 300 | 0.50 | 0.25 | 0.75 | 600 | 60.0 | 10.0 |
| 3 x 100 | other | 300 | 1.00 | 1.00 | 0.00 | 300 | 1.0 | - |

Floor RSS (the binary doing no log work): pods-pattern 50.0 MiB.
`, b.String())
}

func TestGenLogsInterleavesClocksEndingAtEnd(t *testing.T) {
	dir := t.TempDir()
	end := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	require.NoError(t, GenLogs(dir, 3, 4, end))

	var stamps []time.Time
	for c := 0; c < 3; c++ {
		f, err := os.Open(filepath.Join(dir, ContainerName(c)+".log"))
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		j := 0
		for sc.Scan() {
			stamp, text, ok := strings.Cut(sc.Text(), " ")
			require.True(t, ok)
			ts, err := time.Parse(time.RFC3339Nano, stamp)
			require.NoError(t, err)
			assert.Equal(t, end.Add(-time.Duration(11-(j*3+c))*Step).UTC(), ts, "container %d line %d", c, j)
			assert.Contains(t, text, ContainerName(c)[1:]+" line 000000"+strconv.Itoa(j))
			stamps = append(stamps, ts)
			j++
		}
		require.NoError(t, f.Close())
		assert.Equal(t, 4, j)
	}
	assert.Len(t, stamps, 12)
	assert.Equal(t, end.UTC(), stamps[len(stamps)-1], "the last container's last line is at end")
}

func TestGenLogsRejectsEmptyPods(t *testing.T) {
	assert.ErrorContains(t, GenLogs(t.TempDir(), 0, 5, time.Now()), "at least one container")
	assert.ErrorContains(t, GenLogs(t.TempDir(), 2, 0, time.Now()), "at least one container and one line")
}
