package cmd

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/checks"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/podstatus"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/summary"
)

// SummaryOptions are the options of `summary`.
type SummaryOptions struct {
	Scan     ScanOptions
	By       string
	Problems bool
	viewOptions
}

// NewSummaryOptions returns the defaults.
func NewSummaryOptions(streams genericiooptions.IOStreams) *SummaryOptions {
	return &SummaryOptions{viewOptions: newViewOptions(streams)}
}

// NewCmdSummary builds `summary`.
func NewCmdSummary(getter genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewSummaryOptions(streams)
	o.getter = getter
	cmd := &cobra.Command{
		Use:   "summary [POD | TYPE/NAME | -l SELECTOR | -A | -f FILE]",
		Short: "One line per pod: status, pattern in a few words and the worst finding; or per workload",
		Long: `One line per pod of the namespace (or -A, -l, TYPE/NAME, -f): STATUS, READY and RESTARTS as kubectl get
prints them, the pod's pattern in a few words and its worst finding (the check IDs of docs/checks.md).
A footer counts pods per pattern, per blocking init step and per restarting helper.

summary uses the checks that need only the pods (shape, pattern, live state); doctor adds events and
references to other objects.`,
		Example: `  # The current namespace; only pods with findings
  kubectl pods-pattern summary
  kubectl pods-pattern summary --problems

  # Every namespace, folded by Deployment/StatefulSet/DaemonSet/Job/CronJob
  kubectl pods-pattern summary -A --by workload

  # Two clusters at once, for scripts
  kubectl pods-pattern summary -A --context prod --context staging -o json`,
		ValidArgsFunction: completePods(getter),
		RunE:              runE(o),
	}
	o.Scan.AddFlags(cmd)
	cmd.Flags().StringVar(&o.By, "by", "", "Fold the pods of one owner into one row: workload")
	cmd.Flags().BoolVar(&o.Problems, "problems", false, "Show only pods (or workloads) with findings")
	o.addFlags(cmd, "Output format: wide, json or yaml (default: table)")
	_ = cmd.RegisterFlagCompletionFunc("by", completeChoices("workload"))
	return cmd
}

// Complete fills the options from flags and the kubeconfig.
func (o *SummaryOptions) Complete(_ *cobra.Command, args []string) error {
	if err := o.Scan.Complete(o.getter, o.In, args); err != nil {
		return err
	}
	return o.complete(&o.Scan.Targets)
}

// Validate checks the flags.
func (o *SummaryOptions) Validate() error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.By != "" && o.By != "workload" {
		return fmt.Errorf("--by %q: only --by workload is supported", o.By)
	}
	return o.Scan.Validate()
}

// SummaryResult is what `summary -o json|yaml` prints (docs/summary-schema.md).
type SummaryResult struct {
	Items  any                  `json:"items"`
	Errors []printers.ScanError `json:"errors"`
}

// Run reads the pods page by page. The table streams a page at a time when
// nothing needs every row first (one cluster, no folding, no -o json).
func (o *SummaryOptions) Run(ctx context.Context) error {
	now := o.now()
	view := !printers.Structured(o.Output)
	stream := view && o.By == "" && !o.Scan.MultiCluster()
	popts := printers.SummaryOptions{Wide: o.Output == printers.FormatWide, Namespace: o.Scan.Targets.AllNamespaces,
		Context: o.Scan.MultiCluster(), Header: true, Color: o.painter(), Width: o.tableWidth()}
	tally := summary.NewTally()
	owners := newJobOwners(o.Scan.ChunkSize, o.Scan.Targets.AllNamespaces)
	var rows []summary.Row
	services := newNamespaceServices(o.ErrOut, o.Scan.Targets.AllNamespaces)
	printed := 0
	errs, err := o.Scan.Scan(ctx, func(p Page) error {
		page := make([]summary.Row, 0, len(p.Targets))
		for _, t := range p.Targets {
			r := report.BuildIn(t.Pod, nil, o.rules, services.of(ctx, p.Client, p.Context, t.Pod))
			findings := checks.Run(&checks.Input{Pod: t.Pod, Report: &r, Rules: o.rules}, checks.Shape, checks.Pattern, checks.Live)
			restarts := fmt.Sprint(r.Restarts)
			if r.HasStatus {
				restarts = podstatus.Summarize(t.Pod).RestartsString(now)
			}
			row := summary.Build(t.Pod, &r, findings, restarts)
			row.Context = p.Context
			if o.Problems && len(row.Findings) == 0 && o.By == "" {
				tally.Add(&row)
				continue
			}
			if o.By != "" {
				row.Workload = o.workload(ctx, p, t, owners)
			}
			tally.Add(&row)
			page = append(page, row)
		}
		if !stream {
			rows = append(rows, page...)
			return nil
		}
		if len(page) == 0 {
			return nil
		}
		if printed == 0 && o.Scan.Targets.FromFiles() && spansNamespaces(page) {
			// Manifests come as one page: their namespaces are known before printing.
			popts.Namespace = true
		}
		popts.Header = printed == 0
		printed += len(page)
		return printers.SummaryRows(o.Out, page, popts)
	})
	if err != nil {
		return err
	}
	if !o.Scan.MultiCluster() && len(errs) == 1 {
		return errors.New(errs[0].Error)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		return a.Context+"\x00"+a.Namespace+"\x00"+a.Name < b.Context+"\x00"+b.Namespace+"\x00"+b.Name
	})
	if !stream && spansNamespaces(rows) {
		popts.Namespace = true
	}
	var items any = rows
	if o.By != "" {
		folded := summary.Fold(rows)
		if o.Problems {
			kept := folded[:0]
			for _, w := range folded {
				if len(w.Findings) > 0 {
					kept = append(kept, w)
				}
			}
			folded = kept
		}
		items = folded
		if view {
			if err := printers.WorkloadRows(o.Out, folded, popts); err != nil {
				return err
			}
		}
	} else if !stream && view {
		if err := printers.SummaryRows(o.Out, rows, popts); err != nil {
			return err
		}
	}
	switch o.Output {
	case "json", "yaml":
		if rows == nil {
			items = []summary.Row{}
		}
		if errs == nil {
			errs = []printers.ScanError{}
		}
		if err := printers.PrintObject(o.Out, o.Output, SummaryResult{Items: items, Errors: errs}); err != nil {
			return err
		}
	default:
		f := tally.Footer()
		if f.Pods == 0 {
			fmt.Fprintln(o.ErrOut, noPodsMessage(o.Scan))
		} else {
			printers.SummaryFooter(o.Out, f, errs, popts.Color, popts.Width)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s could not be read", plural(len(errs), "cluster", "clusters"))
	}
	return nil
}

func spansNamespaces(rows []summary.Row) bool {
	for _, r := range rows {
		if r.Namespace != rows[0].Namespace {
			return true
		}
	}
	return false
}

func noPodsMessage(o ScanOptions) string {
	switch {
	case o.Targets.AllNamespaces:
		return "No resources found"
	case o.Targets.FromFiles():
		return "No pods or workload templates found in the manifests"
	}
	return fmt.Sprintf("No resources found in %s namespace.", o.Targets.Namespace)
}

// workload names the owner a pod is folded under.
func (o *SummaryOptions) workload(ctx context.Context, p Page, t Target, owners *jobOwners) summary.Workload {
	if t.Source != "" {
		kind, name, _ := strings.Cut(strings.TrimSuffix(t.Source, " template"), "/")
		return summary.Workload{Kind: kind, Name: name}
	}
	var jobs map[string]string
	if p.Client != nil && ownedBy(t, "Job") {
		jobs = owners.of(ctx, p, t.Pod.Namespace)
	}
	return summary.WorkloadOf(t.Pod, jobs)
}

func ownedBy(t Target, kind string) bool {
	for _, o := range t.Pod.OwnerReferences {
		if o.Kind == kind {
			return true
		}
	}
	return false
}

// jobOwners maps Jobs to their CronJobs: one list of Jobs per namespace
// (per cluster with -A), read only when a pod owned by a Job shows up.
type jobOwners struct {
	chunk int64
	all   bool
	lists map[string]map[string]map[string]string // context/scope -> namespace -> job -> cronjob
}

func newJobOwners(chunk int64, allNamespaces bool) *jobOwners {
	return &jobOwners{chunk: chunk, all: allNamespaces, lists: map[string]map[string]map[string]string{}}
}

func (j *jobOwners) of(ctx context.Context, p Page, ns string) map[string]string {
	scope := ns
	if j.all {
		scope = ""
	}
	key := p.Context + "\x00" + scope
	byNS, ok := j.lists[key]
	if !ok {
		// Without the list (RBAC), Jobs stay their own workload.
		byNS, _ = p.Client.JobCronJobs(ctx, scope, j.chunk)
		j.lists[key] = byNS
	}
	return byNS[ns]
}
