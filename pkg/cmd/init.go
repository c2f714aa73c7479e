package cmd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/inittimeline"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/logs"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

// InitOptions are the options of `init`.
type InitOptions struct {
	Targets  TargetOptions
	Watch    bool
	Absolute bool
	Timeline bool
	// ReconnectTimeout is how long --watch waits for an API server that went away.
	ReconnectTimeout time.Duration

	viewOptions

	timelineMode printers.TimelineMode
	printOpts    printers.InitOptions
}

// NewInitOptions returns the options with their defaults.
func NewInitOptions(streams genericiooptions.IOStreams) *InitOptions {
	return &InitOptions{viewOptions: newViewOptions(streams)}
}

// NewCmdInit builds `init` on kubectl's flags.
func NewCmdInit(getter genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewInitOptions(streams)
	o.getter = getter
	return newCmdInit(o)
}

// newCmdInit builds the command around o, which tests fill with fakes.
func newCmdInit(o *InitOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init (POD | TYPE/NAME | -l SELECTOR | -f FILE)",
		Short: "Show a pod's init sequence as a timeline: order, durations, exit status and what blocks the pod",
		Long: `Show the init sequence of a pod the way the kubelet runs it: init containers and native sidecars one
at a time in spec order, then the regular containers together. Each step has its start and finish
(relative to the pod's start, or absolute with --absolute), duration, exit code, reason and restarts
with the last termination. The line on top says what holds the pod back, or how long it took to
initialise; STATUS is what kubectl get pod prints.

A native sidecar (an init container with restartPolicy: Always) lets the next step run once it has
started and keeps running; its restarts do not re-run the init containers; its exit 137/143 after
the regular containers of a Job finished is the pod shutting down, not a failure.

With --watch the pod is followed with one watch request and every transition is printed as it
happens, until the pod is Running, Succeeded or Failed.`,
		Example: `  # Why is nx stuck in Init:1/3?
  kubectl pods-pattern init nx

  # Follow it live until it runs
  kubectl pods-pattern init nx --watch

  # Every pod of a deployment, and its slowest init step
  kubectl pods-pattern init deploy/web

  # A saved pod, with absolute times
  kubectl pods-pattern init -f pod.yaml --absolute`,
		ValidArgsFunction: completePods(o.getter),
		RunE:              runE(o),
	}
	o.Targets.AddFlags(cmd, true)
	o.addFlags(cmd, "Output format: wide (every column, whatever the terminal's width), json or yaml")
	cmd.Flags().BoolVarP(&o.Watch, "watch", "w", false, "Follow the pod and print each transition until it is Running, Succeeded or Failed")
	cmd.Flags().DurationVar(&o.ReconnectTimeout, "reconnect-timeout", kube.DefaultReconnectTimeout, "With --watch, how long to wait for an API server that went away before giving up")
	cmd.Flags().BoolVar(&o.Absolute, "absolute", false, "Print absolute times (RFC 3339, UTC) instead of times since the pod started")
	cmd.Flags().BoolVar(&o.Timeline, "timeline", false, "Draw a bar per step (default: when the terminal leaves room; --timeline=false never)")
	return cmd
}

// Complete fills the options from flags, the kubeconfig and the terminal.
func (o *InitOptions) Complete(cmd *cobra.Command, args []string) error {
	if err := o.Targets.Complete(o.getter, o.In, args); err != nil {
		return err
	}
	if err := o.complete(&o.Targets); err != nil {
		return err
	}
	o.timelineMode = printers.TimelineAuto
	if cmd != nil && cmd.Flags().Changed("timeline") {
		o.timelineMode = printers.TimelineOff
		if o.Timeline {
			o.timelineMode = printers.TimelineOn
		}
	}
	o.printOpts = printers.InitOptions{Color: o.painter(), Absolute: o.Absolute,
		Timeline: o.timelineMode, Width: o.tableWidth()}
	return nil
}

// Validate checks the flags.
func (o *InitOptions) Validate() error {
	if err := printers.ValidateViewOutput(o.Output); err != nil {
		return err
	}
	if err := o.Targets.Validate(); err != nil {
		return err
	}
	if o.Watch && o.ReconnectTimeout <= 0 {
		return errors.New("--reconnect-timeout must be positive, e.g. 5m")
	}
	if o.Watch && o.Targets.FromFiles() {
		return errors.New("--watch follows a pod in the cluster; it cannot be used with -f")
	}
	if o.Watch && (o.Targets.Selector != "" || o.Targets.AllNamespaces || len(o.Targets.Args) != 1) {
		return errors.New("--watch follows one pod: name it (POD or TYPE/NAME of a workload with one pod)")
	}
	return nil
}

// Run fetches the pods, builds their timelines and prints them; with
// --watch it then follows the pod.
func (o *InitOptions) Run(ctx context.Context) error {
	targets, err := o.Targets.Pods(ctx)
	if err != nil {
		return err
	}
	if o.Watch {
		if len(targets) != 1 {
			return fmt.Errorf("--watch follows one pod but %s names %d: pick one by name", o.Targets.Args[0], len(targets))
		}
		return o.watch(ctx, targets[0].Pod)
	}
	var client *kube.Client
	if !o.Targets.FromFiles() {
		if client, err = o.Targets.Client(); err != nil {
			return err
		}
	}
	services := newNamespaceServices(o.ErrOut, o.Targets.AllNamespaces)
	events := o.events(ctx, targets)
	now := o.now()
	tls := make([]inittimeline.Timeline, 0, len(targets))
	for _, t := range targets {
		cls := classify.ClassifyIn(t.Pod, o.rules, services.of(ctx, client, "", t.Pod))
		tl := inittimeline.Build(t.Pod, events[string(t.Pod.UID)], cls, now)
		if o.Targets.FromFiles() {
			tl = inittimeline.BuildSaved(t.Pod, cls, now)
		}
		tl.Source = t.Source
		tls = append(tls, tl)
	}
	var stats []inittimeline.StepStats
	if len(tls) > 1 && o.manyOfOneKind() {
		stats = inittimeline.Aggregate(tls)
	}
	if printers.Structured(o.Output) {
		return printers.PrintInitTimelines(o.Out, o.Output, tls, stats)
	}
	return printers.InitTimelines(o.Out, tls, stats, o.printOpts)
}

// events reads the pods' events (one list per pod, or per namespace for
// several), which tell the image pulls and failed startup probes. A
// manifest has none; events that cannot be read are warned about, and the
// timeline then says nothing about pulls.
func (o *InitOptions) events(ctx context.Context, targets []Target) map[string][]corev1.Event {
	if o.Targets.FromFiles() {
		return nil
	}
	client, err := o.Targets.Client()
	if err == nil {
		pods := make([]corev1.Pod, len(targets))
		for i, t := range targets {
			pods[i] = *t.Pod
		}
		var events map[string][]corev1.Event
		if events, err = client.Events(ctx, pods); err == nil {
			return events
		}
	}
	fmt.Fprintf(o.ErrOut, "warning: events not read, image pulls not shown: %v\n", err)
	return nil
}

// manyOfOneKind: the pods came from a selector or a workload, so comparing
// their init steps answers "which step makes the rollout slow".
func (o *InitOptions) manyOfOneKind() bool {
	if o.Targets.Selector != "" {
		return true
	}
	for _, a := range o.Targets.Args {
		if ref, err := kube.ParseRef(a); err == nil && ref.Type != "pod" {
			return true
		}
	}
	return false
}

// watch prints the pod, then every transition and every event of the pod
// as it arrives, until the pod is Running, Succeeded or Failed (then it
// prints the final table) or ctx ends. The pod and its events are followed
// by two watch requests; their handlers take turns under one lock.
func (o *InitOptions) watch(ctx context.Context, pod *corev1.Pod) error {
	client, err := o.Targets.Client()
	if err != nil {
		return err
	}
	// The Services are read once: a watch follows the pod, not its namespace.
	cx := newNamespaceServices(o.ErrOut, o.Targets.AllNamespaces).of(ctx, client, "", pod)
	listed, eventsRV, evErr := client.PodEvents(ctx, pod)
	haveEvents := evErr == nil
	if !haveEvents {
		fmt.Fprintf(o.ErrOut, "warning: events not read, image pulls not shown: %v\n", evErr)
	}
	log := inittimeline.NewEventLog(listed)
	var mu sync.Mutex
	build := func(p *corev1.Pod) inittimeline.Timeline {
		var events []corev1.Event
		if haveEvents {
			events = log.Items()
		}
		return inittimeline.Build(p, events, classify.ClassifyIn(p, o.rules, cx), o.now())
	}
	prev := build(pod)
	if err := o.printSnapshot(&prev); err != nil {
		return err
	}
	if settled(pod) {
		return nil
	}
	if !printers.Structured(o.Output) {
		fmt.Fprintln(o.Out)
	}
	last := pod
	onEvent := func(e *corev1.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if !log.Add(e) {
			return nil
		}
		cur := build(last)
		if o.Output != "" {
			prev = cur
			return printers.PrintObject(o.Out, o.Output, cur)
		}
		printers.InitChanges(o.Out, &cur, []inittimeline.Change{inittimeline.EventChange(&cur, e)}, o.printOpts)
		prev = cur
		return nil
	}
	onChange := func(p *corev1.Pod) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		last = p
		cur := build(p)
		changes := inittimeline.Changes(&prev, &cur)
		done := settled(p)
		switch {
		case printers.Structured(o.Output):
			if len(changes) > 0 || done {
				if err := printers.PrintObject(o.Out, o.Output, cur); err != nil {
					return true, err
				}
			}
		default:
			printers.InitChanges(o.Out, &cur, changes, o.printOpts)
			if done {
				fmt.Fprintln(o.Out)
				if err := printers.InitTimelines(o.Out, []inittimeline.Timeline{cur}, nil, o.printOpts); err != nil {
					return true, err
				}
			}
		}
		prev = cur
		return done, nil
	}
	client.Reconnect = logs.NewReconnector(o.ReconnectTimeout, o.ErrOut)
	eventsCtx, stopEvents := context.WithCancel(ctx)
	eventsDone := make(chan error, 1)
	if haveEvents {
		go func() { eventsDone <- client.WatchPodEvents(eventsCtx, pod, eventsRV, onEvent) }()
	} else {
		eventsDone <- nil
	}
	err = client.WatchPod(ctx, pod.Namespace, pod.Name, pod.ResourceVersion, onChange)
	stopEvents()
	if evErr := <-eventsDone; evErr != nil && err == nil {
		// The pod's story went on without its events: say so, as describe does.
		fmt.Fprintf(o.ErrOut, "warning: events stopped: %v\n", evErr)
	}
	if errors.Is(err, kube.ErrPodDeleted) {
		return fmt.Errorf("pod %q in namespace %q was deleted while watching", pod.Name, pod.Namespace)
	}
	return err
}

func (o *InitOptions) printSnapshot(t *inittimeline.Timeline) error {
	if printers.Structured(o.Output) {
		return printers.PrintObject(o.Out, o.Output, t)
	}
	return printers.InitTimelines(o.Out, []inittimeline.Timeline{*t}, nil, o.printOpts)
}

// settled: the init sequence is over for good once the pod runs or has ended.
func settled(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodRunning, corev1.PodSucceeded, corev1.PodFailed:
		return true
	}
	return false
}
