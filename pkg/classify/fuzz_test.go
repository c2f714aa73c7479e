package classify_test

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
)

// FuzzParseRules: a user's rules file is parsed or refused with a message,
// never a panic; a file that parses classifies a pod without panicking.
func FuzzParseRules(f *testing.F) {
	f.Add([]byte("rules:\n- label: x\n  role: adapter\n  names: ['^exp']\n"))
	f.Add([]byte("rules:\n- label: bad\n  role: adapter\n  images: ['(']\n"))
	f.Add([]byte("rules: [{label: a, role: main, names: [a], annotation: x}]"))
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app"}, {Name: "exp", Image: "exp"}}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := classify.ParseRules(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		res := classify.Classify(pod, append(rules, classify.BuiltinRules()...))
		if len(res.Containers) != 2 {
			t.Fatalf("%d containers classified, want 2", len(res.Containers))
		}
	})
}

// FuzzClassify: any pod the API could hold gets a kind and a role for every
// container, and exactly one main when it has regular containers.
func FuzzClassify(f *testing.F) {
	for _, fx := range testutil.Fixtures(f) {
		data, err := json.Marshal(fx.Pod)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	rules := classify.BuiltinRules()
	f.Fuzz(func(t *testing.T, data []byte) {
		var pod corev1.Pod
		if json.Unmarshal(data, &pod) != nil {
			return
		}
		res := classify.Classify(&pod, rules)
		want := len(pod.Spec.InitContainers) + len(pod.Spec.Containers) + len(pod.Spec.EphemeralContainers)
		if len(res.Containers) != want {
			t.Fatalf("%d containers classified, want %d", len(res.Containers), want)
		}
		for _, c := range res.Containers {
			if c.Kind == "" || c.Role == "" {
				t.Fatalf("container %q has kind %q role %q", c.Name, c.Kind, c.Role)
			}
		}
	})
}
