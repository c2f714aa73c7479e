package classify

import (
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// PrometheusPortAnnotation is the scrape-port convention of the Prometheus
// community charts: the port it names is where the pod shows its metrics.
const PrometheusPortAnnotation = "prometheus.io/port"

// wiring is what the pod spec says about how its containers talk to each
// other: who listens where, who calls whom on localhost, who names hosts
// outside the pod, who shows metrics.
type wiring struct {
	pod     *corev1.Pod
	specs   map[string]*corev1.Container
	listens map[string][]listenPort // ports each container listens on
	refs    []localRef              // localhost references found in command, args and env
	remotes map[string][]string     // hosts outside the pod each container names
}

// listenPort is a port a container listens on, from its spec or its flags.
type listenPort struct {
	Port     int32
	Name     string
	Declared bool // in spec.ports, so reachable from the pod network
	Loopback bool // bound to a loopback address by a flag
}

// localRef is one container naming a loopback address and port.
type localRef struct {
	From  string
	Port  int32
	Where string // "args", "command" or "env NAME"
	Text  string // as written, e.g. "127.0.0.1:9000"
}

func (l listenPort) String() string {
	if l.Name != "" {
		return fmt.Sprintf("%d (%s)", l.Port, l.Name)
	}
	return strconv.Itoa(int(l.Port))
}

// wiringContainers are the containers that run alongside the app: regular
// containers and native sidecars. Init containers that run to completion and
// ephemeral containers take no part in the wiring.
func wiringContainers(pod *corev1.Pod) []*corev1.Container {
	var out []*corev1.Container
	for i := range pod.Spec.InitContainers {
		if c := &pod.Spec.InitContainers[i]; c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			out = append(out, c)
		}
	}
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

func readWiring(pod *corev1.Pod) *wiring {
	w := &wiring{pod: pod, specs: map[string]*corev1.Container{}, listens: map[string][]listenPort{}, remotes: map[string][]string{}}
	for _, c := range wiringContainers(pod) {
		w.specs[c.Name] = c
		seen := map[int32]bool{}
		for _, p := range c.Ports {
			seen[p.ContainerPort] = true
			w.listens[c.Name] = append(w.listens[c.Name], listenPort{Port: p.ContainerPort, Name: p.Name, Declared: true})
		}
		for _, l := range flagListeners(c) {
			if !seen[l.Port] {
				seen[l.Port] = true
				w.listens[c.Name] = append(w.listens[c.Name], l)
			}
		}
		w.remotes[c.Name] = remoteHosts(c)
	}
	for _, c := range wiringContainers(pod) {
		w.refs = append(w.refs, localRefs(c)...)
	}
	return w
}

// owner returns the container, other than from, that listens on port.
func (w *wiring) owner(port int32, from string) string {
	for _, c := range wiringContainers(w.pod) {
		if c.Name == from {
			continue
		}
		for _, l := range w.listens[c.Name] {
			if l.Port == port {
				return c.Name
			}
		}
	}
	return ""
}

// refsBetween lists from's localhost references to ports that to listens on.
func (w *wiring) refsBetween(from, to string) []localRef {
	var out []localRef
	for _, r := range w.refs {
		if r.From == from && w.owner(r.Port, from) == to {
			out = append(out, r)
		}
	}
	return out
}

// exposedPorts are the ports a container declares, which is what makes it
// reachable from outside the pod.
func (w *wiring) exposedPorts(name string) []listenPort {
	var out []listenPort
	for _, l := range w.listens[name] {
		if l.Declared {
			out = append(out, l)
		}
	}
	return out
}

// listensLocally reports a listener other than a metrics port: a port the
// container declares or binds by a flag. Metrics ports are left out because
// almost every proxy and agent has one; they say nothing about forwarding.
func (w *wiring) listensLocally(name string) (listenPort, bool) {
	for _, l := range w.listens[name] {
		if !IsMetricsPortName(l.Name) {
			return l, true
		}
	}
	return listenPort{}, false
}

// proxiesOut reports the shape of an ambassador: another of the containers
// calls it on localhost, and it names hosts outside the pod.
func (w *wiring) proxiesOut(name string, among []int, pod *corev1.Pod) bool {
	if len(w.remotes[name]) == 0 {
		return false
	}
	for _, i := range among {
		if other := pod.Spec.Containers[i].Name; other != name && len(w.refsBetween(other, name)) > 0 {
			return true
		}
	}
	return false
}

// metricsClues lists the Prometheus conventions that point at a container.
func (w *wiring) metricsClues(name string) []string {
	var out []string
	c := w.specs[name]
	for _, p := range c.Ports {
		if IsMetricsPortName(p.Name) {
			out = append(out, fmt.Sprintf("port %d is named %s", p.ContainerPort, p.Name))
		}
	}
	if v, ok := w.pod.Annotations[PrometheusPortAnnotation]; ok {
		for _, p := range c.Ports {
			if strings.TrimSpace(v) == strconv.Itoa(int(p.ContainerPort)) {
				out = append(out, fmt.Sprintf("pod annotation %s=%s is its port", PrometheusPortAnnotation, strings.TrimSpace(v)))
			}
		}
	}
	for _, pr := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		if pr != nil && pr.HTTPGet != nil && strings.TrimRight(pr.HTTPGet.Path, "/") == "/metrics" {
			out = append(out, "probes /metrics")
			break
		}
	}
	return out
}

// onlyMetricsPorts reports a container whose every declared port is named as
// a metrics port: the shape of an exporter, not of an app.
func (w *wiring) onlyMetricsPorts(name string) bool {
	c := w.specs[name]
	if c == nil || len(c.Ports) == 0 {
		return false
	}
	for _, p := range c.Ports {
		if !IsMetricsPortName(p.Name) {
			return false
		}
	}
	return true
}

// IsMetricsPortName tells the port names Prometheus scrape configs and
// charts use for metrics: metrics, http-metrics, prom, *-metrics.
func IsMetricsPortName(name string) bool {
	n := strings.ToLower(name)
	return n == "metrics" || n == "http-metrics" || n == "prom" || strings.HasSuffix(n, "-metrics")
}

// texts are the places a container's wiring is written: command, args, env values.
type text struct {
	where, value string
}

func containerTexts(c *corev1.Container) []text {
	var out []text
	for _, s := range c.Command {
		out = append(out, text{"command", s})
	}
	for _, s := range c.Args {
		out = append(out, text{"args", s})
	}
	for _, e := range c.Env {
		if e.Value != "" {
			out = append(out, text{"env " + e.Name, e.Value})
		}
	}
	return out
}

var (
	// A loopback host with a port: localhost:9000, 127.0.0.1:9000, [::1]:9000.
	loopbackPort = regexp.MustCompile(`(?i)(?:^|[^a-z0-9.-])((?:localhost|127(?:\.\d{1,3}){3}|\[::1\]):(\d{1,5}))\b`)
	// A flag that sets a listen address or port, e.g. --port=5432, --listen 127.0.0.1:6380, --https-address=:8443.
	listenFlag = regexp.MustCompile(`^--?([a-z0-9-]*(?:port|listen|bind|address|addr))(?:=(.*))?$`)
	// Flags that name somebody else's port: the app's, an upstream's.
	otherSideFlag = regexp.MustCompile(`app|upstream|target|backend|remote|server|control|placement|scheduler|sentry|metrics|admin|health|debug|public|internal`)
	hostPort      = regexp.MustCompile(`(?:^|[^a-zA-Z0-9.$(-])([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)\.?:(\d{1,5})\b`)
	urlHost       = regexp.MustCompile(`[a-z][a-z0-9+.-]*://(?:[^/@\s]+@)?([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)`)
	serviceName   = regexp.MustCompile(`(?:^|[^a-zA-Z0-9.$(-])([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.svc(?:\.cluster\.local)?)\b`)
	loopbackHost  = regexp.MustCompile(`(?i)^(?:localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)$`)
	portNumber    = regexp.MustCompile(`^\d{1,5}$`)
)

// localRefs finds the loopback addresses a container names with a port,
// including the common split form of two env vars (DB_HOST=127.0.0.1, DB_PORT=5432).
func localRefs(c *corev1.Container) []localRef {
	var out []localRef
	seen := map[string]bool{}
	add := func(r localRef) {
		key := fmt.Sprintf("%d/%s", r.Port, r.Where)
		if r.Port > 0 && !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	for _, t := range containerTexts(c) {
		for _, m := range loopbackPort.FindAllStringSubmatch(t.value, -1) {
			add(localRef{From: c.Name, Port: parsePort(m[2]), Where: t.where, Text: m[1]})
		}
	}
	var hostVar string
	for _, e := range c.Env {
		if loopbackHost.MatchString(strings.TrimSpace(e.Value)) {
			hostVar = e.Name
		}
	}
	if hostVar != "" {
		for _, e := range c.Env {
			if portNumber.MatchString(strings.TrimSpace(e.Value)) && strings.Contains(strings.ToUpper(e.Name), "PORT") {
				add(localRef{From: c.Name, Port: parsePort(e.Value), Where: "env " + hostVar + "/" + e.Name,
					Text: envValue(c, hostVar) + " port " + strings.TrimSpace(e.Value)})
			}
		}
	}
	// A container's own listeners are not references to another container.
	own := map[int32]bool{}
	for _, p := range c.Ports {
		own[p.ContainerPort] = true
	}
	for _, l := range flagListeners(c) {
		own[l.Port] = true
	}
	kept := out[:0]
	for _, r := range out {
		if !own[r.Port] {
			kept = append(kept, r)
		}
	}
	return kept
}

func envValue(c *corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return strings.TrimSpace(e.Value)
		}
	}
	return ""
}

// flagListeners reads the ports a container binds through its own flags.
func flagListeners(c *corev1.Container) []listenPort {
	var out []listenPort
	args := append(append([]string{}, c.Command...), c.Args...)
	for i, a := range args {
		m := listenFlag.FindStringSubmatch(a)
		if m == nil || otherSideFlag.MatchString(m[1]) {
			continue
		}
		val, hasVal := m[2], strings.Contains(a, "=")
		if !hasVal {
			if i+1 >= len(args) {
				continue
			}
			val = args[i+1]
		}
		if l, ok := parseListen(val); ok {
			out = append(out, l)
		}
	}
	return out
}

// parseListen reads ":8443", "0.0.0.0:80", "127.0.0.1:6380" or "5432" as a
// local listener; anything naming another host is not one.
func parseListen(v string) (listenPort, bool) {
	v = strings.TrimSpace(v)
	if portNumber.MatchString(v) {
		return listenPort{Port: parsePort(v)}, parsePort(v) > 0
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil || !portNumber.MatchString(port) {
		return listenPort{}, false
	}
	switch {
	case host == "" || host == "0.0.0.0" || host == "::":
		return listenPort{Port: parsePort(port)}, true
	case loopbackHost.MatchString(host):
		return listenPort{Port: parsePort(port), Loopback: true}, true
	}
	return listenPort{}, false
}

func parsePort(s string) int32 {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 65535 {
		return 0
	}
	return int32(n)
}

// remoteHosts lists the hosts outside the pod a container names: cluster
// Services (*.svc, *.svc.cluster.local), DNS names with a port or in a URL,
// and IP addresses that are not loopback or "any".
func remoteHosts(c *corev1.Container) []string {
	seen := map[string]bool{}
	var out []string
	add := func(h string) {
		h = strings.TrimSuffix(h, ".")
		if h == "" || seen[h] || !isRemoteHost(h) {
			return
		}
		seen[h] = true
		out = append(out, h)
	}
	for _, t := range containerTexts(c) {
		for _, re := range []*regexp.Regexp{hostPort, urlHost, serviceName} {
			for _, m := range re.FindAllStringSubmatch(t.value, -1) {
				add(m[1])
			}
		}
	}
	sort.Strings(out)
	return out
}

func isRemoteHost(h string) bool {
	if loopbackHost.MatchString(h) || h == "0.0.0.0" {
		return false
	}
	if ip := net.ParseIP(h); ip != nil {
		return !ip.IsLoopback() && !ip.IsUnspecified()
	}
	labels := strings.Split(h, ".")
	last := labels[len(labels)-1]
	if len(labels) < 2 || portNumber.MatchString(last) {
		// A dotted run of numbers that is not an IP: a version, not a host.
		return false
	}
	// A top-level label is letters; "app.conf" passes this, which is why a
	// name only counts with a port, in a URL, or as a *.svc name.
	for _, r := range last {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}
