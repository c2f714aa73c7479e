package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
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
