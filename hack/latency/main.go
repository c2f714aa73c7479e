// Command latency is the measuring hand of hack/bench-latency.sh: the time
// from a line's write to its print while following, for the plugin,
// `kubectl logs -f` and stern at once. On the cluster hack/cluster-up.sh
// started ($PODS_PATTERN_E2E_DIR) it makes a running pod of 3 containers,
// starts every client on it with its stdout piped here, and appends lines to
// the containers' log files (which the test kubelet streams to a follow as
// they grow) at a steady rate: first to all three ("steady"), then to two of
// them while the third prints nothing ("quiet": the case --max-delay is for).
// Every line carries its phase, container, sequence number and write time;
// each client's lines are stamped on arrival. The bench fails when a client
// misses a line or prints one twice, and when the plugin's p99 exceeds its
// --max-delay plus 50 ms (issue 14).
//
//	latency -plugin bin/kubectl-pods_pattern -kubectl kubectl -stern stern [-rate 20] [-steady 20s] [-quiet 10s]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/kubelet"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		stop()
		os.Exit(1)
	}
}

// Slack is what the plugin may add to --max-delay at p99 (issue 14).
const Slack = 50 * time.Millisecond

// Phases of a run, in order; warm-up lines prove every client is attached
// and count for exactly-once, not for latency.
const (
	PhaseWarmup = "warmup"
	PhaseSteady = "steady"
	PhaseQuiet  = "quiet"
)

// Containers of the bench pod; the last one is silent in the quiet phase.
var Containers = []string{"c00", "c01", "c02"}

type config struct {
	pod                   string
	rate                  float64
	steady, quiet         time.Duration
	plugin, kubectl       string
	stern, sternVersion   string
	maxDelay, smallDelay  time.Duration
	attachTimeout, settle time.Duration
	tools                 string
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("latency", flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.pod, "pod", "bench-latency", "name of the pod to make (namespace default)")
	fs.Float64Var(&cfg.rate, "rate", 20, "lines per second per writing container")
	fs.DurationVar(&cfg.steady, "steady", 20*time.Second, "how long all three containers write")
	fs.DurationVar(&cfg.quiet, "quiet", 10*time.Second, "how long two write while the third is silent (0: no quiet phase)")
	fs.StringVar(&cfg.plugin, "plugin", "", "the plugin binary (kubectl-pods_pattern)")
	fs.StringVar(&cfg.kubectl, "kubectl", "", "kubectl")
	fs.StringVar(&cfg.stern, "stern", "", "stern (empty: no stern row)")
	fs.StringVar(&cfg.sternVersion, "stern-version", "", "stern's version, for its row's name")
	fs.DurationVar(&cfg.maxDelay, "max-delay", 250*time.Millisecond, "the plugin's --max-delay for its first row (its default)")
	fs.DurationVar(&cfg.smallDelay, "small-max-delay", 50*time.Millisecond, "--max-delay of a second plugin row (0: none)")
	fs.DurationVar(&cfg.attachTimeout, "attach-timeout", time.Minute, "how long the clients may take to print their first lines")
	fs.DurationVar(&cfg.settle, "settle", 5*time.Second, "how long after the last write every line must have arrived")
	fs.StringVar(&cfg.tools, "tools", "", "regular expression: run only the rows whose tool matches")
	if err := fs.Parse(args); err != nil {
		return err
	}
	only, err := regexp.Compile(cfg.tools)
	if err != nil {
		return fmt.Errorf("-tools: %w", err)
	}
	if cfg.plugin == "" || cfg.kubectl == "" {
		return errors.New("-plugin and -kubectl are required")
	}
	if cfg.rate <= 0 || cfg.steady <= 0 || cfg.quiet < 0 {
		return errors.New("-rate and -steady must be positive, -quiet at least 0")
	}
	c, err := framework.Load()
	if err != nil {
		return err
	}
	var selected []Row
	for _, r := range rows(cfg, c.Kubeconfig) {
		if only.MatchString(r.Tool) {
			selected = append(selected, r)
		}
	}
	if len(selected) == 0 {
		return fmt.Errorf("-tools %q matches no row", cfg.tools)
	}
	logDir := filepath.Join(c.KubeletDir, "default", cfg.pod)
	if err := makePod(ctx, c, cfg.pod); err != nil {
		return err
	}
	w, err := openWriter(logDir)
	if err != nil {
		return err
	}
	defer w.close()

	var clients []*client
	defer func() {
		for _, cl := range clients {
			cl.kill()
		}
	}()
	env := append(os.Environ(), "KUBECONFIG="+c.Kubeconfig)
	for _, r := range selected {
		cl, err := startClient(ctx, r, env)
		if err != nil {
			return err
		}
		clients = append(clients, cl)
	}

	fmt.Fprintf(os.Stderr, "latency: waiting for %d clients to attach\n", len(clients))
	if err := warmUp(ctx, w, clients, cfg.attachTimeout); err != nil {
		return err
	}
	plan := Schedule(cfg.rate, cfg.steady, cfg.quiet)
	fmt.Fprintf(os.Stderr, "latency: writing %d lines over %v (%s %v, %s %v) at %g lines/s per container\n",
		len(plan), cfg.steady+cfg.quiet, PhaseSteady, cfg.steady, PhaseQuiet, cfg.quiet, cfg.rate)
	if err := w.play(ctx, plan); err != nil {
		return err
	}
	settle(ctx, clients, w.count(), cfg.settle)
	for _, cl := range clients {
		if err := cl.stop(); err != nil {
			return err
		}
	}

	var results []Result
	var problems []error
	for _, cl := range clients {
		rs, err := Check(cl.row, w.written(), cl.received())
		if err != nil {
			problems = append(problems, err)
		}
		for i := range rs {
			rs[i].CPU = cl.cpu
		}
		results = append(results, rs...)
	}
	WriteTable(stdout, results)
	if errors.Join(problems...) != nil {
		return errors.Join(problems...)
	}
	return CheckBounds(results)
}

// Row is one client the bench runs; Bound > 0 is the most its p99 may be.
type Row struct {
	Tool  string
	Argv  []string
	Bound time.Duration
}

func rows(cfg config, kubeconfig string) []Row {
	plugin := func(delay time.Duration, name string) Row {
		return Row{Tool: name, Bound: delay + Slack,
			Argv: []string{cfg.plugin, "logs", "-f", cfg.pod, "--color=never", "--max-delay=" + delay.String()}}
	}
	rs := []Row{plugin(cfg.maxDelay, "pods-pattern logs -f")}
	if cfg.smallDelay > 0 {
		rs = append(rs, plugin(cfg.smallDelay, "pods-pattern logs -f --max-delay="+cfg.smallDelay.String()))
	}
	rs = append(rs, Row{Tool: "kubectl logs -f --all-containers --prefix",
		Argv: []string{cfg.kubectl, "logs", "-f", cfg.pod, "--all-containers", "--prefix"}})
	if cfg.stern != "" {
		name := strings.TrimSpace("stern " + cfg.sternVersion)
		rs = append(rs, Row{Tool: name,
			Argv: []string{cfg.stern, "--kubeconfig", kubeconfig, "-n", "default", "--color", "never", "^" + cfg.pod + "$"}})
	}
	return rs
}

// makePod creates the pod with running containers (stern follows only
// containers with an ID and started) and empty log files.
func makePod(ctx context.Context, c *framework.Cluster, name string) error {
	pod := &corev1.Pod{}
	pod.Name, pod.Namespace = name, "default"
	for _, n := range Containers {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: n, Image: "busybox"})
	}
	created, err := c.CreatePod(ctx, pod)
	if err != nil {
		return err
	}
	_, err = c.UpdatePodStatus(ctx, created.Namespace, created.Name, func(p *corev1.Pod) {
		framework.StartPod(p, time.Now().Add(-time.Minute), time.Second)
	})
	if err != nil {
		return err
	}
	for _, n := range Containers {
		if err := c.WriteLog("default", name, n); err != nil {
			return err
		}
	}
	return nil
}

// --- writing -------------------------------------------------------------

// Write is one line to write: Offset after the phase starts.
type Write struct {
	Key    Key
	Offset time.Duration
}

// Key names a line: its phase, container index and sequence number in both.
type Key struct {
	Phase     string
	Container int
	Seq       int
}

// Schedule is the writes of the steady and quiet phases, in time order, the
// offsets counted from the start of the first. Each writing container writes
// rate lines a second; containers are staggered evenly within a period, so
// that lines of different containers never share an instant.
func Schedule(rate float64, steady, quiet time.Duration) []Write {
	period := time.Duration(float64(time.Second) / rate)
	var plan []Write
	add := func(phase string, start, length time.Duration, writers int) {
		for i := 0; ; i++ {
			base := time.Duration(i) * period
			if base >= length {
				return
			}
			for c := 0; c < writers; c++ {
				plan = append(plan, Write{Key: Key{Phase: phase, Container: c, Seq: i},
					Offset: start + base + time.Duration(c)*period/time.Duration(writers)})
			}
		}
	}
	add(PhaseSteady, 0, steady, len(Containers))
	if quiet > 0 {
		// The third container stays silent.
		add(PhaseQuiet, steady, quiet, len(Containers)-1)
	}
	return plan
}

// Text is the log text of a line written at t: what the clients print after
// their prefix. About 100 bytes, as an application's line might be.
func Text(k Key, t time.Time) string {
	return fmt.Sprintf("latency phase=%s c=%d n=%06d t=%d lorem ipsum dolor sit amet", k.Phase, k.Container, k.Seq, t.UnixNano())
}

// Probe is a line as a client printed it.
type Probe struct {
	Key     Key
	Written time.Time
}

// ParseProbe finds the bench's text in a printed line, after whatever prefix
// the tool puts before it; ok is false for lines of other kinds.
func ParseProbe(line string) (p Probe, ok bool, err error) {
	i := strings.Index(line, "latency phase=")
	if i < 0 {
		return Probe{}, false, nil
	}
	fields := strings.Fields(line[i+len("latency "):])
	if len(fields) < 4 {
		return Probe{}, true, fmt.Errorf("short bench line %q", line)
	}
	vals := map[string]string{}
	for _, f := range fields[:4] {
		k, v, found := strings.Cut(f, "=")
		if !found {
			return Probe{}, true, fmt.Errorf("bench line %q: field %q has no value", line, f)
		}
		vals[k] = v
	}
	c, err1 := strconv.Atoi(vals["c"])
	n, err2 := strconv.Atoi(vals["n"])
	t, err3 := strconv.ParseInt(vals["t"], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil || vals["phase"] == "" {
		return Probe{}, true, fmt.Errorf("bench line %q: %v", line, err)
	}
	return Probe{Key: Key{Phase: vals["phase"], Container: c, Seq: n}, Written: time.Unix(0, t)}, true, nil
}

type writer struct {
	files []*os.File
	mu    sync.Mutex
	keys  []Key
}

func openWriter(dir string) (*writer, error) {
	w := &writer{}
	for _, n := range Containers {
		f, err := os.OpenFile(filepath.Join(dir, n+".log"), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			w.close()
			return nil, err
		}
		w.files = append(w.files, f)
	}
	return w, nil
}

func (w *writer) close() {
	for _, f := range w.files {
		_ = f.Close()
	}
}

// write appends one line, stamped now, in one write: a follow never sees
// half of it.
func (w *writer) write(k Key) error {
	now := time.Now()
	if _, err := w.files[k.Container].WriteString(kubelet.FormatLine(now, Text(k, now))); err != nil {
		return err
	}
	w.mu.Lock()
	w.keys = append(w.keys, k)
	w.mu.Unlock()
	return nil
}

func (w *writer) written() []Key {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.keys)
}

func (w *writer) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.keys)
}

// play writes the plan on time; a late write is stamped when it happens, so
// lateness moves no figure.
func (w *writer) play(ctx context.Context, plan []Write) error {
	start := time.Now()
	for _, p := range plan {
		if d := time.Until(start.Add(p.Offset)); d > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
		}
		if err := w.write(p.Key); err != nil {
			return err
		}
	}
	return nil
}

// warmUp writes a line to every container every 100 ms until every client
// has printed one of each: then all their streams are open.
func warmUp(ctx context.Context, w *writer, clients []*client, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for seq := 0; ; seq++ {
		waiting := ""
		for _, cl := range clients {
			if err := cl.exited(); err != nil {
				return err
			}
			if !cl.attached() {
				waiting = cl.row.Tool
				break
			}
		}
		if waiting == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s printed no line of some container within %v", waiting, timeout)
		}
		for c := range Containers {
			if err := w.write(Key{Phase: PhaseWarmup, Container: c, Seq: seq}); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// settle waits until every client printed every line written, or timeout.
func settle(ctx context.Context, clients []*client, lines int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		done := true
		for _, cl := range clients {
			if cl.count() < lines {
				done = false
			}
		}
		if done {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// --- clients -------------------------------------------------------------

// Arrival is a probe line and when the bench read it.
type Arrival struct {
	Probe Probe
	At    time.Time
}

type client struct {
	row    Row
	cmd    *exec.Cmd
	stderr *lastBytes
	done   chan struct{} // the output was read to its end
	cpu    time.Duration

	mu       sync.Mutex
	arrivals []Arrival
	other    int
	bad      error
	seen     map[int]bool // containers with a warm-up line printed
}

func startClient(ctx context.Context, r Row, env []string) (*client, error) {
	cl := &client{row: r, stderr: &lastBytes{max: 4096}, done: make(chan struct{}), seen: map[int]bool{}}
	cl.cmd = exec.CommandContext(ctx, r.Argv[0], r.Argv[1:]...)
	cl.cmd.Env = env
	cl.cmd.Stderr = cl.stderr
	out, err := cl.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cl.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", r.Tool, err)
	}
	go cl.read(out)
	return cl, nil
}

// read stamps every line as it comes; the stamp is taken before anything
// else is done with the line.
func (cl *client) read(out io.Reader) {
	defer close(cl.done)
	br := bufio.NewReaderSize(out, 64*1024)
	for {
		line, err := br.ReadString('\n')
		at := time.Now()
		if line != "" {
			p, ok, perr := ParseProbe(line)
			cl.mu.Lock()
			switch {
			case perr != nil:
				if cl.bad == nil {
					cl.bad = perr
				}
			case !ok:
				cl.other++
			default:
				cl.arrivals = append(cl.arrivals, Arrival{Probe: p, At: at})
				if p.Key.Phase == PhaseWarmup {
					cl.seen[p.Key.Container] = true
				}
			}
			cl.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (cl *client) attached() bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return len(cl.seen) == len(Containers)
}

func (cl *client) count() int {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return len(cl.arrivals)
}

// exited reports a client that ended before it was told to.
func (cl *client) exited() error {
	select {
	case <-cl.done:
		return fmt.Errorf("%s ended by itself: %s", cl.row.Tool, strings.TrimSpace(cl.stderr.String()))
	default:
		return nil
	}
}

func (cl *client) received() ClientOutput {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return ClientOutput{Arrivals: slices.Clone(cl.arrivals), Other: cl.other, Bad: cl.bad}
}

// stop ends the client as a user does (Ctrl-C) and records its CPU time.
func (cl *client) stop() error {
	if err := cl.exited(); err != nil {
		return err
	}
	_ = cl.cmd.Process.Signal(os.Interrupt)
	timer := time.AfterFunc(5*time.Second, func() { _ = cl.cmd.Process.Kill() })
	defer timer.Stop()
	<-cl.done
	_ = cl.cmd.Wait() // interrupted: the exit status says nothing
	if ru, ok := cl.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cl.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return nil
}

func (cl *client) kill() {
	if cl.cmd.ProcessState == nil && cl.cmd.Process != nil {
		_ = cl.cmd.Process.Kill()
		<-cl.done
		_ = cl.cmd.Wait()
	}
}

// lastBytes keeps the end of what is written to it.
type lastBytes struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (l *lastBytes) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	if len(l.b) > l.max {
		l.b = append(l.b[:0], l.b[len(l.b)-l.max:]...)
	}
	return len(p), nil
}

func (l *lastBytes) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
