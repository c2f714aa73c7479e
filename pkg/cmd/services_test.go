package cmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/inittimeline"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// bridgeAndOrders is a pod no rule reads: two unrecognised containers with
// ports, so only the Service that targets orders' port says which is the
// app; without it bridge, the first, is the guess.
func bridgeAndOrders() (*corev1.Pod, *corev1.Service) {
	res := corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "orders-1", Namespace: "default", UID: "orders-1", Labels: map[string]string{"app": "orders"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "bridge", Image: "registry.corp/team/cache-bridge:2", Ports: []corev1.ContainerPort{{Name: "bridge", ContainerPort: 7000}}},
			{Name: "orders", Image: "registry.corp/team/orders:1", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}, Resources: res},
		}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "bridge", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
			{Name: "orders", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
		}}}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: "default"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "orders"}, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}}}
	return pod, svc
}

// mains asks describe, summary, doctor and init which container is the app.
// doctor says it through helper-without-resources: the app states requests,
// the helper beside it does not.
func mains(t *testing.T, cs *fake.Clientset) map[string]string {
	t.Helper()
	got := map[string]string{}

	out, _, err := runDescribe(t, cs, []string{"orders-1"}, func(o *DescribeOptions) { o.Output = "json" })
	require.NoError(t, err)
	var r report.Pod
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	got["describe"] = r.Main

	out, _, err = runSummary(t, cs, nil, func(o *SummaryOptions) { o.Output = "json" })
	require.NoError(t, err)
	var sum struct {
		Items []struct{ Main string } `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sum), out)
	require.Len(t, sum.Items, 1)
	got["summary"] = sum.Items[0].Main

	out, _ = runDoctor(t, cs, nil, func(o *DoctorOptions) { o.Output = "json"; o.FailOn = "none" })
	got["doctor"] = ""
	for _, f := range doctorJSON(t, out).Findings {
		if f.ID == "helper-without-resources" {
			got["doctor"] = map[string]string{"bridge": "orders", "orders": "bridge"}[f.Container]
		}
	}

	out, _, err = runInit(t, context.Background(), cs, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), "orders-1", "-o", "json")
	require.NoError(t, err)
	var tl inittimeline.Timeline
	require.NoError(t, json.Unmarshal([]byte(out), &tl), out)
	for _, s := range tl.Steps {
		if s.Role == "main" {
			got["init"] = s.Name
		}
	}
	return got
}

// Every command weighs the namespace's Services the same way, so a Service
// that decides the app makes all four name the same main container.
func TestRolesAgreeAcrossCommands(t *testing.T) {
	pod, svc := bridgeAndOrders()
	all := func(main string) map[string]string {
		return map[string]string{"describe": main, "summary": main, "doctor": main, "init": main}
	}
	assert.Equal(t, all("orders"), mains(t, fake.NewClientset(pod, svc)), "the Service targets orders")

	// The control: without the Service every command guesses bridge, so
	// the agreement above comes from the Service, not from the pod alone.
	pod, _ = bridgeAndOrders()
	noSvc := fake.NewClientset(pod)
	got := mains(t, noSvc)
	assert.Equal(t, "bridge", got["describe"])
	assert.Equal(t, "bridge", got["summary"])
	assert.Equal(t, "bridge", got["init"])
	assert.Equal(t, "", got["doctor"], "bridge, the guessed app, states no requests: nothing to compare")
}

// A forbidden list of Services is one warning line per namespace, however
// many pods there are, and the roles are weighed without them.
func TestServicesForbiddenIsOneWarning(t *testing.T) {
	a, svc := bridgeAndOrders()
	b, _ := bridgeAndOrders()
	b.Name, b.UID = "orders-2", "orders-2"
	cs := fake.NewClientset(a, b, svc)
	cs.PrependReactor("list", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, forbidden("services")
	})
	out, errOut, err := runSummary(t, cs, nil, func(o *SummaryOptions) { o.Output = "json" })
	require.NoError(t, err)
	assert.Contains(t, out, `"main": "bridge"`)
	assert.Equal(t, 1, strings.Count(errOut, `warning: roles weighed without Services of namespace "default"`), errOut)
	lists := 0
	for _, act := range cs.Actions() {
		if act.GetResource().Resource == "services" {
			lists++
		}
	}
	assert.Equal(t, 1, lists, "a failed list is not asked again for the next pod")
}
