package scaffold

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Example is one of the seed lab's pods, reproduced exactly.
type Example struct {
	Name        string
	Description string
	// Try are the lab's commands to run once the pod is up.
	Try []string
	pod func() *corev1.Pod
	// notes for --explain, relative to the pod.
	notes []Note
}

// The seed lab's shell loop (task 3), verbatim: it greps nginx's error log
// on the shared volume every 10 s.
const seedSidecarLoop = `while true; do if [ "$(cat /var/log/nginx/error.log | grep 'error')" != "" ]; then echo 'Error discovered!'; fi; sleep 10; done`

// Examples are the seed lab's tasks, by name.
var Examples = map[string]Example{
	"task1": {
		Name:        "task1",
		Description: "pod nx: one nginx container on port 80, dnsPolicy Default",
		Try:         []string{"kubectl get pod nx"},
		pod:         func() *corev1.Pod { return seedPod(seedNginx()) },
		notes: []Note{{Path: []string{"spec", "dnsPolicy"},
			Text: "Default: the pod uses its node's resolver, not the cluster DNS"}},
	},
	"task2": {
		Name:        "task2",
		Description: "pod nx: init container init-index (busybox:1.28) wgets http://info.cern.ch into emptyDir static-html, which nginx serves",
		Try:         []string{"kubectl logs nx -c init-index", "kubectl exec nx -c nginx -- head -n 3 /usr/share/nginx/html/index.html"},
		pod: func() *corev1.Pod {
			nginx := seedNginx()
			nginx.VolumeMounts = []corev1.VolumeMount{{Name: "static-html", MountPath: "/usr/share/nginx/html"}}
			p := seedPod(nginx)
			p.Spec.InitContainers = []corev1.Container{{
				Name:         "init-index",
				Image:        "busybox:1.28",
				Command:      []string{"wget", "-O", "/static-html/index.html", "http://info.cern.ch"},
				VolumeMounts: []corev1.VolumeMount{{Name: "static-html", MountPath: "/static-html"}},
			}}
			p.Spec.Volumes = []corev1.Volume{emptyDir("static-html")}
			return p
		},
		notes: []Note{
			{Path: []string{"spec", "initContainers", "name=init-index"}, Text: "init container: must exit 0 before nginx starts; its wget output is in kubectl logs nx -c init-index"},
			{Path: []string{"spec", "volumes", "name=static-html"}, Text: "emptyDir shared by init-index (/static-html) and nginx (/usr/share/nginx/html)"},
		},
	},
	"task3": {
		Name:        "task3",
		Description: "pod nx: nginx + container sidecar (busybox) that reports errors in nginx's error.log on the shared emptyDir logs-vol",
		Try: []string{"kubectl get pod nx   # 2/2 Running",
			"kubectl exec nx -c sidecar -- wget -O- 'localhost?unknown'   # task 4: a 404",
			"kubectl logs nx -c sidecar   # 'Error discovered!' within 10 s"},
		pod: func() *corev1.Pod {
			nginx := seedNginx()
			nginx.VolumeMounts = []corev1.VolumeMount{{Name: "logs-vol", MountPath: "/var/log/nginx"}}
			p := seedPod(nginx, corev1.Container{
				Name:         "sidecar",
				Image:        "busybox",
				Command:      []string{"sh", "-c", seedSidecarLoop},
				VolumeMounts: []corev1.VolumeMount{{Name: "logs-vol", MountPath: "/var/log/nginx"}},
			})
			p.Spec.Volumes = []corev1.Volume{emptyDir("logs-vol")}
			return p
		},
		notes: []Note{
			{Path: []string{"spec", "containers", "name=sidecar"}, Text: "classic sidecar: a regular container that reads the log files nginx writes"},
			{Path: []string{"spec", "volumes", "name=logs-vol"}, Text: "emptyDir over /var/log/nginx in both containers: nginx writes real files here instead of its stdout links"},
		},
	},
}

// ExampleNames lists the examples in order.
func ExampleNames() []string {
	names := make([]string, 0, len(Examples))
	for n := range Examples {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Seed returns the named seed example as a Pod in namespace ns ("" leaves
// the namespace to kubectl).
func Seed(name, ns string) (Result, error) {
	ex, ok := Examples[name]
	if !ok {
		return Result{}, fmt.Errorf("unknown example %q: use one of %s (scaffold --list-examples)", name, joinNames(ExampleNames()))
	}
	p := ex.pod()
	p.Namespace = ns
	return Result{Objects: []Object{{Object: p, Notes: ex.notes}}}, nil
}

func seedPod(containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "nx"},
		Spec:       corev1.PodSpec{Containers: containers, DNSPolicy: corev1.DNSDefault},
	}
}

func seedNginx() corev1.Container {
	return corev1.Container{Name: "nginx", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}
}

func emptyDir(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}
