package cmd

import (
	"context"
	"errors"
	"io"
	"sort"
	"sync"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/printers"
)

// ScanOptions read many pods, from one or several clusters or from
// manifests, for summary and doctor. Without a name, -l or -A they read the
// namespace; pods come in pages (--chunk-size) and each cluster is read in
// parallel with the others.
type ScanOptions struct {
	Targets     TargetOptions
	Contexts    []string
	AllContexts bool
	ChunkSize   int64

	clusters []cluster
	// NewClientFor builds the client of a named context; tests replace it.
	NewClientFor func(flags *genericclioptions.ConfigFlags) (kubernetes.Interface, error)
}

// cluster is one context to read: "" is the kubeconfig's current one.
type cluster struct {
	context   string
	namespace string
	flags     *genericclioptions.ConfigFlags
}

// Page is a batch of pods from one cluster (Client nil for manifests).
type Page struct {
	Context string
	Client  *kube.Client
	Targets []Target
}

// AddFlags registers the targets' flags, --context (repeatable), --all-contexts and --chunk-size.
func (o *ScanOptions) AddFlags(cmd *cobra.Command) {
	o.Targets.AddFlags(cmd, true)
	// Shadows kubectl's single --context of the root command: several clusters in one run.
	cmd.Flags().StringArrayVar(&o.Contexts, "context", nil, "Kubeconfig context to read; repeat for several clusters, read in parallel")
	cmd.Flags().BoolVar(&o.AllContexts, "all-contexts", false, "Read every context of the kubeconfig, in parallel")
	cmd.Flags().Int64Var(&o.ChunkSize, "chunk-size", kube.DefaultChunkSize, "Return large lists in chunks rather than all at once (0 disables), as kubectl get")
}

// Complete resolves the clusters to read and their namespaces.
func (o *ScanOptions) Complete(getter genericclioptions.RESTClientGetter, in io.Reader, args []string) error {
	// Checked before the kubeconfig is read: the flags alone are wrong.
	if len(o.Contexts) > 0 && o.AllContexts {
		return errors.New("use --context or --all-contexts, not both")
	}
	flags, isFlags := getter.(*genericclioptions.ConfigFlags)
	if (len(o.Contexts) > 0 || o.AllContexts) && !isFlags {
		return errors.New("--context and --all-contexts need kubectl's kubeconfig flags")
	}
	if len(o.Contexts) == 1 {
		// One context: the usual path, as if kubectl's --context had been given.
		flags.Context = &o.Contexts[0]
	}
	if err := o.Targets.Complete(getter, in, args); err != nil {
		return err
	}
	if o.Targets.FromFiles() {
		return nil
	}
	names := o.Contexts
	if o.AllContexts {
		raw, err := getter.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			return kubeconfigError(err)
		}
		names = names[:0:0]
		for name := range raw.Contexts {
			names = append(names, name)
		}
		sort.Strings(names)
		if len(names) == 0 {
			return kubeconfigError(errors.New("the kubeconfig has no contexts"))
		}
	}
	if len(names) <= 1 {
		o.clusters = []cluster{{context: first(names), namespace: o.Targets.Namespace}}
		return nil
	}
	for _, name := range names {
		f := flagsForContext(flags, name)
		ns := o.Targets.Namespace
		if flags.Namespace == nil || *flags.Namespace == "" {
			var err error
			if ns, _, err = f.ToRawKubeConfigLoader().Namespace(); err != nil {
				return kubeconfigError(err)
			}
		}
		o.clusters = append(o.clusters, cluster{context: name, namespace: ns, flags: f})
	}
	return nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Validate checks the targets: unlike describe, no name means the namespace.
func (o *ScanOptions) Validate() error {
	if o.ChunkSize < 0 {
		return errors.New("--chunk-size must be >= 0")
	}
	if o.Targets.FromFiles() && (len(o.Contexts) > 0 || o.AllContexts) {
		return errors.New("-f reads manifests, not clusters: drop --context/--all-contexts")
	}
	if len(o.Targets.Args) == 0 && o.Targets.Selector == "" && !o.Targets.FromFiles() {
		return nil
	}
	return o.Targets.Validate()
}

// MultiCluster tells whether rows must say their context.
func (o *ScanOptions) MultiCluster() bool { return len(o.clusters) > 1 }

// Scan hands every page of pods to fn, one call at a time. A cluster that
// fails is reported in the returned list and does not stop the others; an
// error from fn or from reading manifests stops the scan.
func (o *ScanOptions) Scan(ctx context.Context, fn func(Page) error) ([]printers.ScanError, error) {
	if o.Targets.FromFiles() {
		targets, err := o.Targets.Pods(ctx)
		if err != nil {
			return nil, err
		}
		return nil, fn(Page{Targets: targets})
	}
	var (
		mu      sync.Mutex
		fatal   error
		errs    = make([]error, len(o.clusters))
		wg      sync.WaitGroup
		ctx2, c = context.WithCancel(ctx)
	)
	defer c()
	emit := func(p Page) error {
		mu.Lock()
		defer mu.Unlock()
		if fatal != nil {
			return fatal
		}
		if err := fn(p); err != nil {
			fatal = err
			c()
			return err
		}
		return nil
	}
	for i, cl := range o.clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = o.scanCluster(ctx2, cl, emit)
		}()
	}
	wg.Wait()
	if fatal != nil {
		return nil, fatal
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []printers.ScanError
	for i, err := range errs {
		if err != nil {
			out = append(out, printers.ScanError{Context: o.clusters[i].context, Error: err.Error()})
		}
	}
	return out, nil
}

func (o *ScanOptions) scanCluster(ctx context.Context, cl cluster, emit func(Page) error) error {
	var cs kubernetes.Interface
	var err error
	switch {
	case len(o.clusters) == 1:
		cs, err = o.Targets.NewClient()
	case o.NewClientFor != nil:
		cs, err = o.NewClientFor(cl.flags)
	default:
		cs, err = newClientFrom(cl.flags)
	}
	if err != nil {
		return err
	}
	kc := &kube.Client{CS: cs}
	page := func(pods []Target) Page { return Page{Context: cl.context, Client: kc, Targets: pods} }
	if len(o.Targets.Args) > 0 {
		pods, err := kc.Pods(ctx, kube.Query{Namespace: cl.namespace, Names: o.Targets.Args})
		if err != nil {
			return err
		}
		return emit(page(targetsOf(pods)))
	}
	ns := cl.namespace
	if o.Targets.AllNamespaces {
		ns = ""
	}
	return kc.PodPages(ctx, ns, o.Targets.Selector, o.ChunkSize, func(pods []corev1.Pod) error {
		return emit(page(targetsOf(pods)))
	})
}

// flagsForContext copies the kubeconfig flags for another context.
func flagsForContext(base *genericclioptions.ConfigFlags, name string) *genericclioptions.ConfigFlags {
	f := genericclioptions.NewConfigFlags(true)
	f.KubeConfig, f.CacheDir, f.Namespace = base.KubeConfig, base.CacheDir, base.Namespace
	f.Impersonate, f.ImpersonateUID, f.ImpersonateGroup = base.Impersonate, base.ImpersonateUID, base.ImpersonateGroup
	f.Timeout, f.Insecure = base.Timeout, base.Insecure
	f.Context = &name
	return f
}

// newClientFrom builds the clientset of one context.
func newClientFrom(getter genericclioptions.RESTClientGetter) (kubernetes.Interface, error) {
	cfg, err := restConfig(getter)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

func targetsOf(pods []corev1.Pod) []Target {
	out := make([]Target, len(pods))
	for i := range pods {
		out[i] = Target{Pod: &pods[i]}
	}
	return out
}
