package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
)

func forbidden(resource string) error {
	return apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "", os.ErrPermission)
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

// writeKubeconfig writes a kubeconfig whose current context "lab" points at
// server with namespace as its namespace; context "other" has namespace
// "other". It returns the file's path.
func writeKubeconfig(t *testing.T, server, namespace string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster: {server: %q}
users:
- name: me
  user: {token: t}
contexts:
- name: lab
  context: {cluster: lab, user: me, namespace: %q}
- name: other
  context: {cluster: lab, user: me, namespace: other}
current-context: lab
`, server, namespace)
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

// testView sets a view command up for a unit test: namespace "default", no
// colour, no terminal, the clock at 2026-11-26, no user config.
func testView(t *testing.T, v *viewOptions) {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	ns := "default"
	flags.Namespace = &ns
	v.getter, v.Color = flags, "never"
	v.width = func(io.Writer) int { return 0 }
	v.now = func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
}

// clientOrFail is a NewClient that returns cs, or fails the test when the
// command should not need a cluster (cs nil: -f).
func clientOrFail(t *testing.T, cs kubernetes.Interface) func() (kubernetes.Interface, error) {
	return func() (kubernetes.Interface, error) {
		if cs == nil {
			t.Fatal("no cluster for -f")
		}
		return cs, nil
	}
}

// runOptions runs o with args the way runE does.
func runOptions(o options, args []string) error {
	cmd := &cobra.Command{}
	cmd.SetContext(context.Background())
	return runE(o)(cmd, args)
}

func TestViewTableWidth(t *testing.T) {
	v := viewOptions{width: func(io.Writer) int { return 90 }}
	assert.Equal(t, 90, v.tableWidth(), "the terminal's width")
	v.Output = "wide"
	assert.Equal(t, 0, v.tableWidth(), "-o wide prints every column in full")
}
