package classify

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// serviceTarget is a Service port that sends traffic to a container's port.
type serviceTarget struct {
	Service string
	Port    int32 // the container port targeted
	Name    string
}

func (t serviceTarget) String() string {
	if t.Name != "" {
		return fmt.Sprintf("Service %s targets its port %d (%s)", t.Service, t.Port, t.Name)
	}
	return fmt.Sprintf("Service %s targets its port %d", t.Service, t.Port)
}

// serviceTargets maps each container to the Service ports that select the
// pod and target one of its ports. Metrics ports are left out: a Service
// for scraping says where the metrics are, not where the app is.
func serviceTargets(pod *corev1.Pod, services []corev1.Service, w *wiring) map[string][]serviceTarget {
	out := map[string][]serviceTarget{}
	for _, svc := range services {
		if svc.Namespace != "" && pod.Namespace != "" && svc.Namespace != pod.Namespace {
			continue
		}
		// A Service without a selector has its endpoints managed by hand: it
		// says nothing about this pod.
		if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			continue
		}
		for _, sp := range svc.Spec.Ports {
			port, ok := resolveTarget(sp, w)
			if !ok || IsMetricsPortName(sp.Name) {
				continue
			}
			for _, c := range wiringContainers(pod) {
				for _, l := range w.listens[c.Name] {
					if l.Port == port && !IsMetricsPortName(l.Name) {
						out[c.Name] = append(out[c.Name], serviceTarget{Service: svc.Name, Port: port, Name: l.Name})
					}
				}
			}
		}
	}
	return out
}

// resolveTarget finds the container port a Service port sends to: a number,
// a container port name, or (unset) the Service port itself.
func resolveTarget(sp corev1.ServicePort, w *wiring) (int32, bool) {
	tp := sp.TargetPort
	switch {
	case tp.Type == intstr.String && tp.StrVal != "":
		for _, c := range wiringContainers(w.pod) {
			for _, p := range c.Ports {
				if p.Name == tp.StrVal && (p.Protocol == sp.Protocol || p.Protocol == "" || sp.Protocol == "") {
					return p.ContainerPort, true
				}
			}
		}
		return 0, false
	case tp.Type == intstr.Int && tp.IntVal != 0:
		return tp.IntVal, true
	default:
		return sp.Port, sp.Port != 0
	}
}

// targetReasons are the Service evidence of the main container.
func targetReasons(targets []serviceTarget) []string {
	out := make([]string, 0, len(targets))
	for _, t := range targets {
		out = append(out, t.String())
	}
	return out
}

// helperTargetReasons say why a Service targeting a helper did not make it the app.
func helperTargetReasons(targets []serviceTarget, rule *Rule, main string) []string {
	var out []string
	for _, t := range targets {
		switch {
		case rule != nil && rule.Proxy:
			out = append(out, fmt.Sprintf("%s, but it is a known proxy (%s) in front of the app", t, rule.Label))
		case rule != nil:
			out = append(out, fmt.Sprintf("%s, but the name rule (%s) makes it a helper", t, rule.Label))
		default:
			out = append(out, fmt.Sprintf("%s, but %s was chosen as the main container", t, main))
		}
	}
	return out
}
