package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

// process returns the PID and command line of the cluster's process name,
// checked against the state dir so that no other process is signalled.
func (c *Cluster) process(name string) (int, []string, error) {
	raw, err := os.ReadFile(c.pidFile(name))
	if err != nil {
		return 0, nil, fmt.Errorf("%s's pid: %w", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return 0, nil, fmt.Errorf("%s's pid file: %w", name, err)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0, nil, fmt.Errorf("%s (pid %d) is not running: %w", name, pid, err)
	}
	args := strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	if !strings.Contains(string(cmdline), c.StateDir) {
		return 0, nil, fmt.Errorf("pid %d is not this cluster's %s: %q", pid, name, args)
	}
	return pid, args, nil
}

func (c *Cluster) stop(ctx context.Context, name string) (*Process, error) {
	pid, args, err := c.process(name)
	if err != nil {
		return nil, err
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

// PauseAPIServer freezes kube-apiserver (SIGSTOP) until resume is called
// (SIGCONT): the kernel still accepts connections on its port, but nothing
// answers them, so every request hangs on an open connection as with a
// server that is overloaded or on a broken network. A test that pauses it
// must resume it (t.Cleanup); resume may be called more than once.
func (c *Cluster) PauseAPIServer() (resume func() error, err error) {
	pid, _, err := c.process("kube-apiserver")
	if err != nil {
		return nil, err
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return nil, fmt.Errorf("pause kube-apiserver (pid %d): %w", pid, err)
	}
	var once sync.Once
	resume = func() error {
		var err error
		once.Do(func() {
			if err = syscall.Kill(pid, syscall.SIGCONT); err != nil {
				err = fmt.Errorf("resume kube-apiserver (pid %d): %w", pid, err)
			}
		})
		return err
	}
	// SIGSTOP is delivered asynchronously: wait until the process is stopped.
	stopped := func(context.Context) (bool, error) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return false, err
		}
		// pid (comm) state ...: comm may hold spaces, the state follows its ')'.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		return len(fields) > 0 && fields[0] == "T", nil
	}
	if err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 5*time.Second, true, stopped); err != nil {
		return resume, fmt.Errorf("kube-apiserver (pid %d) did not stop: %w", pid, err)
	}
	return resume, nil
}

// WaitAPIServerConnection waits until process pid has a TCP connection open
// to the API server's port: with the server paused, a request the process
// made is then waiting for an answer.
func (c *Cluster) WaitAPIServerConnection(ctx context.Context, pid int) error {
	u, err := url.Parse(c.APIServerURL)
	if err != nil {
		return err
	}
	port, err := strconv.ParseUint(u.Port(), 10, 16)
	if err != nil {
		return fmt.Errorf("API server URL %s: %w", c.APIServerURL, err)
	}
	return wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		return connectedTo(pid, port)
	})
}

// connectedTo reads /proc: the process's socket inodes, and the established
// TCP connections of its network namespace to the remote port.
func connectedTo(pid int, port uint64) (bool, error) {
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(fdDir)
	if err != nil {
		return false, fmt.Errorf("process %d: %w", pid, err)
	}
	sockets := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
			sockets[strings.TrimSuffix(inode, "]")] = true
		}
	}
	for _, table := range []string{"tcp", "tcp6"} {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		for _, line := range strings.Split(string(raw), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "01" || !sockets[f[9]] {
				continue
			}
			_, remPort, ok := strings.Cut(f[2], ":")
			if p, err := strconv.ParseUint(remPort, 16, 16); ok && err == nil && p == port {
				return true, nil
			}
		}
	}
	return false, nil
}
