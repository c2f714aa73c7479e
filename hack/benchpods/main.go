// Command benchpods fills the cluster hack/cluster-up.sh started
// ($PODS_PATTERN_E2E_DIR) with many pods and the statuses a kubelet would
// report, for hack/bench-summary.sh. The mix, over BENCH_NAMESPACES
// namespaces: seed-lab pods (init + nginx, some with a failing init),
// mesh-style pods (istio-init, app, istio-proxy; some proxies restarting),
// Jobs with a legacy sidecar, and Deployments of 1 to 6 containers with
// native sidecars and adapters.
//
//	benchpods -pods 5000 -namespaces 50
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
)

func main() {
	pods := flag.Int("pods", 5000, "pods to create")
	namespaces := flag.Int("namespaces", 50, "namespaces to spread them over")
	workers := flag.Int("workers", 16, "parallel requests")
	flag.Parse()
	if err := run(*pods, *namespaces, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "benchpods:", err)
		os.Exit(1)
	}
}

func run(total, namespaces, workers int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	c, err := framework.Load()
	if err != nil {
		return err
	}
	// The framework's client is throttled for tests; this one is not.
	config, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return err
	}
	config.QPS, config.Burst = 2000, 4000
	cs, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	for i := 0; i < namespaces; i++ {
		if err := c.EnsureNamespace(ctx, nsName(i)); err != nil {
			return err
		}
	}
	start := time.Now()
	var next, failed atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total || ctx.Err() != nil {
					return
				}
				if err := createPod(ctx, cs, c.Node, i, namespaces); err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("%d of %d pods failed, first: %w", failed.Load(), total, firstErr)
	}
	fmt.Printf("benchpods: %d pods in %d namespaces in %s\n", total, namespaces, time.Since(start).Round(time.Millisecond))
	return nil
}

func nsName(i int) string { return fmt.Sprintf("bench-%02d", i) }

func container(name, image string) corev1.Container {
	return corev1.Container{Name: name, Image: image}
}

// createPod makes pod i and writes its status, as a kubelet would.
func createPod(ctx context.Context, cs kubernetes.Interface, node string, i, namespaces int) error {
	now := time.Now().Add(-time.Hour)
	yes := true
	always := corev1.ContainerRestartPolicyAlways
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: nsName(i % namespaces), Labels: map[string]string{"bench": "summary"}},
		Spec: corev1.PodSpec{NodeName: node}}
	var play func(*corev1.Pod)
	switch i % 6 {
	case 0, 1: // the seed lab: init-index fills a volume, nginx serves it; one in eight fails
		pod.Name = fmt.Sprintf("nx-%05d", i)
		pod.Spec.Volumes = []corev1.Volume{{Name: "static-html", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		mount := []corev1.VolumeMount{{Name: "static-html", MountPath: "/static-html"}}
		initC := container("init-index", "busybox:1.28")
		initC.VolumeMounts = mount
		app := container("nginx", "nginx")
		app.VolumeMounts = mount
		app.Ports = []corev1.ContainerPort{{ContainerPort: 80}}
		pod.Spec.InitContainers = []corev1.Container{initC}
		pod.Spec.Containers = []corev1.Container{app}
		if i%8 == 0 {
			play = func(p *corev1.Pod) {
				framework.SchedulePod(p, now)
				framework.StartContainer(p, "init-index", now.Add(time.Second))
				framework.TerminateContainer(p, "init-index", 1, now.Add(2*time.Second))
				framework.BackOffContainer(p, "init-index", 80*time.Second)
				framework.SyncPodStatus(p, now.Add(3*time.Second))
			}
		}
	case 2: // mesh-style: the proxy is a regular container; one in four restarts
		pod.Name = fmt.Sprintf("mesh-%05d", i)
		pod.Spec.InitContainers = []corev1.Container{container("istio-init", "docker.io/istio/proxyv2:1.22.3")}
		pod.Spec.Containers = []corev1.Container{container("app", "ghcr.io/acme/shop:1"), container("istio-proxy", "docker.io/istio/proxyv2:1.22.3")}
		if i%4 == 2 {
			play = func(p *corev1.Pod) {
				t := framework.StartPod(p, now, time.Second)
				framework.TerminateContainer(p, "istio-proxy", 137, t.Add(time.Minute))
				framework.RestartContainer(p, "istio-proxy", t.Add(2*time.Minute))
				framework.SyncPodStatus(p, t.Add(2*time.Minute))
			}
		}
	case 3: // a Job whose legacy log shipper keeps the pod from completing
		job := fmt.Sprintf("report-%05d", i)
		pod.Name = job + "-x"
		pod.Labels["job-name"] = job
		pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: job, UID: "00000000-0000-0000-0000-000000000001", Controller: &yes}}
		pod.Spec.RestartPolicy = corev1.RestartPolicyNever
		pod.Spec.Containers = []corev1.Container{container("report", "ghcr.io/acme/report:1"), container("fluent-bit", "fluent/fluent-bit:3.0")}
		play = func(p *corev1.Pod) {
			t := framework.StartPod(p, now, time.Second)
			framework.TerminateContainer(p, "report", 0, t.Add(time.Minute))
			framework.SyncPodStatus(p, t.Add(time.Minute))
		}
	default: // a Deployment's pod: app + 0 to 5 helpers, native sidecars among them
		rs, hash := fmt.Sprintf("web-%02d-5d4b8c6f97", i%namespaces), "5d4b8c6f97"
		pod.Name = fmt.Sprintf("%s-%05d", rs, i)
		pod.Labels["pod-template-hash"] = hash
		pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs, UID: "00000000-0000-0000-0000-000000000002", Controller: &yes}}
		pod.Spec.Containers = []corev1.Container{container("web", "ghcr.io/acme/web:2")}
		helpers := []corev1.Container{
			container("statsd-exporter", "prom/statsd-exporter:v0.26.0"),
			container("log-shipper", "fluent/fluent-bit:3.0"),
			container("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0"),
			container("config-reloader", "ghcr.io/jimmidyson/configmap-reload:v0.13.1"),
			container("envoy", "envoyproxy/envoy:v1.31.0"),
		}
		for h := 0; h < i%6; h++ {
			c := helpers[h]
			if h%2 == 1 {
				c.RestartPolicy = &always
				pod.Spec.InitContainers = append(pod.Spec.InitContainers, c)
				continue
			}
			pod.Spec.Containers = append(pod.Spec.Containers, c)
		}
	}
	if play == nil {
		play = func(p *corev1.Pod) { framework.StartPod(p, now, time.Second) }
	}
	created, err := cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	play(created)
	if _, err := cs.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("status of %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}
