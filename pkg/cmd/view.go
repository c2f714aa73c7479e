package cmd

import (
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

// viewOptions are what the commands that print a view of pods (describe,
// init, summary, doctor) share: -o and --color, the role rules, the clock
// and the terminal's width.
type viewOptions struct {
	Output string
	Color  string

	getter genericclioptions.RESTClientGetter
	rules  classify.Rules
	color  bool
	now    func() time.Time
	// width is the terminal's width, 0 when the output is not a terminal.
	width func(io.Writer) int
	genericiooptions.IOStreams
}

func newViewOptions(streams genericiooptions.IOStreams) viewOptions {
	return viewOptions{IOStreams: streams, Color: "auto", now: time.Now, width: printers.TerminalWidth}
}

// addFlags adds -o (described by outputHelp) and --color, with completion.
func (v *viewOptions) addFlags(cmd *cobra.Command, outputHelp string) {
	cmd.Flags().StringVarP(&v.Output, "output", "o", "", outputHelp)
	cmd.Flags().StringVar(&v.Color, "color", v.Color, "Colour the output: auto, always or never (NO_COLOR is honoured)")
	_ = cmd.RegisterFlagCompletionFunc("output", completeChoices("wide", "json", "yaml"))
	_ = cmd.RegisterFlagCompletionFunc("color", completeChoices("auto", "always", "never"))
}

// complete reads the rules the targets name and decides on colour.
func (v *viewOptions) complete(targets *TargetOptions) error {
	var err error
	if v.rules, err = targets.Rules(); err != nil {
		return err
	}
	v.color, err = printers.UseColor(v.Color, v.Out)
	return err
}

func (v *viewOptions) validate() error { return printers.ValidateViewOutput(v.Output) }

// tableWidth is the width a table must fit: the terminal's, or 0 (no limit)
// with -o wide or when the output is not a terminal.
func (v *viewOptions) tableWidth() int {
	if v.Output == printers.FormatWide {
		return 0
	}
	return v.width(v.Out)
}

func (v *viewOptions) painter() printers.Painter { return printers.Painter{Enabled: v.color} }
