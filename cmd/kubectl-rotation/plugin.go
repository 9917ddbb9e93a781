package main

import (
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The names the tool goes by. kubectl finds a plugin by its file name:
// kubectl-rotation is `kubectl rotation` (go install, make install, the
// release archives); the krew plugin secret-rotation is installed by krew as
// kubectl-secret_rotation, which kubectl runs as `kubectl secret-rotation`.
// Help, usage lines, error hints and the completion script follow the name
// the binary was started by.
const (
	defaultBinaryName  = "kubectl-rotation"
	defaultDisplayName = "kubectl rotation"
)

// pluginFileName matches the file name of a kubectl plugin: kubectl-
// followed by lowercase words joined by '_' (one command word) or '-'
// (subcommands).
var pluginFileName = regexp.MustCompile(`^kubectl-[a-z0-9]+([_-][a-z0-9]+)*$`)

// pluginNames returns the binary's name and the kubectl command line that
// runs it, from argv0 (os.Args[0]) the way kubectl maps file names to
// commands: kubectl-secret_rotation is "kubectl secret-rotation". A name
// that is not a plugin's (a test binary, go run's temporary file) gives
// kubectl-rotation and "kubectl rotation".
func pluginNames(argv0 string) (binary, display string) {
	base := strings.TrimSuffix(filepath.Base(argv0), ".exe")
	if !pluginFileName.MatchString(base) {
		return defaultBinaryName, defaultDisplayName
	}
	words := strings.Split(strings.TrimPrefix(base, "kubectl-"), "-")
	for i, w := range words {
		words[i] = strings.ReplaceAll(w, "_", "-")
	}
	return base, "kubectl " + strings.Join(words, " ")
}

// renameInHelp replaces "kubectl rotation" in the help of root and its
// subcommands (short and long help, examples, every flag's usage) with
// display, when the binary runs under another name.
func renameInHelp(root *cobra.Command, display string) {
	if display == defaultDisplayName {
		return
	}
	rename := func(s string) string { return strings.ReplaceAll(s, defaultDisplayName, display) }
	seen := map[*pflag.Flag]bool{} // a flag shared by several sets is renamed once
	renameFlag := func(f *pflag.Flag) {
		if !seen[f] {
			seen[f] = true
			f.Usage = rename(f.Usage)
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Short, c.Long, c.Example = rename(c.Short), rename(c.Long), rename(c.Example)
		c.Flags().VisitAll(renameFlag)
		c.PersistentFlags().VisitAll(renameFlag)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
