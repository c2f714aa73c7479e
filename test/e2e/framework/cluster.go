// Package framework connects e2e tests (and hack/seedlab) to the control plane
// started by hack/cluster-up.sh: it creates pods on the lab node, sets their
// status the way a kubelet would, writes their logs for the test kubelet, and
// runs kubectl and the plugin as a user does.
package framework

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

// DefaultStateDir is where hack/cluster-up.sh keeps its state unless
// PODS_PATTERN_E2E_DIR says otherwise.
const DefaultStateDir = "/tmp/pods-pattern-e2e"

// PluginBinary is the file name kubectl looks for to run `kubectl pods-pattern`.
const PluginBinary = "kubectl-pods_pattern"

// Cluster is a running harness control plane.
type Cluster struct {
	// StateDir is the cluster-up state dir.
	StateDir string
	// Kubeconfig has the contexts admin (current) and viewer (no RBAC bindings).
	Kubeconfig string
	// BinDir holds kubectl, kube-apiserver and etcd.
	BinDir string
	// PKIDir holds ca.crt and the admin client certificate.
	PKIDir string
	// KubeletURL is the test kubelet's base URL.
	KubeletURL string
	// KubeletDir is where the test kubelet reads log files.
	KubeletDir string
	// Node is the name of the node pods run on.
	Node string
	// PluginPath is the plugin binary `kubectl pods-pattern` runs.
	PluginPath string
	// Client talks to the API server as admin.
	Client kubernetes.Interface
	// APIServerURL is the API server's address (https://127.0.0.1:PORT).
	APIServerURL string
	// MinRequestTimeout is the API server's --min-request-timeout: it closes
	// a watch that set no timeout of its own after 1 to 2 times this.
	MinRequestTimeout time.Duration

	kubeletHTTP *http.Client
}

// Load reads the cluster that hack/cluster-up.sh described in
// $PODS_PATTERN_E2E_DIR/cluster.env. It never uses the caller's own KUBECONFIG,
// so tests cannot touch a real cluster. The plugin binary is
// $PODS_PATTERN_PLUGIN or <repo>/bin/kubectl-pods_pattern.
func Load() (*Cluster, error) {
	stateDir := os.Getenv("PODS_PATTERN_E2E_DIR")
	if stateDir == "" {
		stateDir = DefaultStateDir
	}
	envFile := filepath.Join(stateDir, "cluster.env")
	env, err := readEnvFile(envFile)
	if err != nil {
		return nil, fmt.Errorf("no harness cluster in %s (start one with hack/cluster-up.sh, or set PODS_PATTERN_E2E_DIR): %w", stateDir, err)
	}
	c := &Cluster{
		StateDir:   stateDir,
		Kubeconfig: env["KUBECONFIG"],
		BinDir:     env["PODS_PATTERN_BIN_DIR"],
		PKIDir:     env["PODS_PATTERN_PKI_DIR"],
		KubeletURL: env["PODS_PATTERN_KUBELET_URL"],
		KubeletDir: env["PODS_PATTERN_KUBELET_DIR"],
		Node:       env["PODS_PATTERN_NODE"],
	}
	for name, v := range map[string]string{
		"KUBECONFIG": c.Kubeconfig, "PODS_PATTERN_BIN_DIR": c.BinDir, "PODS_PATTERN_PKI_DIR": c.PKIDir,
		"PODS_PATTERN_KUBELET_URL": c.KubeletURL, "PODS_PATTERN_KUBELET_DIR": c.KubeletDir, "PODS_PATTERN_NODE": c.Node,
	} {
		if v == "" {
			return nil, fmt.Errorf("%s has no %s", envFile, name)
		}
	}

	// Clusters started before the setting existed have the server's default.
	c.MinRequestTimeout = 1800 * time.Second
	if v := env["PODS_PATTERN_MIN_REQUEST_TIMEOUT"]; v != "" {
		secs, err := strconv.Atoi(v)
		if err != nil || secs <= 0 {
			return nil, fmt.Errorf("%s: PODS_PATTERN_MIN_REQUEST_TIMEOUT=%q is not a number of seconds", envFile, v)
		}
		c.MinRequestTimeout = time.Duration(secs) * time.Second
	}

	c.PluginPath = os.Getenv("PODS_PATTERN_PLUGIN")
	if c.PluginPath == "" {
		root, err := RepoRoot()
		if err != nil {
			return nil, err
		}
		c.PluginPath = filepath.Join(root, "bin", PluginBinary)
	}
	if filepath.Base(c.PluginPath) != PluginBinary {
		return nil, fmt.Errorf("PODS_PATTERN_PLUGIN=%s: kubectl only finds the plugin as a file named %s", c.PluginPath, PluginBinary)
	}

	config, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", c.Kubeconfig, err)
	}
	config.UserAgent = "pods-pattern-e2e"
	c.APIServerURL = config.Host
	// client-go's default limit (5 requests/s) would make every test wait.
	config.QPS, config.Burst = 200, 400
	if c.Client, err = kubernetes.NewForConfig(config); err != nil {
		return nil, err
	}
	if c.kubeletHTTP, err = kubeletClient(c.PKIDir); err != nil {
		return nil, err
	}
	return c, nil
}

func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s: malformed line %q", path, line)
		}
		env[k] = v
	}
	return env, sc.Err()
}

// RepoRoot returns the directory of this module's go.mod, found from the
// working directory up.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/pods-pattern/kubectl-pods-pattern\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the kubectl-pods-pattern module: cannot find the plugin binary (set PODS_PATTERN_PLUGIN)")
		}
		dir = parent
	}
}

// kubeletClient trusts the cluster CA and presents the admin certificate,
// which the test kubelet accepts as it accepts the API server's.
func kubeletClient(pkiDir string) (*http.Client, error) {
	caPEM, err := os.ReadFile(filepath.Join(pkiDir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s/ca.crt", pkiDir)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(pkiDir, "admin.crt"), filepath.Join(pkiDir, "admin.key"))
	if err != nil {
		return nil, err
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		}},
	}, nil
}

// EnsureNamespace creates the namespace if it does not exist. Namespaces are
// never deleted: without a namespace controller they would stay Terminating.
func (c *Cluster) EnsureNamespace(ctx context.Context, name string) error {
	_, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

// CreatePod creates the pod on the lab node (spec.nodeName), replacing a pod of
// the same name and its log files, so a test can run again on the same cluster.
func (c *Cluster) CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	pod = pod.DeepCopy()
	if pod.Namespace == "" {
		pod.Namespace = metav1.NamespaceDefault
	}
	if pod.Spec.NodeName == "" {
		pod.Spec.NodeName = c.Node
	}
	if err := c.EnsureNamespace(ctx, pod.Namespace); err != nil {
		return nil, err
	}
	if err := c.DeletePod(ctx, pod.Namespace, pod.Name); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(filepath.Join(c.KubeletDir, pod.Namespace, pod.Name)); err != nil {
		return nil, err
	}
	created, err := c.Client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return created, nil
}

// DeletePod deletes the pod at once (grace period 0: no kubelet will confirm)
// and waits until it is gone.
func (c *Cluster) DeletePod(ctx context.Context, namespace, name string) error {
	pods := c.Client.CoreV1().Pods(namespace)
	err := pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete pod %s/%s: %w", namespace, name, err)
	}
	// A test may hold a pod in Terminating with a finalizer; nothing else
	// would ever remove it.
	_, err = pods.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("release finalizers of pod %s/%s: %w", namespace, name, err)
	}
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := pods.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

// UpdatePodStatus applies mutate to the pod's current status and writes it
// through the status subresource, as the kubelet does, retrying on conflicts.
func (c *Cluster) UpdatePodStatus(ctx context.Context, namespace, name string, mutate func(*corev1.Pod)) (*corev1.Pod, error) {
	var updated *corev1.Pod
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := c.Client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		mutate(pod)
		updated, err = c.Client.CoreV1().Pods(namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update status of pod %s/%s: %w", namespace, name, err)
	}
	return updated, nil
}
