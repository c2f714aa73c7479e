package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/scaffold"
)

// ScaffoldOptions are the options of `scaffold`.
type ScaffoldOptions struct {
	Kind         string
	Shares       []string
	Labels       string
	Output       string
	Explain      bool
	To           string
	ListExamples bool

	opts    scaffold.Options
	seed    string
	kindSet bool
	// flagsSet are the pattern flags given, for the checks of seed and --to.
	flagsSet []string
	getter   genericclioptions.RESTClientGetter
	genericiooptions.IOStreams
}

// NewScaffoldOptions returns options with the defaults.
func NewScaffoldOptions(streams genericiooptions.IOStreams) *ScaffoldOptions {
	return &ScaffoldOptions{IOStreams: streams, Output: "yaml", Kind: string(scaffold.KindPod)}
}

// patternFlags are the flags that shape a pattern; seed examples take none.
var patternFlags = []string{"kind", "image", "command", "args", "port", "helper-name", "helper-image", "helper-command",
	"helper-args", "helper-port", "share", "labels", "legacy", "native", "upstream", "schedule", "to"}

// NewCmdScaffold builds `scaffold` on kubectl's flags (only -n is read).
func NewCmdScaffold(getter genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewScaffoldOptions(streams)
	o.getter = getter
	cmd := &cobra.Command{
		Use:   "scaffold PATTERN NAME [flags] [-- COMMAND [ARG...]]",
		Short: "Write manifests that follow the init, sidecar, native-sidecar, adapter or ambassador pattern correctly",
		Long: `Write manifests for a multi-container pattern, ready for kubectl apply -f -:
the shared emptyDir mounted in both containers, native sidecars (initContainers with
restartPolicy: Always) where a pod must finish, a startup probe where the app needs its helper,
the app pointed at its ambassador through an environment variable.

PATTERN is one of init, sidecar, native-sidecar, adapter, ambassador. Each has a working
default (nginx with a page made by an init container, a log sidecar, nginx with the
nginx-prometheus-exporter adapter, an app behind an envoy ambassador); --image,
--helper-image and the command flags replace the parts you bring yourself.

sidecar, adapter and ambassador helpers are regular containers in long-running pods and
native sidecars in Jobs and CronJobs (a regular helper would keep a Job from completing);
--native and --legacy force either form.

With --to FILE the helper is added to a workload that already exists in FILE (any kind,
many documents allowed), NAME being that workload; the rest of the file is kept as it is.

scaffold seed task1|task2|task3 writes the seed lab's pods exactly (--list-examples).`,
		Example: `  # An nginx with a Prometheus adapter, applied at once
  kubectl pods-pattern scaffold adapter web | kubectl apply -f -

  # A Job whose log shipper runs as a native sidecar, with comments saying why
  kubectl pods-pattern scaffold sidecar report --kind job --explain

  # Your own app and helper sharing a directory at different paths
  kubectl pods-pattern scaffold sidecar api --kind deployment --image ghcr.io/me/api:1.2 \
    --helper-image fluent/fluent-bit:3.1 --share logs:/var/log/api:/logs

  # Put an ambassador beside a deployment you already have
  kubectl get deploy api -o yaml | kubectl pods-pattern scaffold ambassador api --to - --upstream db.example.com:5432

  # The seed lab's pods
  kubectl pods-pattern scaffold --list-examples
  kubectl pods-pattern scaffold seed task3 | kubectl apply -f -`,
		ValidArgsFunction: completePatterns(),
		RunE:              runE(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.Kind, "kind", o.Kind, "Workload to write: pod, deployment, statefulset, job or cronjob (with --to: only look at objects of this kind, any workload kind)")
	f.StringVar(&o.opts.Image, "image", "", "Image of the main container (default: the pattern's example app)")
	f.StringArrayVar(&o.opts.Command, "command", nil, "Command of the main container, one word per flag (or give it after --)")
	f.StringArrayVar(&o.opts.Args, "args", nil, "Arguments of the main container, one per flag")
	f.Int32Var(&o.opts.Port, "port", 0, "Port the main container serves")
	f.StringVar(&o.opts.HelperName, "helper-name", "", "Name of the helper container (default: init-html, log-tailer, exporter or ambassador)")
	f.StringVar(&o.opts.HelperImage, "helper-image", "", "Image of the helper container (default: the pattern's example helper)")
	f.StringArrayVar(&o.opts.HelperCommand, "helper-command", nil, "Command of the helper, one word per flag")
	f.StringArrayVar(&o.opts.HelperArgs, "helper-args", nil, "Arguments of the helper, one per flag")
	f.Int32Var(&o.opts.HelperPort, "helper-port", 0, "Port the helper listens on; a native sidecar that serves the app gets a startup probe on it")
	f.StringArrayVar(&o.Shares, "share", nil, "emptyDir shared by the main container and the helper: NAME:PATH or NAME:MAIN_PATH:HELPER_PATH (repeatable; replaces the pattern's default)")
	f.StringVar(&o.Labels, "labels", "", "Labels for the workload and its pods: key=value[,key=value] (app=NAME is always set)")
	f.BoolVar(&o.opts.Legacy, "legacy", false, "Keep a sidecar, adapter or ambassador in spec.containers (clusters older than 1.29)")
	f.BoolVar(&o.opts.Native, "native", false, "Make a sidecar, adapter or ambassador a native sidecar even in a long-running pod")
	f.StringVar(&o.opts.Upstream, "upstream", "", "External service the ambassador proxies to, HOST:PORT (default "+scaffold.DefaultUpstream+")")
	f.StringVar(&o.opts.Schedule, "schedule", "", "Schedule of a cronjob (default \""+scaffold.DefaultSchedule+"\")")
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format: yaml or json")
	f.BoolVar(&o.Explain, "explain", false, "Add comments saying why each piece is there (YAML only)")
	f.StringVar(&o.To, "to", "", "Add the helper to the workload NAME in this manifest file (- for stdin) instead of writing a new one")
	f.BoolVar(&o.ListExamples, "list-examples", false, "List the seed lab's examples for scaffold seed")
	_ = cmd.RegisterFlagCompletionFunc("kind", completeScaffoldKinds())
	_ = cmd.RegisterFlagCompletionFunc("output", completeChoices("yaml", "json"))
	return cmd
}

// Complete reads the arguments and the flags that need parsing.
func (o *ScaffoldOptions) Complete(cmd *cobra.Command, args []string) error {
	for _, name := range patternFlags {
		if cmd.Flags().Changed(name) {
			o.flagsSet = append(o.flagsSet, "--"+name)
		}
	}
	o.kindSet = cmd.Flags().Changed("kind")
	// Only an explicit -n goes into the manifest; without it kubectl apply
	// uses the current namespace, as for any manifest.
	o.opts.Namespace = flagNamespace(o.getter)
	if dash := cmd.ArgsLenAtDash(); dash >= 0 {
		if len(o.opts.Command) > 0 {
			return fmt.Errorf("give the main container's command either after -- or with --command, not both")
		}
		o.opts.Command = args[dash:]
		args = args[:dash]
		o.flagsSet = append(o.flagsSet, "-- COMMAND")
	}
	if o.ListExamples {
		if len(args) > 0 {
			return fmt.Errorf("--list-examples takes no arguments")
		}
		return nil
	}
	if len(args) >= 1 && args[0] == "seed" {
		if len(args) != 2 {
			return fmt.Errorf("scaffold seed needs one example name: %s", strings.Join(scaffold.ExampleNames(), ", "))
		}
		o.seed = args[1]
		return nil
	}
	if len(args) != 2 {
		return fmt.Errorf("scaffold needs PATTERN and NAME, e.g. scaffold adapter web (patterns: %s)", patternNames())
	}
	pattern, err := scaffold.ParsePattern(args[0])
	if err != nil {
		return err
	}
	o.opts.Pattern, o.opts.Name = pattern, args[1]
	if o.To != "" {
		// Any workload kind may be the target; Inject reads it.
		o.opts.Kind = scaffold.Kind(o.Kind)
	} else if o.opts.Kind, err = scaffold.ParseKind(o.Kind); err != nil {
		return err
	}
	for _, s := range o.Shares {
		sh, err := scaffold.ParseShare(s)
		if err != nil {
			return err
		}
		o.opts.Shares = append(o.opts.Shares, sh)
	}
	if o.Labels != "" {
		if o.opts.Labels, err = scaffold.ParseLabels(o.Labels); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the flags together, before anything is printed.
func (o *ScaffoldOptions) Validate() error {
	if o.Output != "yaml" && o.Output != "json" {
		return fmt.Errorf("unknown output format %q: use -o yaml or -o json", o.Output)
	}
	if o.Explain && o.Output == "json" {
		return fmt.Errorf("--explain writes YAML comments, which JSON cannot hold: drop -o json or --explain")
	}
	if o.ListExamples {
		if len(o.flagsSet) > 0 {
			return fmt.Errorf("--list-examples takes no other flags, got %s", strings.Join(o.flagsSet, ", "))
		}
		return nil
	}
	if o.seed != "" {
		if len(o.flagsSet) > 0 {
			return fmt.Errorf("seed examples are reproduced exactly, so these flags do not apply: %s (only -n, -o and --explain do)", strings.Join(o.flagsSet, ", "))
		}
		if _, ok := scaffold.Examples[o.seed]; !ok {
			return fmt.Errorf("unknown example %q: use one of %s", o.seed, strings.Join(scaffold.ExampleNames(), ", "))
		}
		return nil
	}
	if o.To != "" {
		if o.Output != "yaml" {
			return fmt.Errorf("--to edits a YAML manifest in place: -o json does not apply")
		}
		opts := o.opts
		if !o.kindSet {
			opts.Kind = ""
		}
		return opts.ValidateInject()
	}
	return o.opts.Validate()
}

// Run writes the manifests.
func (o *ScaffoldOptions) Run(context.Context) error {
	switch {
	case o.ListExamples:
		return o.listExamples()
	case o.seed != "":
		res, err := scaffold.Seed(o.seed, o.opts.Namespace)
		if err != nil {
			return err
		}
		return o.print(res)
	case o.To != "":
		return o.inject()
	}
	res, err := scaffold.Build(o.opts)
	if err != nil {
		return err
	}
	return o.print(res)
}

func (o *ScaffoldOptions) print(res scaffold.Result) error {
	// Render everything before writing anything: no half manifest on error.
	out, err := scaffold.RenderWidth(res.Objects, o.Output, o.Explain, printers.TerminalWidth(o.Out))
	if err != nil {
		return err
	}
	o.warn(res.Warnings)
	_, err = o.Out.Write(out)
	return err
}

func (o *ScaffoldOptions) inject() error {
	var (
		src []byte
		err error
	)
	source := o.To
	if o.To == "-" {
		source = "stdin"
		src, err = io.ReadAll(o.In)
	} else {
		src, err = os.ReadFile(o.To)
	}
	if err != nil {
		return fmt.Errorf("cannot read --to %s: %w", source, err)
	}
	opts := o.opts
	opts.CommentWidth = printers.TerminalWidth(o.Out)
	if !o.kindSet {
		opts.Kind = ""
	}
	res, err := scaffold.Inject(src, source, opts, o.kindSet, o.Explain)
	if err != nil {
		return err
	}
	o.warn(res.Warnings)
	_, err = o.Out.Write(res.Manifest)
	return err
}

func (o *ScaffoldOptions) warn(warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(o.ErrOut, "warning: %s\n", printers.Sanitize(w))
	}
}

func (o *ScaffoldOptions) listExamples() error {
	for _, name := range scaffold.ExampleNames() {
		ex := scaffold.Examples[name]
		fmt.Fprintf(o.Out, "%s  %s\n", ex.Name, ex.Description)
		fmt.Fprintf(o.Out, "       kubectl pods-pattern scaffold seed %s | kubectl apply -f -\n", ex.Name)
		for _, t := range ex.Try {
			fmt.Fprintf(o.Out, "       %s\n", t)
		}
	}
	return nil
}

func patternNames() string {
	s := make([]string, len(scaffold.Patterns))
	for i, p := range scaffold.Patterns {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
