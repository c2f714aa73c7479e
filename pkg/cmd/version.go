package cmd

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/version"
)

// VersionOptions are the options of `version`.
type VersionOptions struct {
	Output string
	genericiooptions.IOStreams
}

// NewCmdVersion builds `version`.
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	o := &VersionOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version, git commit and Go version",
		Example: `  kubectl pods-pattern version
  kubectl pods-pattern version -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml")
	return cmd
}

// Validate checks the flags.
func (o *VersionOptions) Validate() error { return printers.ValidateOutput(o.Output) }

// Run prints the version.
func (o *VersionOptions) Run() error {
	info := version.Get()
	if o.Output != "" {
		return printers.PrintObject(o.Out, o.Output, info)
	}
	_, err := fmt.Fprintf(o.Out, "kubectl-pods_pattern %s (commit %s, built %s, %s, %s)\n",
		info.Version, info.GitCommit, info.BuildDate, info.GoVersion, info.Platform)
	return err
}
