package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/manifest"
)

// TargetOptions resolve what a command works on: POD, TYPE/NAME, -l, -A or
// -f. Shared by describe, init and logs so that they read targets alike.
type TargetOptions struct {
	Selector      string
	AllNamespaces bool
	Filenames     []string
	RulesFile     string

	Args      []string
	Namespace string

	getter genericclioptions.RESTClientGetter
	in     io.Reader
	// NewClient builds the clientset; tests replace it with a fake one.
	// After Complete it builds one clientset per run, however often called.
	NewClient func() (kubernetes.Interface, error)
}

// Target is one pod to work on.
type Target struct {
	Pod      *corev1.Pod
	Source   string // the workload template it came from, for -f
	FromFile bool
}

// AddFlags registers -l, -A, -f and --rules.
func (o *TargetOptions) AddFlags(cmd *cobra.Command, withFiles bool) {
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "Label selector (e.g. app=web) to pick pods")
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Look for pods in all namespaces (with -l, or alone for every pod)")
	if withFiles {
		cmd.Flags().StringSliceVarP(&o.Filenames, "filename", "f", nil, "Manifest file, directory or - for stdin: inspected with no cluster")
	}
	cmd.Flags().StringVar(&o.RulesFile, "rules", "", "Extra role rules file (format of the built-in rules.yaml), tried before the built-in ones; default $XDG_CONFIG_HOME/pods-pattern/rules.yaml when present")
}

// Complete reads the namespace from the kubeconfig (unless only files are used).
func (o *TargetOptions) Complete(getter genericclioptions.RESTClientGetter, in io.Reader, args []string) error {
	o.getter, o.in, o.Args = getter, in, args
	if o.NewClient == nil {
		o.NewClient = o.newClient
	}
	o.NewClient = sync.OnceValues(o.NewClient)
	if len(o.Filenames) > 0 {
		o.Namespace = flagNamespace(getter)
		return nil
	}
	ns, _, err := getter.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return kubeconfigError(err)
	}
	o.Namespace = ns
	return nil
}

// Validate checks that exactly one way of naming pods is used.
func (o *TargetOptions) Validate() error {
	if len(o.Filenames) > 0 {
		if len(o.Args) > 0 || o.Selector != "" {
			return errors.New("-f cannot be combined with pod names or -l")
		}
		return nil
	}
	if len(o.Args) == 0 && o.Selector == "" && !o.AllNamespaces {
		return errors.New("name a pod, TYPE/NAME (e.g. deploy/web), -l SELECTOR or -f FILE")
	}
	if len(o.Args) > 0 && o.Selector != "" {
		return errors.New("name pods or use -l, not both")
	}
	if o.AllNamespaces && len(o.Args) > 0 {
		return errors.New("-A works with -l (or alone), not with names: use -n NAMESPACE")
	}
	for _, a := range o.Args {
		if _, err := kube.ParseRef(a); err != nil {
			return err
		}
	}
	return nil
}

// FromFiles tells whether the targets come from manifests (no cluster).
func (o *TargetOptions) FromFiles() bool { return len(o.Filenames) > 0 }

// Pods resolves the targets.
func (o *TargetOptions) Pods(ctx context.Context) ([]Target, error) {
	if o.FromFiles() {
		return o.filePods()
	}
	client, err := o.Client()
	if err != nil {
		return nil, err
	}
	q := kube.Query{Namespace: o.Namespace, AllNamespaces: o.AllNamespaces, Names: o.Args, Selector: o.Selector}
	pods, err := client.Pods(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]Target, len(pods))
	for i := range pods {
		out[i] = Target{Pod: &pods[i]}
	}
	return out, nil
}

// Rules are the user's rules (if any) followed by the built-in ones.
func (o *TargetOptions) Rules() (classify.Rules, error) {
	path, explicit := o.RulesFile, o.RulesFile != ""
	if !explicit {
		dir := os.Getenv("XDG_CONFIG_HOME")
		if dir == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return classify.BuiltinRules(), nil
			}
			dir = filepath.Join(home, ".config")
		}
		path = filepath.Join(dir, "pods-pattern", "rules.yaml")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return classify.BuiltinRules(), nil
		}
		return nil, fmt.Errorf("cannot read rules file: %w", err)
	}
	user, err := classify.ParseRules(data)
	if err != nil {
		return nil, fmt.Errorf("rules file %s: %w", path, err)
	}
	return append(user, classify.BuiltinRules()...), nil
}

// Client is the run's API client: after Complete, one per run.
func (o *TargetOptions) Client() (*kube.Client, error) {
	cs, err := o.NewClient()
	if err != nil {
		return nil, err
	}
	return &kube.Client{CS: cs}, nil
}

func (o *TargetOptions) newClient() (kubernetes.Interface, error) {
	cfg, err := o.restConfig()
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// restConfig is the kubeconfig's REST config, with the same checks and
// messages for every command.
func (o *TargetOptions) restConfig() (*rest.Config, error) { return restConfig(o.getter) }

// restConfig reads the REST config from kubectl's flags and kubeconfig.
// Without any kubeconfig client-go falls back to localhost:8080; it says
// what is missing instead.
func restConfig(getter genericclioptions.RESTClientGetter) (*rest.Config, error) {
	if !serverFlagSet(getter) {
		raw, err := getter.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			return nil, kubeconfigError(err)
		}
		if len(raw.Clusters) == 0 {
			return nil, kubeconfigError(clientcmd.ErrEmptyConfig)
		}
	}
	cfg, err := getter.ToRESTConfig()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	return cfg, nil
}

// newClientset is the clientset of the cluster kubectl's flags name.
func newClientset(getter genericclioptions.RESTClientGetter) (kubernetes.Interface, error) {
	cfg, err := restConfig(getter)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// serverFlagSet: --server names a cluster even with no kubeconfig.
func serverFlagSet(getter genericclioptions.RESTClientGetter) bool {
	f, ok := getter.(*genericclioptions.ConfigFlags)
	return ok && f.APIServer != nil && *f.APIServer != ""
}

// flagNamespace is -n as given, read without a kubeconfig: a manifest
// needs no cluster, and only an explicit -n goes into one.
func flagNamespace(getter genericclioptions.RESTClientGetter) string {
	if f, ok := getter.(*genericclioptions.ConfigFlags); ok {
		if f.Namespace != nil {
			return *f.Namespace
		}
		return ""
	}
	if getter == nil {
		return ""
	}
	ns, explicit, err := getter.ToRawKubeConfigLoader().Namespace()
	if err != nil || !explicit {
		return ""
	}
	return ns
}

func kubeconfigError(err error) error {
	if clientcmd.IsEmptyConfig(err) {
		return errors.New("no Kubernetes cluster configured: set KUBECONFIG or --kubeconfig, or use -f FILE to inspect a manifest without a cluster")
	}
	return fmt.Errorf("kubeconfig: %w", err)
}

func (o *TargetOptions) filePods() ([]Target, error) {
	var out []Target
	for _, name := range o.Filenames {
		paths, err := expandPath(name)
		if err != nil {
			return nil, err
		}
		for _, path := range paths {
			pods, err := o.decodeFile(path)
			if err != nil {
				return nil, err
			}
			for _, p := range pods {
				if p.Pod.Namespace == "" && o.Namespace != "" {
					p.Pod.Namespace = o.Namespace
				}
				out = append(out, Target{Pod: p.Pod, Source: p.Source, FromFile: true})
			}
		}
	}
	return out, nil
}

func (o *TargetOptions) decodeFile(path string) ([]manifest.Pod, error) {
	if path == "-" {
		return manifest.Decode(o.in, "stdin")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read manifest: %w", err)
	}
	defer func() { _ = f.Close() }()
	return manifest.Decode(f, path)
}

// expandPath lists the manifests of a directory (not recursive), or the file.
func expandPath(name string) ([]string, error) {
	if name == "-" {
		return []string{name}, nil
	}
	info, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read manifest: %w", err)
	}
	if !info.IsDir() {
		return []string{name}, nil
	}
	entries, err := os.ReadDir(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read manifest directory: %w", err)
	}
	var out []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			out = append(out, filepath.Join(name, e.Name()))
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no .yaml, .yml or .json files", name)
	}
	return out, nil
}
