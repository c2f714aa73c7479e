package cmd

import (
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/internal/testutil"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// runDescribe runs describe against a fake clientset holding objs.
func runDescribe(t *testing.T, cs *fake.Clientset, args []string, setup func(*DescribeOptions)) (string, string, error) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	o := NewDescribeOptions(streams)
	testView(t, &o.viewOptions)
	o.Targets.NewClient = func() (kubernetes.Interface, error) { return cs, nil }
	if setup != nil {
		setup(o)
	}
	err := runOptions(o, args)
	return out.String(), errOut.String(), err
}

func seedPod(t *testing.T, name string) *corev1.Pod {
	p := testutil.LoadPod(t, testutil.FixturesDir()+"/seed/"+name+".yaml")
	p.ResourceVersion = ""
	return p
}

func TestDescribeByNameFetchesPodAndEventsOnly(t *testing.T) {
	p := seedPod(t, "task2-nx-initfail")
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "nx.1", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "nx", Namespace: "default", UID: p.UID, FieldPath: "spec.initContainers{init-index}"},
		Type:           "Warning", Reason: "BackOff", Message: "Back-off restarting failed container init-index", Count: 7}
	cs := fake.NewClientset(p, ev)
	out, _, err := runDescribe(t, cs, []string{"nx"}, nil)
	require.NoError(t, err)
	assert.Contains(t, out, "Pod default/nx   Init:CrashLoopBackOff   0/1 ready")
	assert.Contains(t, out, `init "init-index" (1/1) is failing`)
	assert.Contains(t, out, "BackOff")
	assert.Contains(t, out, "init-index")
	var verbs []string
	for _, a := range cs.Actions() {
		verbs = append(verbs, a.GetVerb()+" "+a.GetResource().Resource)
	}
	assert.Equal(t, []string{"get pods", "list events", "list services"}, verbs, "describe asks for the pod, its events and its namespace's Services, nothing else")
}

// The pod, its events and its namespace's Services come through one clientset, built once.
func TestDescribeBuildsOneClientPerRun(t *testing.T) {
	cs := fake.NewClientset(seedPod(t, "task1-nx"))
	built := 0
	_, _, err := runDescribe(t, cs, []string{"nx"}, func(o *DescribeOptions) {
		o.Targets.NewClient = func() (kubernetes.Interface, error) { built++; return cs, nil }
	})
	require.NoError(t, err)
	assert.Equal(t, 1, built)
	assert.Len(t, cs.Actions(), 3, "get pods, list events, list services")
}

func TestDescribeNotFound(t *testing.T) {
	_, _, err := runDescribe(t, fake.NewClientset(), []string{"nx"}, nil)
	assert.EqualError(t, err, `pod "nx" not found in namespace "default"`)
	assert.True(t, apierrors.IsNotFound(err), "the reworded error still wraps the API's")
	cs := fake.NewClientset()
	cs.PrependReactor("get", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, forbidden("pods")
	})
	_, _, err = runDescribe(t, cs, []string{"nx"}, nil)
	assert.True(t, apierrors.IsForbidden(err), "%v", err)
}

func TestDescribeDeploymentAndSelector(t *testing.T) {
	a, b := seedPod(t, "task3-nx"), seedPod(t, "task2-nx")
	a.Name, a.UID, a.Labels = "web-1", "u1", map[string]string{"app": "web"}
	b.Name, b.UID, b.Labels = "web-2", "u2", map[string]string{"app": "web"}
	other := seedPod(t, "task1-nx")
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	for _, args := range [][]string{{"deploy/web"}, {"deployment.apps/web"}} {
		out, _, err := runDescribe(t, fake.NewClientset(a, b, other, dep), args, func(o *DescribeOptions) { o.Output = "json" })
		require.NoError(t, err)
		var reports []report.Pod
		require.NoError(t, json.Unmarshal([]byte(out), &reports), out)
		require.Len(t, reports, 2)
		assert.Equal(t, "web-1", reports[0].Name)
		assert.Equal(t, "web-2", reports[1].Name)
	}
	out, _, err := runDescribe(t, fake.NewClientset(a, b, other), nil, func(o *DescribeOptions) { o.Targets.Selector = "app=web"; o.Output = "yaml" })
	require.NoError(t, err)
	assert.Contains(t, out, "kind: List")
	_, _, err = runDescribe(t, fake.NewClientset(other), []string{"deploy/web"}, nil)
	assert.EqualError(t, err, `deployment "web" not found in namespace "default"`)
	_, _, err = runDescribe(t, fake.NewClientset(other), nil, func(o *DescribeOptions) { o.Targets.Selector = "app=none" })
	assert.EqualError(t, err, `no pods found for selector app=none in namespace "default"`)
}

func TestDescribeForbiddenEventsStillDescribes(t *testing.T) {
	cs := fake.NewClientset(seedPod(t, "task1-nx"))
	cs.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, forbidden("events")
	})
	out, errOut, err := runDescribe(t, cs, []string{"nx"}, nil)
	require.NoError(t, err)
	assert.Contains(t, out, "Pod default/nx")
	assert.Contains(t, errOut, "warning: events not shown:")
}

// Two pods of one namespace cost one list of Services, and a Service that
// targets a container's port makes it the app; a forbidden list is a warning.
func TestDescribeWeighsServicesOneListPerNamespace(t *testing.T) {
	mk := func(name string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name), Labels: map[string]string{"app": "orders"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: "bridge", Image: "registry.corp/team/cache-bridge:2", Ports: []corev1.ContainerPort{{Name: "bridge", ContainerPort: 7000}}},
				{Name: "orders", Image: "registry.corp/team/orders:1", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}},
			}}}
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: "default"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "orders"}, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}}}
	cs := fake.NewClientset(mk("orders-1"), mk("orders-2"), svc)
	out, _, err := runDescribe(t, cs, nil, func(o *DescribeOptions) {
		o.Targets.Selector = "app=orders"
		o.Output = "json"
	})
	require.NoError(t, err)
	var reports []report.Pod
	require.NoError(t, json.Unmarshal([]byte(out), &reports), out)
	require.Len(t, reports, 2)
	for _, r := range reports {
		assert.Equal(t, "orders", r.Main, r.Name)
		assert.Contains(t, r.Containers[1].Reasons, "Service orders targets its port 8080 (http)")
	}
	lists := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == "list" && a.GetResource().Resource == "services" {
			lists++
		}
	}
	assert.Equal(t, 1, lists)

	cs = fake.NewClientset(mk("orders-1"), svc)
	cs.PrependReactor("list", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, forbidden("services")
	})
	out, errOut, err := runDescribe(t, cs, []string{"orders-1"}, nil)
	require.NoError(t, err)
	assert.Contains(t, out, "main bridge", "without Services the first container is guessed")
	assert.Contains(t, errOut, `warning: roles weighed without Services of namespace "default"`)
}

// On a terminal of 80 columns the table gives way; -o wide prints it whole
// however narrow the terminal is.
func TestDescribeFitsTheTerminalUnlessWide(t *testing.T) {
	cs := fake.NewClientset(seedPod(t, "task2-nx"))
	narrow := func(o *DescribeOptions) { o.width = func(io.Writer) int { return 80 } }
	out, _, err := runDescribe(t, cs, []string{"nx"}, narrow)
	require.NoError(t, err)
	assert.NotContains(t, out, "PORTS")
	for _, line := range strings.Split(out, "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 80, line)
	}
	wide, _, err := runDescribe(t, cs, []string{"nx"}, func(o *DescribeOptions) {
		narrow(o)
		o.Output = "wide"
	})
	require.NoError(t, err)
	assert.Contains(t, wide, "PORTS")
	assert.Contains(t, wide, "busybox:1.28")
	assert.NotContains(t, wide, "{", "-o wide is a view, not JSON")
}

func TestDescribeValidation(t *testing.T) {
	cs := fake.NewClientset()
	_, _, err := runDescribe(t, cs, nil, nil)
	assert.ErrorContains(t, err, "name a pod, TYPE/NAME")
	_, _, err = runDescribe(t, cs, []string{"nx"}, func(o *DescribeOptions) { o.Output = "table" })
	assert.ErrorContains(t, err, `unknown output format "table": use -o wide, -o json or -o yaml`)
	_, _, err = runDescribe(t, cs, []string{"widget/x"}, nil)
	assert.ErrorContains(t, err, `unknown resource type "widget"`)
	_, _, err = runDescribe(t, cs, []string{"nx"}, func(o *DescribeOptions) { o.Targets.Filenames = []string{"x.yaml"} })
	assert.ErrorContains(t, err, "-f cannot be combined")
	_, _, err = runDescribe(t, cs, nil, func(o *DescribeOptions) { o.Targets.Filenames = []string{"/does/not/exist.yaml"} })
	assert.ErrorContains(t, err, "cannot read manifest")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, _, err = runDescribe(t, cs, []string{"nx"}, func(o *DescribeOptions) { o.Targets.RulesFile = "/does/not/exist.yaml" })
	assert.ErrorContains(t, err, "cannot read rules file")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestDescribeFromFilesNeedsNoCluster(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"task1-nx", "task2-nx-initfail"} {
		data, err := os.ReadFile(testutil.FixturesDir() + "/seed/" + name + ".yaml")
		require.NoError(t, err)
		require.NoError(t, writeFile(dir+"/"+name+".yaml", string(data)))
	}
	out, _, err := runDescribe(t, nil, nil, func(o *DescribeOptions) {
		o.Targets.Filenames = []string{dir}
		o.Targets.NewClient = func() (kubernetes.Interface, error) { t.Fatal("no cluster for -f"); return nil, nil }
	})
	require.NoError(t, err)
	assert.Contains(t, out, "Init:CrashLoopBackOff")
	assert.Contains(t, out, "Pod default/nx   Running   1/1 ready")
	assert.NotContains(t, out, "Events:")
}

func TestDescribeUserRulesFile(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/rules.yaml"
	require.NoError(t, writeFile(path, "rules:\n  - label: our log tailer\n    role: adapter\n    names: ['^sidecar$']\n"))
	out, _, err := runDescribe(t, nil, nil, func(o *DescribeOptions) {
		o.Targets.Filenames = []string{testutil.FixturesDir() + "/seed/task3-nx.yaml"}
		o.Targets.RulesFile = path
	})
	require.NoError(t, err)
	assert.Contains(t, out, "name matches our log tailer (adapter)")
}
