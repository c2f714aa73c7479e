// Package cmd holds the cobra commands, one file per subcommand. Each follows
// the Options pattern: flags fill Options, then Complete, Validate, Run.
package cmd

import (
	"context"
	"flag"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"
)

// NewRootCmd builds `kubectl pods-pattern` with kubectl's usual flags.
func NewRootCmd(streams genericiooptions.IOStreams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{
		Use:   "pods-pattern",
		Short: "See the structure of multi-container pods: init order, sidecars, adapters, ambassadors",
		Long: `kubectl pods-pattern shows what kubectl describe and kubectl logs do not: which container of a pod
is the app, which are init containers, native sidecars, sidecars, adapters or ambassadors, and why;
how the init sequence ran; and the logs of all containers merged in time order.`,
		Example: `  # What is in pod nx, and what is wrong with it
  kubectl pods-pattern describe nx

  # Inspect a manifest without a cluster
  kubectl pods-pattern describe -f pod.yaml`,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl pods-pattern",
		},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	flags.AddFlags(root.PersistentFlags())
	// -v as in kubectl: -v=6 shows every API request.
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	root.PersistentFlags().AddGoFlag(klogFlags.Lookup("v"))
	root.AddCommand(
		NewCmdDescribe(flags, streams),
		NewCmdLogs(flags, streams),
		NewCmdInit(flags, streams),
		NewCmdSummary(flags, streams),
		NewCmdDoctor(flags, streams),
		NewCmdScaffold(flags, streams),
		NewCmdVersion(streams),
		NewCmdCompletion(streams),
	)
	registerCompletions(root, flags)
	return root
}

// options is the contract of every command: NewXOptions(streams) gives the
// defaults, flags fill the fields, then Complete, Validate and Run.
type options interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runE runs a command's options the one way all commands run.
func runE(o options) func(cmd *cobra.Command, args []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(cmd, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
}
