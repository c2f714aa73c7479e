package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

// LogsOptions are the options of `logs`.
type LogsOptions struct {
	Targets TargetOptions

	// kubectl logs' flags, with kubectl's meaning.
	Follow         bool
	Since          time.Duration
	SinceTime      string
	Tail           int64
	Timestamps     bool
	Previous       bool
	LimitBytes     int64
	Containers     []string
	MaxLogRequests int
	IgnoreErrors   bool
	Prefix         bool

	// Ours.
	Roles             []string
	ExcludeContainers []string
	Grep              []string
	Exclude           []string
	Output            string
	Color             string
	Raw               bool
	MaxDelay          time.Duration
	Filename          []string // rejected: a manifest has no logs

	configFlags *genericclioptions.ConfigFlags
	rules       classify.Rules
	color       bool
	sinceTime   *time.Time
	grep        []*regexp.Regexp
	exclude     []*regexp.Regexp
	genericiooptions.IOStreams
}

// NewLogsOptions makes options with kubectl's defaults.
func NewLogsOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *LogsOptions {
	return &LogsOptions{configFlags: flags, IOStreams: streams, Tail: -1, MaxLogRequests: 50, Prefix: true,
		Color: "auto", MaxDelay: logmerge.DefaultMaxDelay}
}

// NewCmdLogs builds `logs`.
func NewCmdLogs(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	return newCmdLogs(NewLogsOptions(flags, streams))
}

func newCmdLogs(o *LogsOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logs (POD | TYPE/NAME | -l SELECTOR)",
		Short: "Merge the logs of all containers of one or many pods in time order, tagged by container and role",
		Long: `Print the logs of every container of the pods (init containers and native sidecars included)
as one stream in timestamp order, each line tagged with its container and role, e.g. [nginx main].

The API's timestamps order the lines; --timestamps only decides whether they are printed. With -f,
lines are held back at most --max-delay so that a quiet container does not stall the others; new
containers, restarted containers and new pods of a selector join the stream, and a stream the API
server cuts is reopened without losing or repeating lines. With -p, the previous and the current
instance of each restarted container are merged; containers that never restarted are skipped.`,
		Example: `  # The seed lab's pod: nginx's 404 line, then the sidecar's "Error discovered!"
  kubectl pods-pattern logs nx

  # Follow every pod of a deployment, only the sidecars
  kubectl pods-pattern logs deploy/web -f --role sidecar

  # The instances before and after the last restart, merged
  kubectl pods-pattern logs nx -p

  # For scripts: one JSON object per line
  kubectl pods-pattern logs -l app=web -o json --grep 'error|fail'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.Targets.AddFlags(cmd, false)
	f := cmd.Flags()
	f.BoolVarP(&o.Follow, "follow", "f", false, "Keep streaming: new lines, restarted containers and new pods join")
	f.DurationVar(&o.Since, "since", 0, "Only lines newer than a relative duration like 5s, 2m or 3h")
	f.StringVar(&o.SinceTime, "since-time", "", "Only lines after this RFC3339 time")
	f.Int64Var(&o.Tail, "tail", o.Tail, "Lines of recent log to show per container; -1 shows all")
	f.BoolVar(&o.Timestamps, "timestamps", false, "Print each line's timestamp")
	f.BoolVarP(&o.Previous, "previous", "p", false, "Merge the previous and current instance of restarted containers; skip the others")
	f.Int64Var(&o.LimitBytes, "limit-bytes", 0, "Bytes of log to read per container; 0 reads all")
	f.StringArrayVarP(&o.Containers, "container", "c", nil, "Only containers whose name matches this glob (repeatable)")
	f.IntVar(&o.MaxLogRequests, "max-log-requests", o.MaxLogRequests, "Most log streams open at once")
	f.BoolVar(&o.IgnoreErrors, "ignore-errors", false, "Go on when a container's log cannot be read (a warning is printed)")
	f.BoolVar(&o.Prefix, "prefix", o.Prefix, "Tag each line with its container and role (and pod when several)")
	f.StringSliceVar(&o.Roles, "role", nil, "Only containers with these roles: "+strings.Join(roleNames(), ", "))
	f.StringArrayVar(&o.ExcludeContainers, "exclude-container", nil, "Leave out containers whose name matches this glob (repeatable)")
	f.StringArrayVar(&o.Grep, "grep", nil, "Only lines matching this regexp (repeatable: any)")
	f.StringArrayVar(&o.Exclude, "exclude", nil, "Leave out lines matching this regexp (repeatable)")
	f.StringVarP(&o.Output, "output", "o", "", "Output format: json (one object per line: time, namespace, pod, container, role, message)")
	f.StringVar(&o.Color, "color", o.Color, "Colour the tags: auto, always or never (NO_COLOR is honoured)")
	f.BoolVar(&o.Raw, "raw", false, "Print container output as is, control sequences included (unsafe on a terminal)")
	f.DurationVar(&o.MaxDelay, "max-delay", o.MaxDelay, "With -f, how long a line may wait for quieter containers to keep the time order")
	f.StringSliceVar(&o.Filename, "filename", nil, "")
	_ = f.MarkHidden("filename")
	return cmd
}

func roleNames() []string {
	out := make([]string, len(classify.AllRoles))
	for i, r := range classify.AllRoles {
		out[i] = string(r)
	}
	return out
}

// Complete reads the kubeconfig, the rules and the flags that need parsing.
func (o *LogsOptions) Complete(args []string) error {
	if o.Targets.NewClient == nil {
		o.Targets.NewClient = o.newClient
	}
	if err := o.Targets.Complete(o.configFlags, o.In, args); err != nil {
		return err
	}
	var err error
	if o.rules, err = o.Targets.Rules(); err != nil {
		return err
	}
	if o.Output == "" {
		if o.color, err = printers.UseColor(o.Color, o.Out); err != nil {
			return err
		}
	}
	if o.SinceTime != "" {
		t, err := time.Parse(time.RFC3339, o.SinceTime)
		if err != nil {
			return fmt.Errorf("--since-time must be an RFC3339 time like 2026-01-02T15:04:05Z, got %q", o.SinceTime)
		}
		o.sinceTime = &t
	}
	compile := func(flag string, exprs []string) ([]*regexp.Regexp, error) {
		var out []*regexp.Regexp
		for _, e := range exprs {
			re, err := regexp.Compile(e)
			if err != nil {
				return nil, fmt.Errorf("--%s %q is not a valid regexp: %w", flag, e, err)
			}
			out = append(out, re)
		}
		return out, nil
	}
	if o.grep, err = compile("grep", o.Grep); err != nil {
		return err
	}
	o.exclude, err = compile("exclude", o.Exclude)
	return err
}

// Validate checks the flags.
func (o *LogsOptions) Validate() error {
	if len(o.Filename) > 0 {
		return errors.New("logs read from a cluster, a manifest has none: name a pod, TYPE/NAME or -l (-f means --follow here, as in kubectl logs)")
	}
	for _, a := range o.Targets.Args {
		if ext := strings.ToLower(path.Ext(a)); ext == ".yaml" || ext == ".yml" || ext == ".json" {
			if _, err := os.Stat(a); err == nil {
				return fmt.Errorf("%q is a file: logs read from a cluster; -f means --follow here, as in kubectl logs", a)
			}
		}
	}
	if len(o.Targets.Args) == 0 && o.Targets.Selector == "" && !o.Targets.AllNamespaces {
		return errors.New("name a pod, TYPE/NAME (e.g. deploy/web), -l SELECTOR or -A")
	}
	if err := o.Targets.Validate(); err != nil {
		return err
	}
	switch {
	case o.Since != 0 && o.sinceTime != nil:
		return errors.New("use --since or --since-time, not both")
	case o.Since < 0:
		return errors.New("--since must be positive")
	case o.Tail < -1:
		return errors.New("--tail must be >= -1")
	case o.LimitBytes < 0:
		return errors.New("--limit-bytes must be >= 0")
	case o.MaxLogRequests < 1:
		return errors.New("--max-log-requests must be >= 1")
	case o.MaxDelay <= 0:
		return errors.New("--max-delay must be positive, e.g. 250ms")
	case o.Output != "" && o.Output != "json":
		return fmt.Errorf("unknown output format %q: logs print text or -o json", o.Output)
	}
	for _, r := range o.Roles {
		if !validRole(r) {
			return fmt.Errorf("unknown role %q in --role: use %s", r, strings.Join(roleNames(), ", "))
		}
	}
	for _, g := range append(append([]string(nil), o.Containers...), o.ExcludeContainers...) {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("container pattern %q is not a valid glob", g)
		}
	}
	return nil
}

// newClient is the targets' client with room for one request per stream:
// client-go's default rate limit (5/s, burst 10) would open 50 streams over
// 8 seconds and hold their lines back. It speaks HTTP/1.1: over HTTP/2 every
// stream the merge is not reading yet would be buffered in this process up
// to its 4 MiB flow-control window; over one TCP connection per stream the
// kernel holds it back instead, and memory stays flat.
func (o *LogsOptions) newClient() (kubernetes.Interface, error) {
	if _, err := o.Targets.newClient(); err != nil {
		return nil, err // the same checks and messages as every command
	}
	cfg, err := o.configFlags.ToRESTConfig()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.NextProtos = []string{"http/1.1"}
	cfg.QPS = float32(max(50, o.MaxLogRequests))
	cfg.Burst = 2*o.MaxLogRequests + 10
	return kubernetes.NewForConfig(cfg)
}

func validRole(r string) bool {
	for _, known := range classify.AllRoles {
		if string(known) == r {
			return true
		}
	}
	return false
}

// logStream is what the printer knows about one merged stream.
type logStream struct {
	namespace, pod, container, role string
	previous                        bool
	tag                             []byte
}

// logsRun is one run of the command: the merger, its streams and the output.
type logsRun struct {
	o       *LogsOptions
	client  *kube.Client
	merger  *logmerge.Merger
	out     *bufio.Writer
	json    *json.Encoder
	withPod bool

	mu       sync.Mutex
	streams  []*logStream
	attached map[string]bool // namespace/pod/uid/container/instance
	open     atomic.Int64
	warned   bool
}

// Run resolves the pods, opens one stream per container instance and prints
// the merged lines.
func (o *LogsOptions) Run(ctx context.Context) error {
	targets, err := o.Targets.Pods(ctx)
	if err != nil {
		return err
	}
	cs, err := o.Targets.NewClient()
	if err != nil {
		return err
	}
	r := &logsRun{o: o, client: &kube.Client{CS: cs}, out: bufio.NewWriterSize(o.Out, 64<<10), attached: map[string]bool{}}
	if o.Output == "json" {
		r.json = json.NewEncoder(r.out)
		r.json.SetEscapeHTML(false)
	}
	// The pod's name joins the tag when lines of several pods can mix.
	r.withPod = len(targets) > 1 || o.Targets.Selector != "" || o.Targets.AllNamespaces || !onlyPodNames(o.Targets.Args)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.merger = logmerge.New(runCtx, logmerge.Options{
		Follow:   o.Follow,
		MaxDelay: o.MaxDelay,
		OnError:  r.onError,
		Idle:     r.out.Flush,
	})

	var planned []plannedStream
	selected := 0
	for _, t := range targets {
		streams, n, err := o.plan(t.Pod, false)
		if err != nil {
			return err
		}
		selected += n
		planned = append(planned, streams...)
	}
	if selected == 0 {
		return o.noContainersError(targets)
	}
	if len(planned) > o.MaxLogRequests {
		return fmt.Errorf("this would open %d log streams, more than --max-log-requests=%d: narrow with -c, --role or -l, or raise --max-log-requests", len(planned), o.MaxLogRequests)
	}
	for _, p := range planned {
		r.attach(p)
	}

	watchDone := make(chan struct{})
	if o.Follow {
		go func() {
			defer close(watchDone)
			r.follow(runCtx, targets)
		}()
	} else {
		close(watchDone)
		r.merger.CloseInput()
	}
	err = r.merger.Run(r.emit)
	cancel()
	<-watchDone
	if ferr := r.out.Flush(); err == nil {
		err = ferr
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func onlyPodNames(args []string) bool {
	for _, a := range args {
		if ref, err := kube.ParseRef(a); err != nil || ref.Type != "pod" {
			return false
		}
	}
	return true
}

// plannedStream is one container instance to read.
type plannedStream struct {
	stream *logStream
	log    *kube.ContainerLog
	key    string
}

// plan picks the pod's containers (filters, roles) and the instances to read.
// It returns the streams and how many containers the filters selected; a
// selected container without logs gets a note on stderr (fresh: only pods
// seen by the watch after the start, which have no notes: they are coming up).
func (o *LogsOptions) plan(pod *corev1.Pod, fresh bool) ([]plannedStream, int, error) {
	res := classify.Classify(pod, o.rules)
	var out []plannedStream
	selected := 0
	for _, c := range res.Containers {
		if !o.wants(c) {
			continue
		}
		selected++
		st := kube.FindContainerStatus(pod, c.Name)
		name := fmt.Sprintf("pod/%s container %s", o.podName(pod.Namespace, pod.Name), c.Name)
		opts := kube.LogOptions{Follow: o.Follow, SinceTime: o.sinceTime, Timestamps: o.Timestamps}
		if o.Since > 0 {
			s := int64(o.Since.Round(time.Second) / time.Second)
			opts.SinceSeconds = &s
		}
		if o.Tail >= 0 {
			opts.TailLines = &o.Tail
		}
		if o.LimitBytes > 0 {
			opts.LimitBytes = &o.LimitBytes
		}
		mk := func(previous bool, id string) plannedStream {
			lo := opts
			lo.Previous = previous
			if previous {
				lo.Follow = false
			}
			return plannedStream{
				stream: &logStream{namespace: pod.Namespace, pod: pod.Name, container: c.Name, role: string(c.Role), previous: previous},
				log: &kube.ContainerLog{Namespace: pod.Namespace, Pod: pod.Name, Container: c.Name, ContainerID: id,
					Options: lo, Fresh: fresh},
				key: strings.Join([]string{pod.Namespace, pod.Name, string(pod.UID), c.Name, id}, "/"),
			}
		}
		hasLast := st != nil && st.LastTerminationState.Terminated != nil
		running := st != nil && (st.State.Running != nil || st.State.Terminated != nil)
		if o.Previous {
			if !hasLast {
				if !fresh {
					fmt.Fprintf(o.ErrOut, "note: %s has no previous instance (%s), skipped\n", printers.Sanitize(name), restarts(st))
				}
				continue
			}
			out = append(out, mk(true, instanceID(st, true)))
			// While waiting to restart, the kubelet's "current" log is the
			// previous instance: reading both would print it twice.
			if running {
				out = append(out, mk(false, instanceID(st, false)))
			}
			continue
		}
		switch {
		case running:
			out = append(out, mk(false, instanceID(st, false)))
		case hasLast:
			// Waiting to restart (CrashLoopBackOff): the kubelet serves the last instance.
			out = append(out, mk(false, instanceID(st, true)))
		case !fresh:
			fmt.Fprintf(o.ErrOut, "note: %s has not started (%s), no logs yet\n", printers.Sanitize(name), waitingReason(st))
		}
	}
	return out, selected, nil
}

// podName names a pod in notes and errors; with -A pods of several
// namespaces can share a name.
func (o *LogsOptions) podName(namespace, name string) string {
	if o.Targets.AllNamespaces {
		return namespace + "/" + name
	}
	return name
}

// wants applies -c, --exclude-container and --role.
func (o *LogsOptions) wants(c classify.Container) bool {
	if len(o.Containers) > 0 && !matchAny(o.Containers, c.Name) {
		return false
	}
	if matchAny(o.ExcludeContainers, c.Name) {
		return false
	}
	if len(o.Roles) > 0 {
		for _, r := range o.Roles {
			if string(c.Role) == r {
				return true
			}
		}
		return false
	}
	return true
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

// instanceID names a container instance: its containerID, or the restart
// count when the status has none.
func instanceID(st *corev1.ContainerStatus, last bool) string {
	if last {
		if t := st.LastTerminationState.Terminated; t != nil && t.ContainerID != "" {
			return t.ContainerID
		}
		return fmt.Sprintf("#%d", st.RestartCount-1)
	}
	if st.ContainerID != "" {
		return st.ContainerID
	}
	return fmt.Sprintf("#%d", st.RestartCount)
}

func restarts(st *corev1.ContainerStatus) string {
	if st == nil {
		return "not started"
	}
	if st.RestartCount == 1 {
		return "1 restart"
	}
	return fmt.Sprintf("%d restarts", st.RestartCount)
}

func waitingReason(st *corev1.ContainerStatus) string {
	if st != nil && st.State.Waiting != nil && st.State.Waiting.Reason != "" {
		return printers.Sanitize(st.State.Waiting.Reason)
	}
	return "no status yet"
}

func (o *LogsOptions) noContainersError(targets []Target) error {
	var parts []string
	for _, t := range targets {
		res := classify.Classify(t.Pod, o.rules)
		var names []string
		for _, c := range res.Containers {
			names = append(names, fmt.Sprintf("%s (%s)", c.Name, c.Role))
		}
		parts = append(parts, fmt.Sprintf("pod %s has %s", t.Pod.Name, strings.Join(names, ", ")))
		if len(parts) == 3 && len(targets) > 3 {
			parts = append(parts, fmt.Sprintf("and %d more pods", len(targets)-3))
			break
		}
	}
	return fmt.Errorf("no container matches -c/--exclude-container/--role: %s", printers.Sanitize(strings.Join(parts, "; ")))
}

// attach adds one stream to the merge (once per container instance).
func (r *logsRun) attach(p plannedStream) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.attached[p.key] {
		return false
	}
	if int(r.open.Load()) >= r.o.MaxLogRequests {
		if !r.warned {
			r.warned = true
			fmt.Fprintf(r.o.ErrOut, "warning: --max-log-requests=%d reached: %s and later containers are not followed\n",
				r.o.MaxLogRequests, printers.Sanitize(p.stream.pod+"/"+p.stream.container))
		}
		return false
	}
	r.attached[p.key] = true
	p.log.Client = r.client
	p.stream.tag = []byte(printers.LogTag(printers.LogTagOptions{
		Namespace: p.stream.namespace, Pod: p.stream.pod, Container: p.stream.container, Role: p.stream.role,
		WithPod: r.withPod, WithNamespace: r.o.Targets.AllNamespaces, Previous: p.stream.previous,
	}, printers.Painter{Enabled: r.o.color}))
	r.open.Add(1)
	id := r.merger.Add(&countedSource{Source: p.log, done: func() { r.open.Add(-1) }})
	for len(r.streams) <= id {
		r.streams = append(r.streams, nil)
	}
	r.streams[id] = p.stream
	return true
}

func (r *logsRun) stream(id int) *logStream {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.streams[id]
}

// countedSource tells when its stream is over, for --max-log-requests.
type countedSource struct {
	logmerge.Source
	done func()
	once sync.Once
}

func (c *countedSource) Open(ctx context.Context, since time.Time) (io.ReadCloser, error) {
	rc, err := c.Source.Open(ctx, since)
	if err != nil {
		c.once.Do(c.done)
	}
	return rc, err
}

func (c *countedSource) Resume(ctx context.Context) (bool, error) {
	ok, err := c.Source.Resume(ctx)
	if !ok || err != nil {
		c.once.Do(c.done)
	}
	return ok, err
}

func (r *logsRun) onError(id int, err error) error {
	s := r.stream(id)
	err = fmt.Errorf("pod/%s container %s: %w", r.o.podName(s.namespace, s.pod), s.container, err)
	if r.o.IgnoreErrors {
		_ = r.out.Flush()
		fmt.Fprintf(r.o.ErrOut, "warning: %s\n", printers.Sanitize(err.Error()))
		return nil
	}
	return errors.New(printers.Sanitize(err.Error()))
}

// follow attaches the containers that start later: restarts, init containers
// reaching their turn, new pods of a selector or workload. With pods named by
// name it ends the input once they are all finished or gone.
func (r *logsRun) follow(ctx context.Context, targets []Target) {
	o := r.o
	q := kube.Query{Namespace: o.Targets.Namespace, AllNamespaces: o.Targets.AllNamespaces, Names: o.Targets.Args, Selector: o.Targets.Selector}
	byName := o.Targets.Selector == "" && onlyPodNames(o.Targets.Args)
	pending := map[string]bool{} // named pods not finished yet
	for _, t := range targets {
		if !podFinished(t.Pod) {
			pending[t.Pod.Namespace+"/"+t.Pod.Name] = true
		}
	}
	if byName && len(pending) == 0 {
		r.merger.CloseInput()
		return
	}
	events := make(chan kube.PodEvent, 16)
	werr := make(chan error, 1)
	go func() { werr <- r.client.WatchPods(ctx, q, events) }()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-werr:
			if err != nil {
				fmt.Fprintf(o.ErrOut, "warning: new containers are not followed: %s\n", printers.Sanitize(err.Error()))
			}
			if byName {
				r.merger.CloseInput()
			}
			return
		case ev := <-events:
			key := ev.Pod.Namespace + "/" + ev.Pod.Name
			if !ev.Deleted {
				streams, _, _ := o.plan(ev.Pod, true)
				for _, p := range streams {
					r.attach(p)
				}
			}
			if byName && (ev.Deleted || podFinished(ev.Pod)) && pending[key] {
				delete(pending, key)
				if len(pending) == 0 {
					r.merger.CloseInput()
					return
				}
			}
		}
	}
}

func podFinished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

var newline = []byte{'\n'}

// logLine is a line in -o json.
type logLine struct {
	Time      string `json:"time"`
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	Role      string `json:"role"`
	Previous  bool   `json:"previous,omitempty"`
	Message   string `json:"message"`
	Truncated bool   `json:"truncated,omitempty"`
}

func (r *logsRun) emit(l logmerge.Line) error {
	if !r.keep(l.Text) {
		return nil
	}
	s := r.stream(l.Stream)
	if r.json != nil {
		stamp := string(l.Stamp)
		if stamp == "" {
			stamp = time.Unix(0, l.Time).UTC().Format(time.RFC3339Nano)
		}
		return r.json.Encode(logLine{Time: stamp, Namespace: s.namespace, Pod: s.pod, Container: s.container,
			Role: s.role, Previous: s.previous, Message: string(l.Text), Truncated: l.Truncated})
	}
	if r.o.Prefix {
		_, _ = r.out.Write(s.tag)
	}
	if r.o.Timestamps && len(l.Stamp) > 0 {
		_, _ = r.out.Write(printers.SanitizeLine(l.Stamp))
		_ = r.out.WriteByte(' ')
	}
	text := l.Text
	if !r.o.Raw {
		text = printers.SanitizeLine(text)
	}
	_, _ = r.out.Write(text)
	if l.Truncated {
		_, _ = r.out.WriteString(truncatedMark)
	}
	_, err := r.out.Write(newline)
	return err
}

// truncatedMark ends a line longer than logmerge.DefaultMaxLineBytes.
const truncatedMark = " [line cut at 1 MiB]"

// keep applies --grep and --exclude to a line's text.
func (r *logsRun) keep(text []byte) bool {
	if len(r.o.grep) > 0 {
		hit := false
		for _, re := range r.o.grep {
			if re.Match(text) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	for _, re := range r.o.exclude {
		if re.Match(text) {
			return false
		}
	}
	return true
}
