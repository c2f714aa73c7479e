package cmd

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/checks"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// Values of --fail-on.
var failOnLevels = []string{checks.Error, checks.Warning, checks.Info, "none"}

// DoctorOptions are the options of `doctor`.
type DoctorOptions struct {
	Scan   ScanOptions
	FailOn string
	Ignore []string
	viewOptions

	ignored map[string]bool
}

// NewDoctorOptions returns the defaults.
func NewDoctorOptions(streams genericiooptions.IOStreams) *DoctorOptions {
	return &DoctorOptions{viewOptions: newViewOptions(streams), FailOn: checks.Error}
}

// NewCmdDoctor builds `doctor`.
func NewCmdDoctor(getter genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewDoctorOptions(streams)
	o.getter = getter
	cmd := &cobra.Command{
		Use:   "doctor [POD | TYPE/NAME | -l SELECTOR | -A | -f FILE]",
		Short: "Check pods or manifests against a catalogue of multi-container mistakes, grouped by check",
		Long: `Check pods (the namespace by default) or manifests against the catalogue in docs/checks.md:
shapes the API server rejects, pattern mistakes, live state, and references to ConfigMaps, Secrets,
ServiceAccounts, PVCs and owners that do not exist. Findings are grouped by check, most severe first,
each with why it matters and what to do.

The exit code makes it a CI step: 1 when a finding is at or above --fail-on (default error), else 0.`,
		Example: `  # The current namespace, or every namespace
  kubectl pods-pattern doctor
  kubectl pods-pattern doctor -A

  # Manifests before applying them, in CI; warnings fail too
  kubectl pods-pattern doctor -f k8s/ --fail-on warning

  # Several clusters, some checks silenced, for scripts
  kubectl pods-pattern doctor -A --context prod --context staging --ignore no-default-container -o json`,
		ValidArgsFunction: completePods(getter),
		RunE:              runE(o),
	}
	o.Scan.AddFlags(cmd)
	cmd.Flags().StringVar(&o.FailOn, "fail-on", o.FailOn, "Exit 1 when a finding is at or above this severity: error, warning, info or none")
	cmd.Flags().StringArrayVar(&o.Ignore, "ignore", nil, "Check ID to leave out (repeatable; see docs/checks.md)")
	o.addFlags(cmd, "Output format: wide (every line in full, whatever the terminal's width), json or yaml (default: grouped text)")
	_ = cmd.RegisterFlagCompletionFunc("fail-on", completeChoices(failOnLevels...))
	_ = cmd.RegisterFlagCompletionFunc("ignore", completeChoices(checkIDs()...))
	return cmd
}

func checkIDs() []string {
	var out []string
	for _, c := range checks.Catalogue() {
		out = append(out, c.ID)
	}
	return out
}

// Complete fills the options from flags and the kubeconfig.
func (o *DoctorOptions) Complete(_ *cobra.Command, args []string) error {
	if err := o.Scan.Complete(o.getter, o.In, args); err != nil {
		return err
	}
	o.ignored = map[string]bool{}
	for _, id := range o.Ignore {
		o.ignored[id] = true
	}
	return o.complete(&o.Scan.Targets)
}

// Validate checks the flags.
func (o *DoctorOptions) Validate() error {
	if err := o.validate(); err != nil {
		return err
	}
	if !contains(failOnLevels, o.FailOn) {
		return fmt.Errorf("--fail-on must be one of %s, not %q", strings.Join(failOnLevels, ", "), o.FailOn)
	}
	for _, id := range o.Ignore {
		if _, ok := checks.Lookup(id); !ok {
			return fmt.Errorf("--ignore %q: no such check (see docs/checks.md)", id)
		}
	}
	return o.Scan.Validate()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Run checks every pod page by page, then prints the findings grouped.
func (o *DoctorOptions) Run(ctx context.Context) error {
	var res printers.DoctorResult
	cache := newNamespaceCache(o.Scan.ChunkSize, o.Scan.Targets.AllNamespaces)
	services := newNamespaceServices(o.ErrOut, o.Scan.Targets.AllNamespaces)
	enabled := func(id string) bool { return !o.ignored[id] }
	scanErrs, err := o.Scan.Scan(ctx, func(p Page) error {
		for _, t := range p.Targets {
			res.Pods++
			r := report.BuildIn(t.Pod, nil, o.rules, services.of(ctx, p.Client, p.Context, t.Pod))
			in := &checks.Input{Pod: t.Pod, Report: &r, Rules: o.rules}
			if p.Client != nil {
				cache.fill(ctx, p, in, enabled)
			}
			name := t.Pod.Name
			if t.Source != "" {
				name = t.Source
			}
			for _, f := range checks.Run(in) {
				if o.ignored[f.ID] {
					continue
				}
				ch, _ := checks.Lookup(f.ID)
				res.Findings = append(res.Findings, checks.PodFinding{ID: f.ID, Severity: f.Severity, Context: p.Context,
					Namespace: t.Pod.Namespace, Pod: name, Container: f.Container, Message: f.Message, Fix: ch.Fix})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	res.Skipped = cache.skipped
	res.Errors = scanErrs
	if !o.Scan.MultiCluster() && len(res.Errors) == 1 {
		return fmt.Errorf("%s", res.Errors[0].Error)
	}
	if res.Findings == nil {
		res.Findings = []checks.PodFinding{}
	}
	if printers.Structured(o.Output) {
		sortFindings(res.Findings)
		if err := printers.PrintObject(o.Out, o.Output, res); err != nil {
			return err
		}
	} else {
		if err := printers.Doctor(o.Out, res, o.painter(), o.tableWidth()); err != nil {
			return err
		}
	}
	return o.exit(res)
}

func sortFindings(fs []checks.PodFinding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if a, b := checks.Rank(fs[i].Severity), checks.Rank(fs[j].Severity); a != b {
			return a > b
		}
		if fs[i].ID != fs[j].ID {
			return fs[i].ID < fs[j].ID
		}
		return fs[i].Context+"/"+fs[i].Namespace+"/"+fs[i].Pod < fs[j].Context+"/"+fs[j].Namespace+"/"+fs[j].Pod
	})
}

// exit turns --fail-on and failed clusters into the error main exits 1 on.
func (o *DoctorOptions) exit(res printers.DoctorResult) error {
	n := 0
	if o.FailOn != "none" {
		for _, f := range res.Findings {
			if checks.Rank(f.Severity) >= checks.Rank(o.FailOn) {
				n++
			}
		}
	}
	switch {
	case len(res.Errors) > 0:
		return fmt.Errorf("%s could not be read", plural(len(res.Errors), "cluster", "clusters"))
	case n > 0:
		return fmt.Errorf("%s at or above %s (--fail-on %s)", plural(n, "finding", "findings"), o.FailOn, o.FailOn)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// namespaceCache reads what the reference and event checks need, once per
// cluster, namespace and resource (once per cluster and resource with -A),
// and only when a pod needs it.
type namespaceCache struct {
	chunk   int64
	all     bool // -A: list each resource across the cluster at once
	ns      map[string]*checks.Namespace
	lists   map[string]map[string]map[string]string // list key -> namespace -> name -> UID
	events  map[string]map[string][]corev1.Event
	tried   map[string]bool
	skipped []printers.Skip
}

func newNamespaceCache(chunk int64, allNamespaces bool) *namespaceCache {
	return &namespaceCache{chunk: chunk, all: allNamespaces, ns: map[string]*checks.Namespace{},
		lists: map[string]map[string]map[string]string{}, events: map[string]map[string][]corev1.Event{}, tried: map[string]bool{}}
}

func (c *namespaceCache) scope(ns string) string {
	if c.all {
		return ""
	}
	return ns
}

// objects lists a resource once for the pod's namespace (or the cluster) and
// returns the namespace's part: name -> UID, empty when it has none, nil
// when the list failed (recorded as skipped checks).
func (c *namespaceCache) objects(ctx context.Context, p Page, ns, resource string, ids []string) map[string]string {
	scope := c.scope(ns)
	key := p.Context + "\x00" + scope + "\x00" + resource
	if !c.tried[key] {
		c.tried[key] = true
		apiResource := resource
		if r, ok := strings.CutPrefix(resource, "owner/"); ok {
			apiResource = r
		}
		byNS, err := p.Client.ObjectNames(ctx, scope, apiResource, c.chunk)
		if err != nil {
			c.skipped = append(c.skipped, printers.Skip{Context: p.Context, Namespace: scope, Resource: apiResource, Checks: ids, Reason: err.Error()})
			return nil
		}
		c.lists[key] = byNS
	}
	byNS, ok := c.lists[key]
	if !ok {
		return nil
	}
	if objs := byNS[ns]; objs != nil {
		return objs
	}
	return map[string]string{}
}

func (c *namespaceCache) fill(ctx context.Context, p Page, in *checks.Input, enabled func(string) bool) {
	nsName := in.Pod.Namespace
	key := p.Context + "\x00" + nsName
	n := c.ns[key]
	if n == nil {
		n = &checks.Namespace{Owners: map[string]map[string]string{}}
		c.ns[key] = n
	}
	in.Namespace = n
	resources, owners, events := checks.Wants(in, enabled)
	names := func(objs map[string]string) checks.Names {
		if objs == nil {
			return nil
		}
		set := make(checks.Names, len(objs))
		for name := range objs {
			set[name] = true
		}
		return set
	}
	for _, r := range resources {
		var field *checks.Names
		switch r {
		case checks.NeedsConfigMaps:
			field = &n.ConfigMaps
		case checks.NeedsSecrets:
			field = &n.Secrets
		case checks.NeedsServiceAccounts:
			field = &n.ServiceAccounts
		case checks.NeedsPVCs:
			field = &n.PVCs
		default:
			continue
		}
		if *field == nil {
			*field = names(c.objects(ctx, p, nsName, r, checks.ChecksNeeding(r)))
		}
	}
	for _, ref := range in.Pod.OwnerReferences {
		resource, known := kube.OwnerResource(ref.APIVersion, ref.Kind)
		if len(owners) == 0 || !known {
			continue // e.g. Node for static pods, or a custom controller
		}
		if n.Owners[ref.Kind] == nil {
			if objs := c.objects(ctx, p, nsName, "owner/"+resource, checks.ChecksNeeding(checks.NeedsOwners)); objs != nil {
				n.Owners[ref.Kind] = objs
			}
		}
	}
	if events {
		scope := c.scope(nsName)
		ek := p.Context + "\x00" + scope + "\x00events"
		if !c.tried[ek] {
			c.tried[ek] = true
			evs, err := p.Client.NamespaceEvents(ctx, scope, c.chunk)
			if err != nil {
				c.skipped = append(c.skipped, printers.Skip{Context: p.Context, Namespace: scope, Resource: "events", Checks: checks.ChecksNeeding(checks.NeedsEvents), Reason: err.Error()})
			}
			c.events[ek] = evs
		}
		in.Events = c.events[ek][string(in.Pod.UID)]
	}
}
