package cmd

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/kube"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/scaffold"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/workload"
)

// binaryName is the executable kubectl runs for `kubectl pods-pattern`; the
// scripts of `completion` complete it when it is called by that name.
const binaryName = "kubectl-pods_pattern"

// completionTimeout bounds each API call made for a TAB: a shell that hangs
// on an unreachable cluster is worse than no suggestions.
const completionTimeout = 5 * time.Second

// CompletionOptions are the options of `completion`.
type CompletionOptions struct {
	Shell string
	root  *cobra.Command
	genericiooptions.IOStreams
}

// NewCompletionOptions returns the options with their defaults.
func NewCompletionOptions(streams genericiooptions.IOStreams) *CompletionOptions {
	return &CompletionOptions{IOStreams: streams}
}

// NewCmdCompletion builds `completion bash|zsh|fish|powershell`.
func NewCmdCompletion(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewCompletionOptions(streams)
	shells := []string{"bash", "zsh", "fish", "powershell"}
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script for kubectl-pods_pattern",
		Long: `Completion works in two ways.

Through kubectl (1.26 or newer, with kubectl's own completion loaded): kubectl completes
"kubectl pods-pattern ..." by running the executable kubectl_complete-pods_pattern from PATH.
It ships next to the plugin (in the release archive and in krew's store); put it on PATH.

For the binary called directly as kubectl-pods_pattern, load the script this command prints.`,
		Example: `  # kubectl pods-pattern <TAB> (kubectl >= 1.26), after installing with krew
  cp "${KREW_ROOT:-$HOME/.krew}"/store/pods-pattern/*/kubectl_complete-pods_pattern "${KREW_ROOT:-$HOME/.krew}/bin/"

  # kubectl-pods_pattern <TAB>
  source <(kubectl pods-pattern completion bash)
  kubectl pods-pattern completion zsh > "${fpath[1]}/_kubectl-pods_pattern"
  kubectl pods-pattern completion fish > ~/.config/fish/completions/kubectl-pods_pattern.fish
  kubectl pods-pattern completion powershell | Out-String | Invoke-Expression`,
		ValidArgs:             shells,
		DisableFlagsInUseLine: true,
		RunE:                  runE(o),
	}
	return cmd
}

// Complete takes the shell from the arguments, and the command tree the
// script completes.
func (o *CompletionOptions) Complete(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("name one shell: bash, zsh, fish or powershell")
	}
	o.Shell, o.root = args[0], cmd.Root()
	return nil
}

// Validate checks the shell.
func (o *CompletionOptions) Validate() error {
	switch o.Shell {
	case "bash", "zsh", "fish", "powershell":
		return nil
	}
	return fmt.Errorf("unsupported shell %q: use bash, zsh, fish or powershell", o.Shell)
}

// Run prints the script.
func (o *CompletionOptions) Run(context.Context) error {
	root := o.root
	// Cobra names the completed command after the root's Use, which is the
	// plugin name as kubectl shows it; the shell sees the binary's name.
	root.Use = binaryName
	switch o.Shell {
	case "bash":
		return root.GenBashCompletionV2(o.Out, true)
	case "zsh":
		return root.GenZshCompletion(o.Out)
	case "fish":
		return root.GenFishCompletion(o.Out, true)
	default:
		return root.GenPowerShellCompletionWithDesc(o.Out)
	}
}

// completer answers shell completion from the cluster that kubectl's flags
// (-n, --context, --kubeconfig, ...) point at: cobra has parsed them into
// the ConfigFlags by the time a completion function runs.
type completer struct {
	getter genericclioptions.RESTClientGetter
	// newClient may be replaced in tests (a fake clientset).
	newClient func() (kubernetes.Interface, error)
}

func newCompleter(getter genericclioptions.RESTClientGetter) *completer {
	return &completer{getter: getter, newClient: func() (kubernetes.Interface, error) { return newClientset(getter) }}
}

// completePods completes POD and TYPE/NAME arguments: pod names of the
// namespace, and after "TYPE/" the names of that type. Names already on the
// command line are left out.
func completePods(getter genericclioptions.RESTClientGetter) cobra.CompletionFunc {
	return newCompleter(getter).podsAndRefs
}

// completeContainers completes -c with the container names of the pods named
// by the arguments (or by -l when the command has it).
func completeContainers(getter genericclioptions.RESTClientGetter) cobra.CompletionFunc {
	return newCompleter(getter).containers
}

// completeNamespaces completes -n.
func completeNamespaces(getter genericclioptions.RESTClientGetter) cobra.CompletionFunc {
	return newCompleter(getter).namespaces
}

// completeRoles completes a comma-separated list of roles (--role main,sidecar).
func completeRoles() cobra.CompletionFunc {
	return completeList(classify.RoleStrings())
}

// completePatterns completes scaffold's PATTERN, then the example after
// "seed"; NAME is the user's to choose.
func completePatterns() cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch {
		case len(args) == 0:
			var out []cobra.Completion
			for _, p := range scaffold.Patterns {
				if strings.HasPrefix(string(p), toComplete) {
					out = append(out, string(p))
				}
			}
			if strings.HasPrefix("seed", toComplete) {
				out = append(out, cobra.CompletionWithDesc("seed", "the seed lab's pods: "+strings.Join(scaffold.ExampleNames(), ", ")))
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		case len(args) == 1 && args[0] == "seed":
			return withPrefix(scaffold.ExampleNames(), toComplete), cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeScaffoldKinds completes scaffold's --kind.
func completeScaffoldKinds() cobra.CompletionFunc {
	kinds := make([]string, len(scaffold.Kinds))
	for i, k := range scaffold.Kinds {
		kinds[i] = string(k)
	}
	return completeChoices(kinds...)
}

// completeList completes a comma-separated list of fixed values, each once.
func completeList(values []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cut := strings.LastIndex(toComplete, ",") + 1
		done, last := toComplete[:cut], toComplete[cut:]
		chosen := map[string]bool{}
		for _, v := range strings.Split(done, ",") {
			chosen[v] = true
		}
		var out []cobra.Completion
		for _, v := range values {
			if !chosen[v] && strings.HasPrefix(v, last) {
				out = append(out, done+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeChoices completes a flag that takes one of a few fixed values.
func completeChoices(values ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}

// registerCompletions completes the values of kubectl's flags that name
// things in the kubeconfig or the cluster, and fills in what a subcommand
// left out (see registerTargetCompletions).
func registerCompletions(root *cobra.Command, getter genericclioptions.RESTClientGetter) {
	for _, cmd := range root.Commands() {
		registerTargetCompletions(cmd, getter)
	}
	kubeconfigNames := func(pick func(raw kubeconfigView) []string) cobra.CompletionFunc {
		return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			raw, err := getter.ToRawKubeConfigLoader().RawConfig()
			if err != nil {
				cobra.CompDebugln("kubeconfig: "+err.Error(), false)
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			view := kubeconfigView{}
			for name := range raw.Contexts {
				view.contexts = append(view.contexts, name)
			}
			for name := range raw.Clusters {
				view.clusters = append(view.clusters, name)
			}
			for name := range raw.AuthInfos {
				view.users = append(view.users, name)
			}
			names := pick(view)
			sort.Strings(names)
			return withPrefix(names, toComplete), cobra.ShellCompDirectiveNoFileComp
		}
	}
	register := func(name string, f cobra.CompletionFunc) {
		if root.PersistentFlags().Lookup(name) == nil {
			return
		}
		// Only fails when the flag is unknown (checked) or already registered.
		_ = root.RegisterFlagCompletionFunc(name, f)
	}
	register("namespace", completeNamespaces(getter))
	contexts := kubeconfigNames(func(v kubeconfigView) []string { return v.contexts })
	register("context", contexts)
	// summary and doctor shadow --context with a repeatable flag of their own.
	for _, cmd := range root.Commands() {
		if cmd.LocalNonPersistentFlags().Lookup("context") != nil {
			_ = cmd.RegisterFlagCompletionFunc("context", contexts)
		}
	}
	register("cluster", kubeconfigNames(func(v kubeconfigView) []string { return v.clusters }))
	register("user", kubeconfigNames(func(v kubeconfigView) []string { return v.users }))
}

type kubeconfigView struct{ contexts, clusters, users []string }

// registerTargetCompletions gives the shared flags their completion where
// the command has not registered one itself: every command built on
// TargetOptions (it has --selector) takes POD and TYPE/NAME arguments; -c
// names containers of those pods, --role takes roles, --color its three
// values. A command's own registration wins (cobra refuses a second one).
func registerTargetCompletions(cmd *cobra.Command, getter genericclioptions.RESTClientGetter) {
	has := func(name string) bool { return cmd.Flags().Lookup(name) != nil }
	if has("selector") && cmd.ValidArgsFunction == nil && cmd.ValidArgs == nil {
		cmd.ValidArgsFunction = completePods(getter)
	}
	for name, f := range map[string]cobra.CompletionFunc{
		"container": completeContainers(getter),
		"role":      completeRoles(),
		"color":     completeChoices("auto", "always", "never"),
	} {
		if has(name) {
			_ = cmd.RegisterFlagCompletionFunc(name, f)
		}
	}
}

func (c *completer) podsAndRefs(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if fileFlagSet(cmd) {
		// -f names the pods; more arguments would be rejected.
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	given := map[string]bool{}
	for _, a := range args {
		given[a] = true
	}
	if typ, prefix, found := strings.Cut(toComplete, "/"); found {
		canonical, ok := kube.CanonicalType(typ)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := c.names(cmd, canonical)
		var out []cobra.Completion
		for _, n := range withPrefix(names, prefix) {
			if ref := typ + "/" + n; !given[ref] {
				out = append(out, ref)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, n := range withPrefix(c.names(cmd, "pod"), toComplete) {
		if !given[n] {
			out = append(out, n)
		}
	}
	directive := cobra.ShellCompDirectiveNoFileComp
	// Offer "deploy/" and friends once the user has started typing one, not
	// on an empty word where pod names are what people look for.
	if toComplete != "" {
		for _, alias := range withPrefix(typeWords(), toComplete) {
			out = append(out, alias+"/")
			directive |= cobra.ShellCompDirectiveNoSpace
		}
	}
	return out, directive
}

func (c *completer) containers(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	selector := ""
	if f := cmd.Flags().Lookup("selector"); f != nil {
		selector = f.Value.String()
	}
	if len(args) == 0 && selector == "" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ns, err := c.namespace()
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	cs, err := c.newClient()
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := completionContext(cmd)
	defer cancel()
	pods, err := (&kube.Client{CS: cs}).Pods(ctx, kube.Query{Namespace: ns, Names: args, Selector: selector})
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return withPrefix(containerNames(pods), toComplete), cobra.ShellCompDirectiveNoFileComp
}

func (c *completer) namespaces(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cs, err := c.newClient()
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := completionContext(cmd)
	defer cancel()
	names, err := (&kube.Client{CS: cs}).Namespaces(ctx)
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return withPrefix(names, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// names lists the objects of a type in the namespace of the flags; on any
// error it offers nothing (the reason goes to cobra's debug log, see
// BASH_COMP_DEBUG_FILE), as a shell completion must not print errors.
func (c *completer) names(cmd *cobra.Command, typ string) []string {
	ns, err := c.namespace()
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil
	}
	cs, err := c.newClient()
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil
	}
	ctx, cancel := completionContext(cmd)
	defer cancel()
	names, err := (&kube.Client{CS: cs}).Names(ctx, ns, typ)
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil
	}
	return names
}

func (c *completer) namespace() (string, error) {
	ns, _, err := c.getter.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", kubeconfigError(err)
	}
	return ns, nil
}

func completionContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, completionTimeout)
}

// containerNames lists the containers of the pods in start order (init and
// native sidecars, then app containers, then ephemeral), each name once.
func containerNames(pods []corev1.Pod) []string {
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, p := range pods {
		for _, c := range p.Spec.InitContainers {
			add(c.Name)
		}
		for _, c := range p.Spec.Containers {
			add(c.Name)
		}
		for _, c := range p.Spec.EphemeralContainers {
			add(c.Name)
		}
	}
	return out
}

// typeWords are the TYPE spellings offered by completion: the names and
// short names of the kinds TYPE/NAME accepts, not the plurals, so that "d"
// offers deploy/ and deployment/, not deployments/ too.
func typeWords() []string {
	var out []string
	for _, k := range workload.Filter(workload.Selectable) {
		out = append(out, k.Name)
		out = append(out, k.Short...)
	}
	sort.Strings(out)
	return out
}

func fileFlagSet(cmd *cobra.Command) bool {
	f := cmd.Flags().Lookup("filename")
	return f != nil && f.Changed
}

func withPrefix(values []string, prefix string) []string {
	var out []string
	for _, v := range values {
		if strings.HasPrefix(v, prefix) {
			out = append(out, v)
		}
	}
	return out
}
