// Command genlist writes big manifests for hack/bench-manifest.sh: a v1 List
// of N pods made from the shared fixtures (names made unique), or one pod
// with N containers. Output is JSON, as `kubectl get pods -o json` writes it.
//
//	go run ./hack/genlist -pods 10000 > list.json
//	go run ./hack/genlist -containers 200 > wide.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	pods := flag.Int("pods", 0, "write a List of this many pods")
	containers := flag.Int("containers", 0, "write one pod with this many containers")
	flag.Parse()
	var err error
	switch {
	case *pods > 0:
		err = writeList(*pods)
	case *containers > 0:
		err = writeWide(*containers)
	default:
		err = fmt.Errorf("give -pods N or -containers N")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlist:", err)
		os.Exit(1)
	}
}

func fixtures() ([]corev1.Pod, error) {
	paths, err := filepath.Glob(filepath.Join("testdata", "fixtures", "*", "*.yaml"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no fixtures under testdata/fixtures (run from the repo root): %v", err)
	}
	var out []corev1.Pod
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var pod corev1.Pod
		if err := yaml.Unmarshal(data, &pod); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if pod.Kind == "Pod" {
			out = append(out, pod)
		}
	}
	return out, nil
}

// writeList streams the List item by item, so the generator itself stays small.
func writeList(n int) error {
	base, err := fixtures()
	if err != nil {
		return err
	}
	w := os.Stdout
	fmt.Fprint(w, `{"apiVersion":"v1","kind":"List","metadata":{},"items":[`)
	enc := json.NewEncoder(w)
	for i := 0; i < n; i++ {
		pod := base[i%len(base)].DeepCopy()
		pod.Name = fmt.Sprintf("%s-%05d", pod.Name, i)
		pod.Namespace = fmt.Sprintf("ns-%02d", i%20)
		pod.APIVersion, pod.Kind = "v1", "Pod"
		if i > 0 {
			fmt.Fprint(w, ",")
		}
		if err := enc.Encode(pod); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(w, "]}")
	return err
}

func writeWide(n int) error {
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "wide", Namespace: "default"},
	}
	always := corev1.ContainerRestartPolicyAlways
	for i := 0; i < n; i++ {
		c := corev1.Container{Name: fmt.Sprintf("c%03d", i), Image: "registry.example/team/helper:1"}
		switch {
		case i < n/10:
			c.Name = strings.Replace(c.Name, "c", "init", 1)
			pod.Spec.InitContainers = append(pod.Spec.InitContainers, c)
		case i < n/5:
			c.Name = strings.Replace(c.Name, "c", "side", 1)
			c.RestartPolicy = &always
			pod.Spec.InitContainers = append(pod.Spec.InitContainers, c)
		default:
			c.Ports = []corev1.ContainerPort{{ContainerPort: int32(8000 + i)}}
			pod.Spec.Containers = append(pod.Spec.Containers, c)
		}
	}
	return json.NewEncoder(os.Stdout).Encode(pod)
}
