package framework

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// Process is a process of the cluster hack/cluster-up.sh started (its PID
// and command line as recorded in the state dir), stopped by a test to be
// started again.
type Process struct {
	c     *Cluster
	name  string
	args  []string
	ready func(ctx context.Context) bool
}

func (c *Cluster) pidFile(name string) string {
	return filepath.Join(c.StateDir, "run", name+".pid")
}

// StopAPIServer stops kube-apiserver (SIGTERM, as a control-plane upgrade
// does, then SIGKILL after 3 s) and waits until it has exited. etcd and the test kubelet keep
// running; Start brings the server back on the same port with the same
// etcd. A test that stops it must start it again (t.Cleanup).
func (c *Cluster) StopAPIServer(ctx context.Context) (*Process, error) {
	p, err := c.stop(ctx, "kube-apiserver")
	if err != nil {
		return nil, err
	}
	p.ready = func(ctx context.Context) bool {
		body, err := c.Client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok"
	}
	return p, nil
}

// StopKubelet stops the test kubelet, as a node's kubelet restart does: the
// API server stays up and answers log requests with a 500 (it cannot dial
// the kubelet). Start brings it back on the same port.
func (c *Cluster) StopKubelet(ctx context.Context) (*Process, error) {
	port, err := os.ReadFile(filepath.Join(c.StateDir, "run", "test-kubelet.port"))
	if err != nil {
		return nil, fmt.Errorf("test kubelet's port: %w", err)
	}
	addr := "127.0.0.1:" + strings.TrimSpace(string(port))
	p, err := c.stop(ctx, "test-kubelet")
	if err != nil {
		return nil, err
	}
	for i, a := range p.args {
		if strings.HasPrefix(a, "--addr=") {
			p.args[i] = "--addr=" + addr
		}
	}
	p.ready = func(ctx context.Context) bool {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = conn.Close()
		}
		return err == nil
	}
	return p, nil
}

func (c *Cluster) stop(ctx context.Context, name string) (*Process, error) {
	raw, err := os.ReadFile(c.pidFile(name))
	if err != nil {
		return nil, fmt.Errorf("%s's pid: %w", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("%s's pid file: %w", name, err)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, fmt.Errorf("%s (pid %d) is not running: %w", name, pid, err)
	}
	args := strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	if !strings.Contains(string(cmdline), c.StateDir) {
		return nil, fmt.Errorf("pid %d is not this cluster's %s: %q", pid, name, args)
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
			return nil, fmt.Errorf("%s (pid %d) did not exit: %w", name, pid, err)
		}
	}
	return &Process{c: c, name: name, args: args}, nil
}

// Start runs the process again with the arguments it had, records its PID
// for hack/cluster-down.sh and waits until it is ready.
func (p *Process) Start(ctx context.Context) error {
	logFile, err := os.OpenFile(filepath.Join(p.c.StateDir, "logs", p.name+".log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	// Not tied to the test's context: it outlives the test, as cluster-up's did.
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	go func() { _ = cmd.Wait() }()
	if err := os.WriteFile(p.c.pidFile(p.name), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		return p.ready(ctx), nil
	})
}
