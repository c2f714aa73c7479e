// Package lab recreates the seed lab's pods on the harness cluster, with the
// statuses and logs a kubelet would report for them (see
// shared/notes/multi-container-pods.md, tasks 1 to 4). The e2e tests and
// `make demo` (hack/seedlab) both use it.
package lab

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
)

// PodName is the name every lab task gives its pod.
const PodName = "nx"

// ErrorDiscovered is what Task 3's sidecar prints once nginx logged an error.
const ErrorDiscovered = "Error discovered!"

// SidecarScript is Task 3's sidecar command: every 10 s, look for "error" in
// nginx's error.log on the shared logs-vol.
const SidecarScript = `while true; do if [ "$(cat /var/log/nginx/error.log | grep 'error')" != "" ]; then echo 'Error discovered!'; fi; sleep 10; done`

// sidecarPeriod is the sleep in SidecarScript.
const sidecarPeriod = 10 * time.Second

func nginx(mounts ...corev1.VolumeMount) corev1.Container {
	return corev1.Container{
		Name:         "nginx",
		Image:        "nginx",
		Ports:        []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
		VolumeMounts: mounts,
	}
}

func emptyDir(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}

func pod(namespace string, spec corev1.PodSpec) *corev1.Pod {
	spec.DNSPolicy = corev1.DNSDefault
	spec.RestartPolicy = corev1.RestartPolicyAlways
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: PodName, Namespace: namespace, Labels: map[string]string{"run": PodName}},
		Spec:       spec,
	}
}

// Task1Pod is Task 1: one nginx container on port 80, dnsPolicy Default.
func Task1Pod(namespace string) *corev1.Pod {
	return pod(namespace, corev1.PodSpec{Containers: []corev1.Container{nginx()}})
}

// Task2Pod is Task 2: init container init-index fetches index.html into the
// static-html emptyDir, which nginx serves.
func Task2Pod(namespace string) *corev1.Pod {
	return pod(namespace, corev1.PodSpec{
		InitContainers: []corev1.Container{{
			Name:         "init-index",
			Image:        "busybox:1.28",
			Command:      []string{"wget", "-O", "/static-html/index.html", "http://info.cern.ch"},
			VolumeMounts: []corev1.VolumeMount{{Name: "static-html", MountPath: "/static-html"}},
		}},
		Containers: []corev1.Container{nginx(corev1.VolumeMount{Name: "static-html", MountPath: "/usr/share/nginx/html"})},
		Volumes:    []corev1.Volume{emptyDir("static-html")},
	})
}

// Task3Pod is Task 3: nginx and a container "sidecar" that watches nginx's
// error log on the shared logs-vol emptyDir.
func Task3Pod(namespace string) *corev1.Pod {
	logs := corev1.VolumeMount{Name: "logs-vol", MountPath: "/var/log/nginx"}
	return pod(namespace, corev1.PodSpec{
		Containers: []corev1.Container{
			nginx(logs),
			{
				Name:         "sidecar",
				Image:        "busybox",
				Command:      []string{"sh", "-c", SidecarScript},
				VolumeMounts: []corev1.VolumeMount{logs},
			},
		},
		Volumes: []corev1.Volume{emptyDir("logs-vol")},
	})
}

// NginxStartupLog is what the nginx image prints when it starts.
func NginxStartupLog(at time.Time) []framework.LogLine {
	stamp := at.UTC().Format("2006/01/02 15:04:05")
	return framework.Lines(at, 3*time.Millisecond,
		"/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
		"/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
		"/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
		"10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
		"/docker-entrypoint.sh: Configuration complete; ready for start up",
		stamp+" [notice] 1#1: using the \"epoll\" event method",
		stamp+" [notice] 1#1: start worker processes",
	)
}

// WgetLog is what busybox 1.28's wget prints fetching the lab's page.
func WgetLog(at time.Time) []framework.LogLine {
	return framework.Lines(at, 150*time.Millisecond,
		"Connecting to info.cern.ch (188.184.67.127:80)",
		"index.html           100% |*******************************|   646   0:00:00 ETA",
	)
}

// Seed creates the pod, reports a healthy start from start (one second per
// step, see framework.StartPod) and writes each started container's log via
// logs. It returns the pod as stored.
func Seed(ctx context.Context, c *framework.Cluster, p *corev1.Pod, start time.Time,
	logs func(pod *corev1.Pod) error) (*corev1.Pod, error) {
	created, err := c.CreatePod(ctx, p)
	if err != nil {
		return nil, err
	}
	updated, err := c.UpdatePodStatus(ctx, created.Namespace, created.Name, func(pod *corev1.Pod) {
		framework.StartPod(pod, start, time.Second)
	})
	if err != nil {
		return nil, err
	}
	if logs != nil {
		if err := logs(updated); err != nil {
			return nil, fmt.Errorf("write logs of %s/%s: %w", updated.Namespace, updated.Name, err)
		}
	}
	return updated, nil
}

// StartedAt is when the container's running instance started, from the status.
func StartedAt(pod *corev1.Pod, container string) time.Time {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for _, st := range list {
			if st.Name != container {
				continue
			}
			switch {
			case st.State.Running != nil:
				return st.State.Running.StartedAt.Time
			case st.State.Terminated != nil:
				return st.State.Terminated.StartedAt.Time
			}
		}
	}
	return time.Time{}
}

// SeedTask1 creates Task 1's pod, running, with nginx's startup log.
func SeedTask1(ctx context.Context, c *framework.Cluster, namespace string, start time.Time) (*corev1.Pod, error) {
	return Seed(ctx, c, Task1Pod(namespace), start, func(pod *corev1.Pod) error {
		return c.WriteLog(pod.Namespace, pod.Name, "nginx", NginxStartupLog(StartedAt(pod, "nginx"))...)
	})
}

// SeedTask2 creates Task 2's pod: init-index ran wget and completed, nginx runs.
func SeedTask2(ctx context.Context, c *framework.Cluster, namespace string, start time.Time) (*corev1.Pod, error) {
	return Seed(ctx, c, Task2Pod(namespace), start, func(pod *corev1.Pod) error {
		if err := c.WriteLog(pod.Namespace, pod.Name, "init-index", WgetLog(StartedAt(pod, "init-index"))...); err != nil {
			return err
		}
		return c.WriteLog(pod.Namespace, pod.Name, "nginx", NginxStartupLog(StartedAt(pod, "nginx"))...)
	})
}

// SeedTask2InitFailure creates Task 2's pod on a cluster without DNS for
// info.cern.ch: init-index fails (exit 1) and is in CrashLoopBackOff after
// three restarts; nginx waits in PodInitializing.
func SeedTask2InitFailure(ctx context.Context, c *framework.Cluster, namespace string, start time.Time) (*corev1.Pod, error) {
	created, err := c.CreatePod(ctx, Task2Pod(namespace))
	if err != nil {
		return nil, err
	}
	var lastRun time.Time
	updated, err := c.UpdatePodStatus(ctx, created.Namespace, created.Name, func(pod *corev1.Pod) {
		framework.SchedulePod(pod, start)
		t := start.Add(2 * time.Second)
		// Four runs; the back-off doubles from 10 s between them.
		for i, backoff := range []time.Duration{10, 20, 40, 0} {
			if i == 0 {
				framework.StartContainer(pod, "init-index", t)
			} else {
				framework.RestartContainer(pod, "init-index", t)
			}
			lastRun = t
			framework.TerminateContainer(pod, "init-index", 1, t.Add(50*time.Millisecond))
			t = t.Add(backoff * time.Second)
		}
		framework.BackOffContainer(pod, "init-index", 80*time.Second)
		framework.SyncPodStatus(pod, t)
	})
	if err != nil {
		return nil, err
	}
	// The kubelet serves the last run's log while the container waits.
	err = c.WriteLog(updated.Namespace, updated.Name, "init-index",
		framework.Lines(lastRun, 20*time.Millisecond, "wget: bad address 'info.cern.ch'")...)
	if err != nil {
		return nil, err
	}
	return updated, nil
}

// SeedTask3 creates Task 3's pod: nginx and sidecar running, 2/2 ready.
func SeedTask3(ctx context.Context, c *framework.Cluster, namespace string, start time.Time) (*corev1.Pod, error) {
	return Seed(ctx, c, Task3Pod(namespace), start, func(pod *corev1.Pod) error {
		if err := c.WriteLog(pod.Namespace, pod.Name, "nginx", NginxStartupLog(StartedAt(pod, "nginx"))...); err != nil {
			return err
		}
		// The sidecar prints nothing until nginx logs an error.
		return c.WriteLog(pod.Namespace, pod.Name, "sidecar")
	})
}

// Task4 is the outcome of provoking Task 4's error.
type Task4 struct {
	// NotFound is when nginx answered the request with 404 and logged it.
	NotFound time.Time
	// Discovered is when the sidecar's loop next ran and printed ErrorDiscovered.
	Discovered time.Time
}

// ProvokeTask4 plays Task 4 on Task 3's pod: at time at, a request for a
// missing page gets a 404 that nginx logs; the sidecar's loop, which wakes every
// 10 s from its start, prints ErrorDiscovered at its next turn. The lab's nginx
// writes to the logs-vol files; the harness also writes these lines to nginx's
// container log so that a view merged by time can show the cause before the effect.
func ProvokeTask4(ctx context.Context, c *framework.Cluster, namespace string, at time.Time) (Task4, error) {
	p, err := c.Client.CoreV1().Pods(namespace).Get(ctx, PodName, metav1.GetOptions{})
	if err != nil {
		return Task4{}, err
	}
	sidecarStart := StartedAt(p, "sidecar")
	if sidecarStart.IsZero() {
		return Task4{}, fmt.Errorf("pod %s/%s: sidecar is not running", namespace, PodName)
	}
	turns := at.Sub(sidecarStart)/sidecarPeriod + 1
	res := Task4{NotFound: at, Discovered: sidecarStart.Add(turns*sidecarPeriod + 4*time.Millisecond)}

	local := at.UTC().Format("02/Jan/2006:15:04:05 -0700")
	stamp := at.UTC().Format("2006/01/02 15:04:05")
	err = c.AppendLog(namespace, PodName, "nginx",
		framework.LogLine{Time: at, Text: stamp + ` [error] 29#29: *1 open() "/usr/share/nginx/html/unknown" failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: "GET /unknown HTTP/1.1", host: "localhost"`},
		framework.LogLine{Time: at.Add(time.Millisecond), Text: `127.0.0.1 - - [` + local + `] "GET /unknown HTTP/1.1" 404 153 "-" "Wget" "-"`},
	)
	if err != nil {
		return Task4{}, err
	}
	if err := c.AppendLog(namespace, PodName, "sidecar", framework.LogLine{Time: res.Discovered, Text: ErrorDiscovered}); err != nil {
		return Task4{}, err
	}
	return res, nil
}
