package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Shell completion. Two ways lead here:
//
//   - kubectl-rotation completion bash|zsh|fish|powershell prints cobra's
//     script for the binary invoked by its own name;
//   - kubectl (>= 1.26) completes `kubectl rotation <TAB>` by running
//     kubectl_complete-rotation from the PATH (scripts/kubectl_complete-rotation,
//     installed beside the binary), which runs `kubectl-rotation __complete`.
//
// Both end in cobra's hidden __complete command, which asks the functions
// registered here for flag values.

// namespaceCompletionTimeout bounds the request that lists namespaces for
// --namespace: a shell waiting on <TAB> must not hang on an unreachable API
// server (kubectl itself has no bound there).
const namespaceCompletionTimeout = 3 * time.Second

// completionLong is the completion command's help; %[1]s is the binary's
// name, %[2]s the kubectl command line, %[3]s the completion script's name.
const completionLong = `Generate the autocompletion script of %[1]s for the specified shell.
See each sub-command's help for details on how to use the generated script.

This completes the binary invoked by its own name (%[1]s ...).
'%[2]s <TAB>' is completed by kubectl itself (1.26 or newer), which runs
%[3]s from the PATH: put that script (in the release archive, installed by
'make install') beside the %[1]s binary. See the README for krew.`

// setupCompletion adds cobra's completion command (with usage errors that
// exit exitUsage like every other command's) and registers the completion
// of flag values on root and its subcommands: kubeconfig names for
// --context, --cluster and --user, the API server's namespaces for
// --namespace, file kinds for the file flags, nothing for flags whose value
// cannot be guessed. Each command registers its own -o formats
// (registerOutputCompletion).
func (g *globalOptions) setupCompletion(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Long = fmt.Sprintf(completionLong, root.Name(), root.DisplayName(), completionScriptName(root.Name()))
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usage(fmt.Errorf("name the shell: %s completion bash|zsh|fish|powershell", c.Root().Name()))
			}
			return usage(fmt.Errorf("unknown shell %q: want bash, zsh, fish or powershell", args[0]))
		}
		for _, sh := range c.Commands() {
			sh.Args = usageArgs(cobra.NoArgs)
		}
	}

	kubeconfigNames := func(names func(*kubeconfigLists) []string) cobra.CompletionFunc {
		return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return withPrefix(names(g.kubeconfigLists()), toComplete), cobra.ShellCompDirectiveNoFileComp
		}
	}
	funcs := map[string]cobra.CompletionFunc{
		"context": kubeconfigNames(func(l *kubeconfigLists) []string { return l.contexts }),
		"cluster": kubeconfigNames(func(l *kubeconfigLists) []string { return l.clusters }),
		"user":    kubeconfigNames(func(l *kubeconfigLists) []string { return l.users }),
		"namespace": func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return withPrefix(g.namespaces(), toComplete), cobra.ShellCompDirectiveNoFileComp
		},
	}
	for name, f := range funcs {
		_ = root.RegisterFlagCompletionFunc(name, f)
	}
	for _, name := range []string{
		"vault-addr", "vault-namespace", "prometheus-url", "prometheus-service", "refresh", "source-timeout",
		"request-timeout", "v", "as", "as-group", "as-uid", "as-user-extra", "server", "tls-server-name", "token", "username", "password",
	} {
		if root.PersistentFlags().Lookup(name) != nil {
			_ = root.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
		}
	}
	// File flags: offer files of the kind they read (directories too).
	fileKinds := map[string][]string{
		"config":       {"yaml", "yml"},
		"vault-cacert": {"pem", "crt", "cer"},
		"journal":      {"jsonl"},
		"from":         {"json"},
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, exts := range fileKinds {
			if f := c.LocalNonPersistentFlags().Lookup(name); f != nil {
				_ = c.MarkFlagFilename(name, exts...)
			} else if f := c.PersistentFlags().Lookup(name); f != nil {
				_ = c.MarkPersistentFlagFilename(name, exts...)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completionScriptName is the name kubectl looks for on the PATH to complete
// the plugin binary: kubectl-secret_rotation is completed by
// kubectl_complete-secret_rotation.
func completionScriptName(binary string) string {
	return "kubectl_complete-" + strings.TrimPrefix(binary, "kubectl-")
}

// registerOutputCompletion makes -o/--output of cmd complete to formats.
func registerOutputCompletion(cmd *cobra.Command, formats ...string) {
	_ = cmd.RegisterFlagCompletionFunc("output", func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return withPrefix(formats, toComplete), cobra.ShellCompDirectiveNoFileComp
	})
}

// kubeconfigLists are the names a kubeconfig defines, each list sorted.
type kubeconfigLists struct {
	contexts, clusters, users []string
}

// kubeconfigLists reads the kubeconfig the flags point at (--kubeconfig,
// KUBECONFIG, ~/.kube/config), as kubectl's completion does; a kubeconfig
// that cannot be read gives empty lists.
func (g *globalOptions) kubeconfigLists() *kubeconfigLists {
	raw, err := g.configFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return &kubeconfigLists{}
	}
	l := &kubeconfigLists{}
	for name := range raw.Contexts {
		l.contexts = append(l.contexts, name)
	}
	for name := range raw.Clusters {
		l.clusters = append(l.clusters, name)
	}
	for name := range raw.AuthInfos {
		l.users = append(l.users, name)
	}
	slices.Sort(l.contexts)
	slices.Sort(l.clusters)
	slices.Sort(l.users)
	return l
}

// namespaces lists the API server's namespaces with the flags' kubeconfig,
// context and credentials, within namespaceCompletionTimeout. Any failure
// (no kubeconfig, unreachable server, not allowed to list namespaces) gives
// nil: completion offers nothing rather than an error in the shell.
func (g *globalOptions) namespaces() []string {
	rc, err := g.configFlags.ToRESTConfig()
	if err != nil {
		return nil
	}
	rc.Timeout = namespaceCompletionTimeout
	rc.UserAgent = userAgent()
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), namespaceCompletionTimeout)
	defer cancel()
	list, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(list.Items))
	for _, ns := range list.Items {
		names = append(names, ns.Name)
	}
	slices.Sort(names)
	return names
}

// withPrefix returns the names that start with prefix.
func withPrefix(names []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}
