// Command kubectl-pods_pattern is the kubectl plugin `kubectl pods-pattern`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := cmd.NewRootCmd(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	err := root.ExecuteContext(ctx)
	interrupted := ctx.Err() != nil
	stop()
	switch {
	case interrupted && (err == nil || errors.Is(err, context.Canceled)):
		// Ctrl-C ends a follow or watch: exit like a shell would for SIGINT.
		os.Exit(130)
	case err != nil:
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
