package checks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
)

// roleOf returns the classified role of a container ("" when unknown).
func roleOf(in *Input, name string) classify.Role {
	if in.Report == nil {
		return ""
	}
	for _, c := range in.Report.Containers {
		if c.Name == name {
			return c.Role
		}
	}
	return ""
}

// localhostPort matches what an app writes to reach a helper in its own pod.
var localhostPort = regexp.MustCompile(`(?:localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0):(\d{1,5})\b`)

// localhostPorts lists the ports a container's command, args and env values
// name on localhost.
func localhostPorts(c *corev1.Container) map[int32]bool {
	out := map[int32]bool{}
	var texts []string
	texts = append(texts, c.Command...)
	texts = append(texts, c.Args...)
	for _, e := range c.Env {
		texts = append(texts, e.Value)
	}
	for _, t := range texts {
		for _, m := range localhostPort.FindAllStringSubmatch(t, -1) {
			if n, err := strconv.Atoi(m[1]); err == nil && n > 0 && n < 65536 {
				out[int32(n)] = true
			}
		}
	}
	return out
}

// sidecarWithoutStartupProbe: the kubelet starts the next init container,
// then the app, as soon as a native sidecar's process has started; only a
// startupProbe makes it wait until the sidecar can serve.
func sidecarWithoutStartupProbe(in *Input) []Finding {
	called := map[int32]string{}
	for i := range in.Pod.Spec.Containers {
		c := &in.Pod.Spec.Containers[i]
		for p := range localhostPorts(c) {
			called[p] = c.Name
		}
	}
	var out []Finding
	for i := range in.Pod.Spec.InitContainers {
		c := &in.Pod.Spec.InitContainers[i]
		if !(specContainer{c, "initContainers", i}).sidecar() || c.StartupProbe != nil {
			continue
		}
		why := ""
		if roleOf(in, c.Name) == classify.RoleAmbassador {
			why = "it is an ambassador the app reaches the outside through"
		}
		for _, p := range c.Ports {
			if app, ok := called[p.ContainerPort]; ok {
				why = fmt.Sprintf("%q calls it on localhost:%d", app, p.ContainerPort)
				break
			}
		}
		if why == "" {
			continue
		}
		out = append(out, Finding{Container: c.Name, Message: fmt.Sprintf(
			"native sidecar %q has no startupProbe and %s: the app may start before it listens and fail its first calls", c.Name, why)})
	}
	return out
}

// sharedHint are words that say a volume is meant to pass data between containers.
var sharedHint = regexp.MustCompile(`(?i)(^|[-_.])(shared?|common|exchange|handoff)([-_.]|$)`)

// emptyDirNotShared: an emptyDir named as a hand-over place but mounted by
// one container only is usually a forgotten volumeMount in the other one.
func emptyDirNotShared(in *Input) []Finding {
	if len(in.Pod.Spec.InitContainers)+len(in.Pod.Spec.Containers) < 2 {
		return nil
	}
	var out []Finding
	for _, v := range classify.Volumes(in.Pod) {
		if v.Type != "emptyDir" || !sharedHint.MatchString(v.Name) {
			continue
		}
		users := map[string]bool{}
		for _, m := range v.Mounts {
			users[m.Container] = true
		}
		if len(users) != 1 {
			continue
		}
		m := v.Mounts[0]
		out = append(out, Finding{Container: m.Container, Message: fmt.Sprintf(
			"emptyDir %q looks meant to be shared but only %q mounts it (at %s); the other containers do not see what it writes",
			v.Name, m.Container, m.Path)})
	}
	return out
}

// Mesh proxies and the init containers meshes add to set up traffic redirection.
var (
	meshProxy = regexp.MustCompile(`^(istio-proxy|linkerd-proxy|consul-dataplane|envoy-sidecar|kuma-sidecar)$`)
	meshInit  = regexp.MustCompile(`^(istio-init|istio-validation|linkerd-init|linkerd-network-validator|consul-connect-inject-init|kuma-init)$`)
)

// meshProxyNotNative: a mesh redirects the pod's traffic through its proxy;
// as a regular container the proxy starts after every init container, so
// init containers that call the network find nothing listening.
func meshProxyNotNative(in *Input) []Finding {
	var proxy string
	for _, c := range in.Pod.Spec.Containers {
		if meshProxy.MatchString(c.Name) {
			proxy = c.Name
			break
		}
	}
	if proxy == "" {
		return nil
	}
	var others []string
	for _, c := range in.Pod.Spec.InitContainers {
		if !meshInit.MatchString(c.Name) && !meshProxy.MatchString(c.Name) {
			others = append(others, fmt.Sprintf("%q", c.Name))
		}
	}
	if len(others) == 0 {
		return nil
	}
	return []Finding{{Container: proxy, Message: fmt.Sprintf(
		"mesh proxy %q is a regular container, so it starts after init container %s: their network calls are redirected to a proxy that is not running yet",
		proxy, strings.Join(others, ", "))}}
}

// noDefaultContainer: kubectl logs/exec/attach pick the default-container
// annotation, else the first container; with several plausible apps that
// may be the wrong one, and the roles here rest on a guess.
func noDefaultContainer(in *Input) []Finding {
	if _, ok := in.Pod.Annotations[classify.DefaultContainerAnnotation]; ok || len(in.Pod.Spec.Containers) < 2 {
		return nil
	}
	if strings.Contains(in.Pod.Annotations[classify.RolesAnnotation], "=main") {
		return nil
	}
	rules := in.Rules
	if rules == nil {
		rules = classify.BuiltinRules()
	}
	var candidates []string
	for _, c := range in.Pod.Spec.Containers {
		rule, _ := rules.Match(c.Name, c.Image, in.Pod.Annotations)
		if rule == nil || rule.Role == classify.RoleMain {
			candidates = append(candidates, fmt.Sprintf("%q", c.Name))
		}
	}
	if len(candidates) < 2 {
		return nil
	}
	return []Finding{{Message: fmt.Sprintf(
		"containers %s could each be the app and the pod has no %s annotation: kubectl logs and exec pick %q",
		strings.Join(candidates, ", "), classify.DefaultContainerAnnotation, in.Pod.Spec.Containers[0].Name)}}
}

func hasResources(c *corev1.Container) bool {
	return len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0
}

// helperWithoutResources: when the app states requests/limits and a helper
// does not, the scheduler does not count the helper and it can take what
// the app was promised (and a memory limit on the pod is not set).
func helperWithoutResources(in *Input) []Finding {
	if in.Report == nil || in.Report.Main == "" {
		return nil
	}
	var app *corev1.Container
	for i := range in.Pod.Spec.Containers {
		if in.Pod.Spec.Containers[i].Name == in.Report.Main {
			app = &in.Pod.Spec.Containers[i]
		}
	}
	if app == nil || !hasResources(app) {
		return nil
	}
	var out []Finding
	for _, s := range allContainers(in.Pod) {
		if !s.longRunning() || s.c.Name == app.Name || hasResources(s.c) {
			continue
		}
		out = append(out, Finding{Container: s.c.Name, Message: fmt.Sprintf(
			"%s %q has no resource requests or limits while the app %q has them: the scheduler does not count it and it can take the app's share",
			roleOf(in, s.c.Name), s.c.Name, app.Name)})
	}
	return out
}
