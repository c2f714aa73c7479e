package framework

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// APIServer is the kube-apiserver hack/cluster-up.sh started: its PID and
// command line as recorded in the state dir.
type APIServer struct {
	c    *Cluster
	args []string
}

func (c *Cluster) apiServerPIDFile() string {
	return filepath.Join(c.StateDir, "run", "kube-apiserver.pid")
}

// StopAPIServer stops kube-apiserver (SIGTERM, as a control-plane upgrade
// does, then SIGKILL after 3 s) and waits until it has exited. etcd and the test kubelet keep
// running; Start brings the server back on the same port with the same
// etcd. A test that stops it must start it again (t.Cleanup).
func (c *Cluster) StopAPIServer(ctx context.Context) (*APIServer, error) {
	raw, err := os.ReadFile(c.apiServerPIDFile())
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver's pid: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver's pid file: %w", err)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver (pid %d) is not running: %w", pid, err)
	}
	args := strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	if !strings.Contains(string(cmdline), c.StateDir) {
		return nil, fmt.Errorf("pid %d is not this cluster's kube-apiserver: %q", pid, args)
	}
	gone := func(context.Context) (bool, error) { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH), nil }
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return nil, err
	}
	// A graceful shutdown waits for long requests (every follow) for a
	// minute; a few seconds of it are enough to see its GOAWAYs.
	if wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 3*time.Second, true, gone) != nil {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return nil, err
		}
		if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, gone); err != nil {
			return nil, fmt.Errorf("kube-apiserver (pid %d) did not exit: %w", pid, err)
		}
	}
	return &APIServer{c: c, args: args}, nil
}

// Start runs kube-apiserver again with the arguments it had, records its
// PID for hack/cluster-down.sh and waits until it is ready.
func (s *APIServer) Start(ctx context.Context) error {
	logFile, err := os.OpenFile(filepath.Join(s.c.StateDir, "logs", "kube-apiserver.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	// Not tied to the test's context: it outlives the test, as cluster-up's did.
	cmd := exec.Command(s.args[0], s.args[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start kube-apiserver: %w", err)
	}
	go func() { _ = cmd.Wait() }()
	if err := os.WriteFile(s.c.apiServerPIDFile(), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		body, err := s.c.Client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok", nil
	})
}
