package cmd

import (
	"context"
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

// NewVersionOptions returns the options with their defaults.
func NewVersionOptions(streams genericiooptions.IOStreams) *VersionOptions {
	return &VersionOptions{IOStreams: streams}
}

// NewCmdVersion builds `version`.
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewVersionOptions(streams)
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version, git commit and Go version",
		Example: `  kubectl pods-pattern version
  kubectl pods-pattern version -o json`,
		Args: cobra.NoArgs,
		RunE: runE(o),
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml")
	return cmd
}

// Complete has nothing to read: version takes no arguments (cobra checks).
func (o *VersionOptions) Complete(*cobra.Command, []string) error { return nil }

// Validate checks the flags.
func (o *VersionOptions) Validate() error { return printers.ValidateOutput(o.Output) }

// Run prints the version.
func (o *VersionOptions) Run(context.Context) error {
	info := version.Get()
	if o.Output != "" {
		return printers.PrintObject(o.Out, o.Output, info)
	}
	_, err := fmt.Fprintf(o.Out, "kubectl-pods_pattern %s (commit %s, built %s, %s, %s)\n",
		info.Version, info.GitCommit, info.BuildDate, info.GoVersion, info.Platform)
	return err
}
