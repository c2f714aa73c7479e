package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logmerge"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logs"
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
	ReconnectTimeout  time.Duration
	Events            bool
	NoMarkers         bool
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
		Color: "auto", MaxDelay: logmerge.DefaultMaxDelay, ReconnectTimeout: kube.DefaultReconnectTimeout}
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
			if err := o.Complete(cmd, args); err != nil {
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
	f.Int64Var(&o.Tail, "tail", o.Tail, "Lines of recent log to show per container (per instance with -p); -1 shows all")
	f.BoolVar(&o.Timestamps, "timestamps", false, "Print each line's timestamp")
	f.BoolVarP(&o.Previous, "previous", "p", false, "Merge the previous and current instance of restarted containers; skip the others")
	f.Int64Var(&o.LimitBytes, "limit-bytes", 0, "Bytes of log to read per container; 0 reads all")
	f.StringArrayVarP(&o.Containers, "container", "c", nil, "Only containers whose name matches this glob (repeatable)")
	f.IntVar(&o.MaxLogRequests, "max-log-requests", o.MaxLogRequests, "Most log streams open at once")
	f.BoolVar(&o.IgnoreErrors, "ignore-errors", false, "Go on when a container's log cannot be read (a warning is printed)")
	f.BoolVar(&o.Prefix, "prefix", o.Prefix, "Tag each line with its container and role (and pod when several)")
	f.StringSliceVar(&o.Roles, "role", nil, "Only containers with these roles: "+classify.RoleNames())
	f.StringArrayVar(&o.ExcludeContainers, "exclude-container", nil, "Leave out containers whose name matches this glob (repeatable)")
	f.StringArrayVar(&o.Grep, "grep", nil, "Only lines matching this regexp (repeatable: any)")
	f.StringArrayVar(&o.Exclude, "exclude", nil, "Leave out lines matching this regexp (repeatable)")
	f.StringVarP(&o.Output, "output", "o", "", "Output format: json (one object per line: time, namespace, pod, container, role, message)")
	f.StringVar(&o.Color, "color", o.Color, "Colour the tags: auto, always or never (NO_COLOR is honoured)")
	f.BoolVar(&o.Raw, "raw", false, "Print container output as is, control sequences included (unsafe on a terminal)")
	f.DurationVar(&o.MaxDelay, "max-delay", o.MaxDelay, "With -f, how long a line may wait for quieter containers to keep the time order")
	f.DurationVar(&o.ReconnectTimeout, "reconnect-timeout", o.ReconnectTimeout, "With -f, how long to wait for an API server that went away before giving up")
	f.BoolVar(&o.Events, "events", false, "Merge the pods' events into the stream, tagged [events CONTAINER] or [events pod]")
	f.BoolVar(&o.NoMarkers, "no-markers", false, "Leave out the line that marks where a container restarted (shown after a printed line of the instance that ended, or with -f when the restart happens while following)")
	f.StringSliceVar(&o.Filename, "filename", nil, "")
	_ = f.MarkHidden("filename")
	return cmd
}

// Complete reads the kubeconfig, the rules and the flags that need parsing.
func (o *LogsOptions) Complete(_ *cobra.Command, args []string) error {
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
	case o.ReconnectTimeout <= 0:
		return errors.New("--reconnect-timeout must be positive, e.g. 5m")
	case o.Output != "" && o.Output != "json":
		return fmt.Errorf("unknown output format %q: logs print text or -o json", o.Output)
	}
	for _, r := range o.Roles {
		if !classify.ValidRole(r) {
			return fmt.Errorf("unknown role %q in --role: use %s", r, classify.RoleNames())
		}
	}
	for _, g := range append(append([]string(nil), o.Containers...), o.ExcludeContainers...) {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("container pattern %q is not a valid glob", g)
		}
	}
	return nil
}

// Run builds the client once and hands the work to logs.Run.
func (o *LogsOptions) Run(ctx context.Context) error {
	cs, err := o.Targets.NewClient()
	if err != nil {
		return err
	}
	cfg := o.config()
	services, client := newNamespaceServices(o.ErrOut, o.Targets.AllNamespaces), &kube.Client{CS: cs}
	cfg.Context = func(pod *corev1.Pod) classify.Context { return services.of(ctx, client, "", pod) }
	return logs.Run(ctx, cs, cfg, o.Out, o.ErrOut)
}

// config is the run the flags describe.
func (o *LogsOptions) config() logs.Config {
	return logs.Config{
		Query: kube.Query{Namespace: o.Targets.Namespace, AllNamespaces: o.Targets.AllNamespaces,
			Names: o.Targets.Args, Selector: o.Targets.Selector},
		Rules:             o.rules,
		LogOptions:        o.ToLogOptions(),
		Containers:        o.Containers,
		ExcludeContainers: o.ExcludeContainers,
		Roles:             o.Roles,
		Grep:              o.grep,
		Exclude:           o.exclude,
		MaxLogRequests:    o.MaxLogRequests,
		IgnoreErrors:      o.IgnoreErrors,
		MaxDelay:          o.MaxDelay,
		ReconnectTimeout:  o.ReconnectTimeout,
		Events:            o.Events,
		NoMarkers:         o.NoMarkers,
		Prefix:            o.Prefix,
		JSON:              o.Output == "json",
		Raw:               o.Raw,
		Color:             o.color,
	}
}

// ToLogOptions is the log request for every container, as kubectl logs
// builds it from the same flags (logs.Run sets the container per stream).
func (o *LogsOptions) ToLogOptions() corev1.PodLogOptions {
	lo := corev1.PodLogOptions{Follow: o.Follow, Previous: o.Previous, Timestamps: o.Timestamps}
	if o.sinceTime != nil {
		lo.SinceTime = &metav1.Time{Time: *o.sinceTime}
	}
	if o.Since > 0 {
		s := int64(o.Since.Round(time.Second) / time.Second)
		lo.SinceSeconds = &s
	}
	if o.Tail >= 0 {
		tail := o.Tail
		lo.TailLines = &tail
	}
	if o.LimitBytes > 0 {
		limit := o.LimitBytes
		lo.LimitBytes = &limit
	}
	return lo
}

// newClient is the targets' client with room for one request per stream:
// client-go's default rate limit (5/s, burst 10) would open 50 streams over
// 8 seconds and hold their lines back, and any fixed rate would throttle
// the hundreds of streams read in turns past --max-log-requests (kubectl
// and stern take two minutes for 600). --max-log-requests already bounds
// the requests in flight, and the server's priority and fairness guards
// it, so the client-side limit is off. It speaks HTTP/1.1: over HTTP/2 every
// stream the merge is not reading yet would be buffered in this process up
// to its 4 MiB flow-control window; over one TCP connection per stream the
// kernel holds it back instead, and memory stays flat.
func (o *LogsOptions) newClient() (kubernetes.Interface, error) {
	cfg, err := o.Targets.restConfig()
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.NextProtos = []string{"http/1.1"}
	cfg.QPS = -1 // client-go: a negative QPS means no rate limiter
	return kubernetes.NewForConfig(cfg)
}
