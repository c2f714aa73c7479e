// Command bench is the measuring hand of hack/bench-logs.sh. It writes the log
// files the test kubelet serves (gen), runs one tool a few times and records
// what it cost (run), records a binary's floor memory (floor), and prints the
// table (table). run fails when a tool prints other than the lines expected:
// a row that measured nothing must stop the bench, not fill the table.
//
//	bench gen -dir DIR -containers 3 -lines 300000
//	bench run -pod "3 x 300000" -tool "kubectl logs" -binary kubectl -expect 900000 \
//	    -runs 3 -results FILE [-server-pids 1,2,3] -- kubectl logs ...
//	bench floor -binary kubectl -results FILE -- kubectl version --client
//	bench table -results FILE
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pods-pattern/kubectl-pods-pattern/test/kubelet"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("name a subcommand: gen, run, floor or table")
	}
	switch args[0] {
	case "gen":
		return genCmd(args[1:])
	case "run":
		return runCmd(ctx, args[1:], stdout)
	case "floor":
		return floorCmd(ctx, args[1:])
	case "table":
		return tableCmd(args[1:], stdout)
	}
	return fmt.Errorf("unknown subcommand %q: use gen, run, floor or table", args[0])
}

// --- gen -----------------------------------------------------------------

// Step is the clock between two consecutive lines across containers: line j
// of container c (of n) is written at start + (j*n + c) * Step, so that the
// containers' lines interleave and a merge has work to do.
const Step = time.Millisecond

// GenLogs writes <dir>/cNN.log for n containers of lines lines each, the last
// line at end. The clocks are relative to end (the caller passes about now),
// so that tools that look back a fixed window (stern's --since 48h default)
// see the lines on any day the bench runs.
func GenLogs(dir string, n, lines int, end time.Time) error {
	if n < 1 || lines < 1 {
		return fmt.Errorf("need at least one container and one line, got %d x %d", n, lines)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	start := end.Add(-time.Duration(n*lines-1) * Step)
	for c := 0; c < n; c++ {
		if err := genFile(filepath.Join(dir, ContainerName(c)+".log"), c, n, lines, start); err != nil {
			return err
		}
	}
	return nil
}

// ContainerName is the name of the c-th container of a bench pod.
func ContainerName(c int) string { return fmt.Sprintf("c%02d", c) }

func genFile(path string, c, n, lines int, start time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 256*1024)
	for j := 0; j < lines; j++ {
		ts := start.Add(time.Duration(j*n+c) * Step)
		// About 80 bytes a line, as an application's log line might be.
		text := fmt.Sprintf("container %02d line %07d lorem ipsum dolor sit amet, consectetur", c, j)
		if _, err := w.WriteString(kubelet.FormatLine(ts, text)); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func genCmd(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory of the pod's log files")
	n := fs.Int("containers", 0, "containers")
	lines := fs.Int("lines", 0, "lines per container")
	// A minute back: the last line is never in the future of the server's clock.
	ago := fs.Duration("end-ago", time.Minute, "how long before now the last line is written")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("gen needs -dir")
	}
	return GenLogs(*dir, *n, *lines, time.Now().Add(-*ago))
}

// --- run -----------------------------------------------------------------

// Record is one line of the results file: a measured row or a binary's floor.
type Record struct {
	Kind   string `json:"kind"` // "row" or "floor"
	Pod    string `json:"pod,omitempty"`
	Tool   string `json:"tool,omitempty"`
	Binary string `json:"binary"`
	Lines  int64  `json:"lines,omitempty"`
	Runs   int    `json:"runs,omitempty"`
	// Best (least) of the runs: noise from other processes only adds time.
	WallSec      float64 `json:"wall_s,omitempty"`
	CPUSec       float64 `json:"cpu_s,omitempty"`
	ServerCPUSec float64 `json:"server_cpu_s,omitempty"`
	// Highest of the runs.
	RSSKiB int64 `json:"rss_kib"`
}

// Sample is what one run of a tool cost.
type Sample struct {
	Lines int64
	Wall  time.Duration
	// CPU is the tool's user+system time (its own process, from rusage).
	CPU time.Duration
	// ServerCPU is what the given server processes spent during the run.
	ServerCPU time.Duration
	RSSKiB    int64
}

// ShortError is a tool that printed other than the lines expected.
type ShortError struct {
	Tool        string
	Got, Expect int64
}

func (e *ShortError) Error() string {
	return fmt.Sprintf("%s printed %d lines, expected %d: fix the row (flags, data) before reading any figure", e.Tool, e.Got, e.Expect)
}

// Measure runs argv runs times, checking every run prints exactly expect lines.
func Measure(ctx context.Context, tool string, expect int64, runs int, serverPIDs []int, argv []string) ([]Sample, error) {
	if expect < 1 {
		return nil, fmt.Errorf("%s: -expect must be at least 1 (a row that expects nothing proves nothing)", tool)
	}
	if runs < 1 {
		return nil, fmt.Errorf("%s: -runs must be at least 1", tool)
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("%s: no command given after --", tool)
	}
	samples := make([]Sample, 0, runs)
	for r := 0; r < runs; r++ {
		s, err := runOnce(ctx, argv, serverPIDs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tool, err)
		}
		if s.Lines != expect {
			return nil, &ShortError{Tool: tool, Got: s.Lines, Expect: expect}
		}
		samples = append(samples, s)
	}
	return samples, nil
}

func runOnce(ctx context.Context, argv []string, serverPIDs []int) (Sample, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return Sample{}, err
	}
	stderr := &lastBytes{max: 4096}
	cmd.Stderr = stderr
	before, err := serverCPU(serverPIDs)
	if err != nil {
		return Sample{}, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Sample{}, err
	}
	lines, readErr := countLines(out)
	waitErr := cmd.Wait()
	wall := time.Since(start)
	if waitErr != nil {
		return Sample{}, fmt.Errorf("%s: %w; stderr: %s", strings.Join(argv, " "), waitErr, strings.TrimSpace(stderr.String()))
	}
	if readErr != nil {
		return Sample{}, fmt.Errorf("reading the output: %w", readErr)
	}
	after, err := serverCPU(serverPIDs)
	if err != nil {
		return Sample{}, err
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return Sample{}, errors.New("no resource usage for the process on this system")
	}
	return Sample{
		Lines:     lines,
		Wall:      wall,
		CPU:       time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		ServerCPU: after - before,
		RSSKiB:    ru.Maxrss, // KiB on Linux
	}, nil
}

// countLines counts newline-ended lines, and a last line without one.
func countLines(r io.Reader) (int64, error) {
	buf := make([]byte, 64*1024)
	var n int64
	var last byte = '\n'
	for {
		k, err := r.Read(buf)
		if k > 0 {
			n += int64(bytes.Count(buf[:k], []byte{'\n'}))
			last = buf[k-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
	}
	if last != '\n' {
		n++
	}
	return n, nil
}

// serverCPU sums the user+system time of the processes so far.
func serverCPU(pids []int) (time.Duration, error) {
	var total time.Duration
	for _, pid := range pids {
		t, err := processCPU(pid)
		if err != nil {
			return 0, fmt.Errorf("server process %d: %w", pid, err)
		}
		total += t
	}
	return total, nil
}

// clockTick is USER_HZ, the unit of /proc/PID/stat times: 100 on every Linux
// ABI Go supports.
const clockTick = 10 * time.Millisecond

func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	fields := strings.Fields(string(b[i+1:]))
	// fields[0] is field 3 (state): utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// lastBytes keeps the end of what is written to it.
type lastBytes struct {
	max int
	b   []byte
}

func (l *lastBytes) Write(p []byte) (int, error) {
	l.b = append(l.b, p...)
	if len(l.b) > l.max {
		l.b = append(l.b[:0], l.b[len(l.b)-l.max:]...)
	}
	return len(p), nil
}

func (l *lastBytes) String() string { return string(l.b) }

// Summarise makes the row of a tool's samples.
func Summarise(pod, tool, binary string, samples []Sample) Record {
	rec := Record{Kind: "row", Pod: pod, Tool: tool, Binary: binary, Runs: len(samples)}
	for i, s := range samples {
		rec.Lines = s.Lines
		if i == 0 || s.Wall.Seconds() < rec.WallSec {
			rec.WallSec = s.Wall.Seconds()
		}
		if i == 0 || s.CPU.Seconds() < rec.CPUSec {
			rec.CPUSec = s.CPU.Seconds()
		}
		if i == 0 || s.ServerCPU.Seconds() < rec.ServerCPUSec {
			rec.ServerCPUSec = s.ServerCPU.Seconds()
		}
		rec.RSSKiB = max(rec.RSSKiB, s.RSSKiB)
	}
	return rec
}

func runCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	pod := fs.String("pod", "", "the row's pod, e.g. \"3 x 300000\"")
	tool := fs.String("tool", "", "the row's tool, as the table names it")
	binary := fs.String("binary", "", "whose floor (see floor) the RSS is compared with")
	expect := fs.Int64("expect", 0, "lines the tool must print")
	runs := fs.Int("runs", 3, "runs")
	results := fs.String("results", "", "file the row is appended to (JSON lines)")
	pids := fs.String("server-pids", "", "comma-separated PIDs whose CPU time during each run is the server's")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tool == "" || *results == "" {
		return errors.New("run needs -tool and -results")
	}
	serverPIDs, err := parsePIDs(*pids)
	if err != nil {
		return err
	}
	samples, err := Measure(ctx, *tool, *expect, *runs, serverPIDs, fs.Args())
	if err != nil {
		return err
	}
	rec := Summarise(*pod, *tool, *binary, samples)
	fmt.Fprintf(stdout, "%s | %s: %d lines, %.2f s, client CPU %.2f s, server CPU %.2f s, peak RSS %.1f MiB\n",
		rec.Pod, rec.Tool, rec.Lines, rec.WallSec, rec.CPUSec, rec.ServerCPUSec, mib(rec.RSSKiB))
	return appendRecord(*results, rec)
}

func parsePIDs(s string) ([]int, error) {
	var pids []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil || pid < 1 {
			return nil, fmt.Errorf("-server-pids: %q is not a process id", f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

func appendRecord(path string, rec Record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// --- floor ---------------------------------------------------------------

func floorCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	binary := fs.String("binary", "", "the binary, as rows name it with -binary")
	results := fs.String("results", "", "file the floor is appended to")
	runs := fs.Int("runs", 3, "runs (the highest RSS is kept)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *binary == "" || *results == "" || fs.NArg() == 0 {
		return errors.New("floor needs -binary, -results and a command after --")
	}
	rec := Record{Kind: "floor", Binary: *binary}
	for r := 0; r < *runs; r++ {
		s, err := runOnce(ctx, fs.Args(), nil)
		if err != nil {
			return fmt.Errorf("floor of %s: %w", *binary, err)
		}
		rec.RSSKiB = max(rec.RSSKiB, s.RSSKiB)
	}
	return appendRecord(*results, rec)
}

// --- table ---------------------------------------------------------------

func tableCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	results := fs.String("results", "", "the results file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	recs, err := readRecords(*results)
	if err != nil {
		return err
	}
	return WriteTable(stdout, recs)
}

func readRecords(path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var recs []Record
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, i+1, err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// WriteTable prints the rows as a Markdown table, then the floors. "over
// floor" is the row's peak RSS less its binary's floor: what the work added.
func WriteTable(w io.Writer, recs []Record) error {
	floors := map[string]int64{}
	var floorOrder []string
	for _, r := range recs {
		if r.Kind == "floor" {
			if _, seen := floors[r.Binary]; !seen {
				floorOrder = append(floorOrder, r.Binary)
			}
			floors[r.Binary] = r.RSSKiB
		}
	}
	fmt.Fprintln(w, "| pod (containers x lines) | tool | lines | wall (s) | client CPU (s) | server CPU (s) | lines/s | peak RSS (MiB) | over floor (MiB) |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range recs {
		if r.Kind != "row" {
			continue
		}
		over := "-"
		if f, ok := floors[r.Binary]; ok {
			over = fmt.Sprintf("%.1f", mib(r.RSSKiB-f))
		}
		rate := "-"
		if r.WallSec > 0 {
			rate = strconv.FormatInt(int64(math.Round(float64(r.Lines)/r.WallSec)), 10)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %.2f | %.2f | %.2f | %s | %.1f | %s |\n",
			r.Pod, r.Tool, r.Lines, r.WallSec, r.CPUSec, r.ServerCPUSec, rate, mib(r.RSSKiB), over)
	}
	if len(floorOrder) > 0 {
		parts := make([]string, 0, len(floorOrder))
		for _, b := range floorOrder {
			parts = append(parts, fmt.Sprintf("%s %.1f MiB", b, mib(floors[b])))
		}
		fmt.Fprintf(w, "\nFloor RSS (the binary doing no log work): %s.\n", strings.Join(parts, ", "))
	}
	return nil
}

func mib(kib int64) float64 { return float64(kib) / 1024 }
