package inittimeline_test

import (
	"encoding/json"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/inittimeline"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
)

// FuzzBuild: any pod gets a timeline with one step per init and regular
// container, a verdict, and a blocker that is one of its init steps.
func FuzzBuild(f *testing.F) {
	for _, fx := range testutil.Fixtures(f) {
		data, err := json.Marshal(fx.Pod)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	rules := classify.BuiltinRules()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var pod corev1.Pod
		if json.Unmarshal(data, &pod) != nil {
			return
		}
		tl := inittimeline.Build(&pod, nil, classify.Classify(&pod, rules), now)
		if want := len(pod.Spec.InitContainers) + len(pod.Spec.Containers); len(tl.Steps) != want {
			t.Fatalf("%d steps, want %d", len(tl.Steps), want)
		}
		if tl.Verdict == "" {
			t.Fatal("no verdict")
		}
		if tl.Blocker == "" {
			return
		}
		for _, s := range tl.Steps {
			if s.Name == tl.Blocker && s.IsInit() {
				return
			}
		}
		t.Fatalf("blocker %q is not an init step", tl.Blocker)
	})
}
