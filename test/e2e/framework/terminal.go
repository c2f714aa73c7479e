package framework

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// PluginInTerminal runs `kubectl pods-pattern args...` inside a
// pseudo-terminal of the given width, the way a person at a terminal does:
// the plugin finds the width from its output, not from $COLUMNS, which is
// left out of the environment. util-linux's script(1) opens the terminal
// and stty sets its window size; stdout is what the terminal showed, with
// colours left out and CRLF read as LF.
func (c *Cluster) PluginInTerminal(ctx context.Context, columns int, args ...string) (Result, error) {
	if !c.HasPlugin() {
		return Result{}, fmt.Errorf("plugin binary %s not built (make build)", c.PluginPath)
	}
	script, err := exec.LookPath("script")
	if err != nil {
		return Result{}, fmt.Errorf("script(1) from util-linux runs the plugin in a terminal: %w", err)
	}
	words := []string{shellQuote(c.KubectlPath()), "pods-pattern"}
	for _, a := range args {
		words = append(words, shellQuote(a))
	}
	line := fmt.Sprintf("stty cols %d rows 60 && exec %s", columns, strings.Join(words, " "))
	cmd := exec.CommandContext(ctx, script, "--quiet", "--return", "--command", line, "/dev/null")
	for _, kv := range c.Env() {
		if !strings.HasPrefix(kv, "COLUMNS=") && !strings.HasPrefix(kv, "NO_COLOR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.Output()
	res := Result{Args: append([]string{"kubectl", "pods-pattern"}, args...), Stdout: terminalText(out)}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr) && ctx.Err() == nil:
		res.ExitCode, res.Stderr = exitErr.ExitCode(), string(exitErr.Stderr)
	case err != nil:
		return res, fmt.Errorf("run %s in a terminal: %w", strings.Join(res.Args, " "), err)
	}
	return res, nil
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

func terminalText(out []byte) string {
	return sgr.ReplaceAllString(strings.ReplaceAll(string(out), "\r\n", "\n"), "")
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
