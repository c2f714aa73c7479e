package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Result is what a finished command printed and how it exited.
type Result struct {
	Args     []string
	Stdout   string
	Stderr   string
	ExitCode int
}

func (r Result) String() string {
	return fmt.Sprintf("$ %s\nexit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(r.Args, " "), r.ExitCode, r.Stdout, r.Stderr)
}

// HasPlugin reports whether the plugin binary has been built.
func (c *Cluster) HasPlugin() bool {
	st, err := os.Stat(c.PluginPath)
	return err == nil && !st.IsDir()
}

// KubectlPath is the kubectl built by hack/build-tools.sh.
func (c *Cluster) KubectlPath() string {
	return filepath.Join(c.BinDir, "kubectl")
}

// Env is the environment commands run in: KUBECONFIG is the harness's, and
// PATH starts with the plugin's directory and kubectl's.
func (c *Cluster) Env() []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "KUBECONFIG=") || strings.HasPrefix(kv, "PATH=") {
			continue
		}
		env = append(env, kv)
	}
	path := filepath.Dir(c.PluginPath) + string(os.PathListSeparator) + c.BinDir
	if p := os.Getenv("PATH"); p != "" {
		path += string(os.PathListSeparator) + p
	}
	return append(env, "KUBECONFIG="+c.Kubeconfig, "PATH="+path)
}

// Command returns kubectl with args, ready to start (for follows, which the
// caller reads while it runs).
func (c *Cluster) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.KubectlPath(), args...)
	cmd.Env = c.Env()
	return cmd
}

// Kubectl runs kubectl with args to the end. The error is only for a command
// that could not run; a non-zero exit is in Result.ExitCode.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) (Result, error) {
	return c.run(ctx, nil, args...)
}

// KubectlStdin is Kubectl with stdin.
func (c *Cluster) KubectlStdin(ctx context.Context, stdin io.Reader, args ...string) (Result, error) {
	return c.run(ctx, stdin, args...)
}

// Plugin runs `kubectl pods-pattern args...`, the way users run the plugin.
func (c *Cluster) Plugin(ctx context.Context, args ...string) (Result, error) {
	if !c.HasPlugin() {
		return Result{}, fmt.Errorf("plugin binary %s not built (make build)", c.PluginPath)
	}
	return c.run(ctx, nil, append([]string{"pods-pattern"}, args...)...)
}

func (c *Cluster) run(ctx context.Context, stdin io.Reader, args ...string) (Result, error) {
	cmd := c.Command(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &stdout, &stderr, stdin
	err := cmd.Run()
	res := Result{Args: append([]string{"kubectl"}, args...), Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr) && ctx.Err() == nil:
		res.ExitCode = exitErr.ExitCode()
	case err != nil:
		return res, fmt.Errorf("run %s: %w", strings.Join(res.Args, " "), err)
	}
	return res, nil
}
