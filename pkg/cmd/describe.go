package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/checks"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// DescribeOptions are the options of `describe`.
type DescribeOptions struct {
	Targets TargetOptions
	viewOptions
}

// NewDescribeOptions returns the options with their defaults.
func NewDescribeOptions(streams genericiooptions.IOStreams) *DescribeOptions {
	return &DescribeOptions{viewOptions: newViewOptions(streams)}
}

// NewCmdDescribe builds `describe` on kubectl's flags.
func NewCmdDescribe(getter genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewDescribeOptions(streams)
	o.getter = getter
	cmd := &cobra.Command{
		Use:   "describe (POD | TYPE/NAME | -l SELECTOR | -f FILE)",
		Short: "Show every container of a pod with its kind, role, evidence, init order, state and findings",
		Long: `Show every container of a pod with its kind (init, sidecar, container, ephemeral) and role
(init, main, sidecar, adapter, ambassador, debug), the evidence for the role, the init order and
exit status, shared volumes, ports, restarts, recent events and what is wrong.

A pod can state roles itself: annotation pods-pattern.io/roles: "name=role,name=role" always wins.`,
		Example: `  # The seed lab's pod
  kubectl pods-pattern describe nx

  # Every pod of a deployment, or selected by label in all namespaces
  kubectl pods-pattern describe deploy/web
  kubectl pods-pattern describe -l app=web -A

  # A manifest, with no cluster at all (Pods, workloads, Lists, many documents)
  kubectl pods-pattern describe -f pod.yaml
  kubectl get pod nx -o yaml | kubectl pods-pattern describe -f -

  # For scripts
  kubectl pods-pattern describe nx -o json`,
		ValidArgsFunction: completePods(getter),
		RunE:              runE(o),
	}
	o.Targets.AddFlags(cmd, true)
	o.addFlags(cmd, "Output format: wide (every column, whatever the terminal's width), json or yaml")
	return cmd
}

// Complete fills the options from flags and the kubeconfig.
func (o *DescribeOptions) Complete(_ *cobra.Command, args []string) error {
	if err := o.Targets.Complete(o.getter, o.In, args); err != nil {
		return err
	}
	return o.complete(&o.Targets)
}

// Validate checks the flags.
func (o *DescribeOptions) Validate() error {
	if err := o.validate(); err != nil {
		return err
	}
	return o.Targets.Validate()
}

// Run fetches the pods and their events, builds the reports and prints them.
func (o *DescribeOptions) Run(ctx context.Context) error {
	targets, err := o.Targets.Pods(ctx)
	if err != nil {
		return err
	}
	events := map[string][]corev1.Event{}
	var client *kube.Client
	if !o.Targets.FromFiles() {
		if client, err = o.Targets.Client(); err != nil {
			return err
		}
		pods := make([]corev1.Pod, len(targets))
		for i, t := range targets {
			pods[i] = *t.Pod
		}
		if events, err = client.Events(ctx, pods); err != nil {
			// Events help but are not the pod: say so and go on.
			fmt.Fprintf(o.ErrOut, "warning: events not shown: %v\n", err)
		}
	}
	services := newNamespaceServices(o.ErrOut, o.Targets.AllNamespaces)
	reports := make([]report.Pod, 0, len(targets))
	for _, t := range targets {
		evs := events[string(t.Pod.UID)]
		r := report.BuildIn(t.Pod, evs, o.rules, services.of(ctx, client, "", t.Pod))
		r.Source = t.Source
		// The same catalogue as doctor: report's findings plus the spec checks, with their IDs.
		r.Findings = checks.ToReport(checks.Run(&checks.Input{Pod: t.Pod, Report: &r, Rules: o.rules, Events: evs},
			checks.Shape, checks.Pattern, checks.Live))
		reports = append(reports, r)
	}
	if printers.Structured(o.Output) {
		return printers.PrintList(o.Out, o.Output, reports)
	}
	return printers.Describe(o.Out, reports, printers.DescribeOptions{Color: o.painter(), Now: o.now(),
		NoEvents: o.Targets.FromFiles(), Width: o.tableWidth()})
}
