package classify_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
)

// In-house images that no built-in rule names: only the wiring can tell.
const (
	workerImage = "registry.corp/team/queue-worker:3.1"
	statsImage  = "registry.corp/team/queue-stats:1.0"
)

func named(c corev1.Container, names ...string) corev1.Container {
	for i := range c.Ports {
		if i < len(names) {
			c.Ports[i].Name = names[i]
		}
	}
	return c
}

func withArgs(c corev1.Container, args ...string) corev1.Container {
	c.Args = args
	return c
}

func withEnv(c corev1.Container, kv ...string) corev1.Container {
	for i := 0; i+1 < len(kv); i += 2 {
		c.Env = append(c.Env, corev1.EnvVar{Name: kv[i], Value: kv[i+1]})
	}
	return c
}

func mount(c corev1.Container, volume, path string, readOnly bool) corev1.Container {
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: volume, MountPath: path, ReadOnly: readOnly})
	return c
}

func withEmptyDirs(p *corev1.Pod, names ...string) *corev1.Pod {
	for _, n := range names {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: n, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	}
	return p
}

func reasons(res classify.Result, name string) string {
	c := res.Find(name)
	if c == nil {
		return ""
	}
	return strings.Join(c.Reasons, "; ")
}

func TestNoBuiltinRuleNamesTheInHouseImages(t *testing.T) {
	for _, img := range []string{workerImage, statsImage, "registry.corp/team/cache-bridge:2", "registry.corp/team/log-tail:1",
		"registry.corp/team/conf-pull:1", "registry.corp/team/egress:1", "registry.corp/team/orders:1"} {
		for _, name := range []string{"worker", "queue-stats", "bridge", "tail", "conf", "egress", "orders", "poller"} {
			r, _ := classify.BuiltinRules().Match(name, img, nil)
			assert.Nil(t, r, "%s %s", name, img)
		}
	}
}

// The pod: a queue worker with an admin port and an in-house helper
// that polls it on 127.0.0.1 and exposes http-metrics is the adapter pattern.
func TestLocalhostReaderWithItsOwnPortIsAdapter(t *testing.T) {
	p := pod(nil, nil,
		named(ctr("worker", workerImage, 9000), "admin"),
		named(withArgs(ctr("queue-stats", statsImage, 9102), "--source=http://127.0.0.1:9000/admin/stats"), "http-metrics"))
	res := classify.Classify(p, classify.BuiltinRules())
	assert.Equal(t, "worker", res.Main)
	assert.Contains(t, reasons(res, "worker"), "queue-stats exposes only metrics ports")
	assert.Equal(t, classify.RoleAdapter, res.Find("queue-stats").Role)
	why := reasons(res, "queue-stats")
	assert.Contains(t, why, "calls the main container worker on localhost (args: 127.0.0.1:9000) → adapter")
	assert.Contains(t, why, "exposes its own port 9102 (http-metrics) → adapter")
	assert.Contains(t, why, "shows metrics: port 9102 is named http-metrics → adapter")
	assert.Empty(t, res.Ambiguous)

	// The same helper listed first and with a plain port name: still the adapter,
	// the worker is the only container exposing a port that is not metrics.
	p = pod(nil, nil,
		withArgs(ctr("queue-stats", statsImage), "--source", "localhost:9000"),
		ctr("worker", workerImage, 9000))
	p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "norm-api", ContainerPort: 8081}}
	res = classify.Classify(p, classify.BuiltinRules())
	assert.Equal(t, "queue-stats", res.Main, "both expose ports and neither is named as a helper: first one, weak hint")
	assert.Contains(t, reasons(res, "queue-stats"), "weak hint")
}

func TestLocalhostReaderWithoutAPortIsSidecar(t *testing.T) {
	p := pod(nil, nil,
		ctr("worker", workerImage, 9000),
		withEnv(ctr("poller", "registry.corp/team/health-poller:1"), "TARGET", "http://localhost:9000/healthz"))
	res := classify.Classify(p, classify.BuiltinRules())
	assert.Equal(t, "worker", res.Main)
	assert.Equal(t, classify.RoleSidecar, res.Find("poller").Role)
	assert.Contains(t, reasons(res, "poller"), "calls the main container worker on localhost (env TARGET: localhost:9000) and exposes no port of its own → sidecar")
}

func TestAppCallingAHelperOnLocalhostMakesItAnAmbassador(t *testing.T) {
	// The helper is listed first and both expose ports: only the wiring tells
	// which is the app.
	bridge := withArgs(ctr("bridge", "registry.corp/team/cache-bridge:2", 6380), "--listen=127.0.0.1:6380", "--upstream=redis-main.cache.svc.cluster.local:6379")
	app := withEnv(ctr("orders", "registry.corp/team/orders:1", 8080), "CACHE_URL", "redis://localhost:6380/0")
	res := classify.Classify(pod(nil, nil, bridge, app), classify.BuiltinRules())
	assert.Equal(t, "orders", res.Main)
	assert.Contains(t, reasons(res, "orders"), "bridge is called on localhost and names hosts outside the pod")
	assert.Equal(t, classify.RoleAmbassador, res.Find("bridge").Role)
	why := reasons(res, "bridge")
	assert.Contains(t, why, "the main container orders calls it on localhost (env CACHE_URL: localhost:6380) → ambassador")
	assert.Contains(t, why, "names hosts outside the pod (redis-main.cache.svc.cluster.local) → ambassador")

	// The split host/port form of many apps' env.
	app = withEnv(ctr("orders", "registry.corp/team/orders:1", 8080), "DB_HOST", "127.0.0.1", "DB_PORT", "6380")
	res = classify.Classify(pod(nil, nil, app, ctr("bridge", "registry.corp/team/cache-bridge:2", 6380)), classify.BuiltinRules())
	assert.Equal(t, classify.RoleAmbassador, res.Find("bridge").Role)
	assert.Contains(t, reasons(res, "bridge"), "env DB_HOST/DB_PORT: 127.0.0.1 port 6380")
}

func TestLocalListenerNamingRemoteHostsIsAmbassador(t *testing.T) {
	egress := withArgs(ctr("egress", "registry.corp/team/egress:1"), "--bind", "127.0.0.1:7000", "--to", "api.partner.example.com:443")
	res := classify.Classify(pod(nil, nil, ctr("orders", "registry.corp/team/orders:1", 8080), egress), classify.BuiltinRules())
	assert.Equal(t, classify.RoleAmbassador, res.Find("egress").Role)
	assert.Contains(t, reasons(res, "egress"), "listens on 7000 and names hosts outside the pod (api.partner.example.com) → ambassador")

	// Naming a remote host without listening is just a client: no evidence.
	shipper := withEnv(ctr("shipper", "registry.corp/team/ship:1"), "LOKI", "http://loki.monitoring.svc:3100/loki/api/v1/push")
	res = classify.Classify(pod(nil, nil, ctr("orders", "registry.corp/team/orders:1", 8080), shipper), classify.BuiltinRules())
	assert.Equal(t, classify.RoleSidecar, res.Find("shipper").Role)
	assert.Contains(t, reasons(res, "shipper"), "no rule or wiring names its role")
}

func TestMetricsConventionsMakeAnAdapter(t *testing.T) {
	app := ctr("orders", "registry.corp/team/orders:1", 8080)
	cases := map[string]struct {
		helper corev1.Container
		ann    map[string]string
		want   string
	}{
		"port name metrics":    {named(ctr("bridge", "registry.corp/x/bridge:1", 9100), "metrics"), nil, "port 9100 is named metrics"},
		"port name prom":       {named(ctr("bridge", "registry.corp/x/bridge:1", 9100), "prom"), nil, "port 9100 is named prom"},
		"port name *-metrics":  {named(ctr("bridge", "registry.corp/x/bridge:1", 9100), "orders-metrics"), nil, "port 9100 is named orders-metrics"},
		"prometheus.io/port":   {ctr("bridge", "registry.corp/x/bridge:1", 9100), map[string]string{"prometheus.io/port": "9100"}, "pod annotation prometheus.io/port=9100 is its port"},
		"/metrics probe":       {probed(ctr("bridge", "registry.corp/x/bridge:1", 9100), "/metrics"), nil, "probes /metrics"},
		"no convention at all": {ctr("bridge", "registry.corp/x/bridge:1", 9100), map[string]string{"prometheus.io/port": "8080"}, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res := classify.Classify(pod(tc.ann, nil, app, tc.helper), classify.BuiltinRules())
			require.Equal(t, "orders", res.Main)
			if tc.want == "" {
				assert.Equal(t, classify.RoleSidecar, res.Find("bridge").Role)
				assert.NotContains(t, reasons(res, "bridge"), "metrics")
				return
			}
			assert.Equal(t, classify.RoleAdapter, res.Find("bridge").Role)
			assert.Contains(t, reasons(res, "bridge"), "shows metrics: "+tc.want+" → adapter")
		})
	}
}

func probed(c corev1.Container, path string) corev1.Container {
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(9100)}}}
	return c
}

func TestVolumeDirection(t *testing.T) {
	app := mount(ctr("orders", "registry.corp/team/orders:1", 8080), "logs", "/var/log/orders", false)
	tail := mount(ctr("tail", "registry.corp/team/log-tail:1"), "logs", "/logs", true)
	res := classify.Classify(withEmptyDirs(pod(nil, nil, app, tail), "logs"), classify.BuiltinRules())
	assert.Equal(t, classify.RoleSidecar, res.Find("tail").Role)
	assert.Contains(t, reasons(res, "tail"), "reads emptyDir logs that orders writes (read-only here, read-write there) → sidecar")

	app = mount(ctr("orders", "registry.corp/team/orders:1", 8080), "conf", "/etc/orders", true)
	feeder := mount(ctr("conf", "registry.corp/team/conf-pull:1"), "conf", "/out", false)
	res = classify.Classify(withEmptyDirs(pod(nil, nil, app, feeder), "conf"), classify.BuiltinRules())
	assert.Equal(t, classify.RoleSidecar, res.Find("conf").Role)
	assert.Contains(t, reasons(res, "conf"), "writes emptyDir conf that orders reads read-only (feeds the app) → sidecar")

	// A configMap is read-only whatever the mount says: no direction.
	p := pod(nil, nil, mount(ctr("orders", "x/orders", 8080), "cm", "/etc/o", false), mount(ctr("tail", "x/tail"), "cm", "/c", true))
	p.Spec.Volumes = []corev1.Volume{{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}}
	res = classify.Classify(p, classify.BuiltinRules())
	assert.NotContains(t, reasons(res, "tail"), "reads configMap")
}

// Names and wiring disagree: the wiring wins only when two pieces agree.
func TestWiringAgainstNameRules(t *testing.T) {
	app := named(ctr("worker", workerImage, 9000), "admin")

	// "stats-sidecar" matches the generic sidecar name rule, but it polls the
	// app on localhost and exposes its own port: strong wiring, adapter.
	helper := withArgs(ctr("stats-sidecar", statsImage, 9102), "--source=http://127.0.0.1:9000/stats")
	res := classify.Classify(pod(nil, nil, app, helper), classify.BuiltinRules())
	assert.Equal(t, classify.RoleAdapter, res.Find("stats-sidecar").Role)
	why := reasons(res, "stats-sidecar")
	assert.Contains(t, why, "name matches generic sidecar name (sidecar)")
	assert.Contains(t, why, "strong wiring (localhost reference and exposed port) outweighs the name rule: adapter, not sidecar")

	// One piece of wiring (a metrics port name) is weaker than a rule: an
	// in-house redis-proxy stays the ambassador its image says it is.
	proxy := named(ctr("cache", "registry.corp/team/redis-proxy:4", 9121), "metrics")
	res = classify.Classify(pod(nil, nil, app, proxy), classify.BuiltinRules())
	assert.Equal(t, classify.RoleAmbassador, res.Find("cache").Role)
	assert.Contains(t, reasons(res, "cache"), "the name rule (ambassador) outweighs the weaker wiring that points elsewhere (adapter)")
	assert.Empty(t, res.Ambiguous)

	// The user's own rule wins over strong wiring.
	user, err := classify.ParseRules([]byte("rules: [{label: our stats, role: sidecar, images: ['queue-stats']}]"))
	require.NoError(t, err)
	res = classify.Classify(pod(nil, nil, app, helper), append(user, classify.BuiltinRules()...))
	assert.Equal(t, classify.RoleSidecar, res.Find("stats-sidecar").Role)
	assert.Contains(t, reasons(res, "stats-sidecar"), "your rule says sidecar, which wins over the wiring")

	// A known proxy forwarding to the app on localhost is in front of it:
	// that supports its rule instead of making it an adapter.
	oauth := withArgs(ctr("auth", "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0", 4180), "--upstream=http://127.0.0.1:9000/")
	res = classify.Classify(pod(nil, nil, app, oauth), classify.BuiltinRules())
	assert.Equal(t, classify.RoleAmbassador, res.Find("auth").Role)
	assert.Contains(t, reasons(res, "auth"), "a known proxy in front of it → ambassador")
}

func TestTiesAreAmbiguousAndTheAnnotationSettlesThem(t *testing.T) {
	// Reads the app's log volume (sidecar) and exposes a metrics port
	// (adapter): one piece each, no rule.
	build := func(ann map[string]string) *corev1.Pod {
		app := mount(ctr("orders", "registry.corp/team/orders:1", 8080), "logs", "/var/log/orders", false)
		helper := mount(named(ctr("logstat", "registry.corp/team/logstat:1", 9144), "metrics"), "logs", "/logs", true)
		return withEmptyDirs(pod(ann, nil, app, helper), "logs")
	}
	res := classify.Classify(build(nil), classify.BuiltinRules())
	assert.Equal(t, classify.RoleSidecar, res.Find("logstat").Role)
	assert.Contains(t, reasons(res, "logstat"), "ambiguous: the evidence for logstat points to sidecar and adapter equally")
	require.Len(t, res.Ambiguous, 1)
	assert.Equal(t, "logstat", res.Ambiguous[0].Container)
	assert.Contains(t, res.Ambiguous[0].Message, classify.RolesAnnotation)

	res = classify.Classify(build(map[string]string{classify.RolesAnnotation: "logstat=adapter"}), classify.BuiltinRules())
	assert.Equal(t, classify.RoleAdapter, res.Find("logstat").Role)
	assert.Empty(t, res.Ambiguous)
}

func service(name string, selector map[string]string, ports ...corev1.ServicePort) corev1.Service {
	return corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}, Spec: corev1.ServiceSpec{Selector: selector, Ports: ports}}
}

func TestServiceTargetIsTheApp(t *testing.T) {
	build := func() *corev1.Pod {
		// Both in-house, both with ports, the helper listed first: without a
		// Service the first one would be guessed.
		p := pod(nil, nil, named(ctr("bridge", "registry.corp/team/cache-bridge:2", 7000), "bridge"), named(ctr("orders", "registry.corp/team/orders:1", 8080), "http"))
		p.Namespace, p.Labels = "shop", map[string]string{"app": "orders"}
		return p
	}
	rules := classify.BuiltinRules()
	assert.Equal(t, "bridge", classify.Classify(build(), rules).Main)

	web := service("orders", map[string]string{"app": "orders"}, corev1.ServicePort{Name: "web", Port: 80, TargetPort: intstr.FromString("http")})
	res := classify.ClassifyIn(build(), rules, classify.Context{Services: []corev1.Service{web}})
	assert.Equal(t, "orders", res.Main)
	assert.Contains(t, reasons(res, "orders"), "Service orders targets its port 8080 (http)")
	assert.Equal(t, classify.RoleSidecar, res.Find("bridge").Role)

	// By number, and ignored when the selector does not match, when the
	// Service is in another namespace, or when it targets a metrics port.
	byNumber := service("orders", map[string]string{"app": "orders"}, corev1.ServicePort{Port: 8080})
	assert.Equal(t, "orders", classify.ClassifyIn(build(), rules, classify.Context{Services: []corev1.Service{byNumber}}).Main)
	other := service("other", map[string]string{"app": "other"}, corev1.ServicePort{Port: 8080})
	elsewhere := byNumber
	elsewhere.Namespace = "elsewhere"
	noSelector := service("manual", nil, corev1.ServicePort{Port: 8080})
	for _, s := range []corev1.Service{other, elsewhere, noSelector} {
		assert.Equal(t, "bridge", classify.ClassifyIn(build(), rules, classify.Context{Services: []corev1.Service{s}}).Main, s.Name)
	}
	p := build()
	p.Spec.Containers[1].Ports[0].Name = "metrics"
	scrape := service("orders-metrics", map[string]string{"app": "orders"}, corev1.ServicePort{Port: 8080})
	assert.Equal(t, "bridge", classify.ClassifyIn(p, rules, classify.Context{Services: []corev1.Service{scrape}}).Main)
}

func TestServiceTargetingAKnownProxyKeepsTheApp(t *testing.T) {
	p := pod(nil, nil,
		withArgs(named(ctr("oauth-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0", 8443), "public"), "--upstream=http://localhost:8080"),
		ctr("orders", "registry.corp/team/orders:1", 8080))
	p.Namespace, p.Labels = "shop", map[string]string{"app": "orders"}
	svc := service("orders", map[string]string{"app": "orders"}, corev1.ServicePort{Port: 443, TargetPort: intstr.FromString("public")})
	res := classify.ClassifyIn(p, classify.BuiltinRules(), classify.Context{Services: []corev1.Service{svc}})
	assert.Equal(t, "orders", res.Main)
	assert.Equal(t, classify.RoleAmbassador, res.Find("oauth-proxy").Role)
	assert.Contains(t, reasons(res, "oauth-proxy"), "Service orders targets its port 8443 (public), but it is a known proxy (oauth2-proxy) in front of the app")
}

// Wiring words that look like hosts but are not must not count.
func TestRemoteHostsLeaveOutLookalikes(t *testing.T) {
	for _, args := range [][]string{
		{"--domain", "$(POD_NAMESPACE).svc.cluster.local"},
		{"--config=/etc/app.conf"},
		{"--version=1.2.3"},
		{"--listen=0.0.0.0:9000"},
		{"--peer=127.0.0.1:9000"},
	} {
		c := withArgs(ctr("helper", "registry.corp/x/helper:1", 7000), args...)
		res := classify.Classify(pod(nil, nil, ctr("orders", "x/orders", 8080), c), classify.BuiltinRules())
		assert.NotContains(t, reasons(res, "helper"), "names hosts outside the pod", args)
	}
	for _, args := range [][]string{
		{"--to=10.20.0.5:5432"},
		{"--vault=http://vault.vault.svc:8200"},
		{"--dst", "linkerd-dst.linkerd.svc.cluster.local.:8086"},
		{"--db", "orders-db.shop.svc"},
	} {
		c := withArgs(ctr("helper", "registry.corp/x/helper:1", 7000), args...)
		res := classify.Classify(pod(nil, nil, ctr("orders", "x/orders", 8080), c), classify.BuiltinRules())
		assert.Contains(t, reasons(res, "helper"), "names hosts outside the pod", args)
	}
}

// Odd pods get an answer, never a panic: no containers, only native
// sidecars, a container calling its own port, a Service naming a port no
// container has, a port number out of range.
func TestWiringOddPods(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	native := ctr("proxy", "registry.corp/x/p:1", 7000)
	native.RestartPolicy = &always
	self := withArgs(ctr("orders", "x/orders", 8080), "--self=http://localhost:8080", "--bad=localhost:99999")
	svc := service("s", map[string]string{"a": "b"}, corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("nope"), Protocol: corev1.ProtocolTCP})
	for name, p := range map[string]*corev1.Pod{
		"empty":         pod(nil, nil),
		"only native":   pod(nil, []corev1.Container{native}),
		"self call":     pod(nil, nil, self),
		"native + self": pod(nil, []corev1.Container{native}, self),
	} {
		p.Labels = map[string]string{"a": "b"}
		res := classify.ClassifyIn(p, classify.BuiltinRules(), classify.Context{Services: []corev1.Service{svc}})
		for _, c := range res.Containers {
			assert.NotEmpty(t, c.Role, "%s: %s", name, c.Name)
			assert.NotEmpty(t, c.Reasons, "%s: %s", name, c.Name)
		}
	}
}

// Two look-alike containers: the main one is a guess, said as ambiguous with
// a pointer to the annotation, which settles it.
func TestGuessedMainIsAmbiguous(t *testing.T) {
	build := func(ann map[string]string) *corev1.Pod {
		return pod(ann, nil, ctr("a", "registry.corp/x/a:1", 8080), ctr("b", "registry.corp/x/b:1", 9090))
	}
	res := classify.Classify(build(nil), classify.BuiltinRules())
	assert.Equal(t, "a", res.Main)
	assert.Contains(t, reasons(res, "a"), "ambiguous: the main container is a guess among a, b")
	require.Len(t, res.Ambiguous, 1)
	assert.Equal(t, "a", res.Ambiguous[0].Container)

	res = classify.Classify(build(map[string]string{classify.RolesAnnotation: "b=main,a=sidecar"}), classify.BuiltinRules())
	assert.Equal(t, "b", res.Main)
	assert.Empty(t, res.Ambiguous)
	res = classify.Classify(build(map[string]string{classify.RolesAnnotation: "b=main"}), classify.BuiltinRules())
	assert.Empty(t, res.Ambiguous)
}

// A user's rule can mark an in-house proxy: a Service on it keeps the app.
func TestUserRuleCanMarkAProxy(t *testing.T) {
	user, err := classify.ParseRules([]byte("rules: [{label: our gateway, role: ambassador, proxy: true, images: ['corp/gw']}]"))
	require.NoError(t, err)
	p := pod(nil, nil, named(ctr("gw", "registry.corp/gw:1", 8443), "https"), ctr("orders", "registry.corp/team/orders:1", 8080))
	p.Namespace, p.Labels = "shop", map[string]string{"app": "orders"}
	svc := service("orders", map[string]string{"app": "orders"}, corev1.ServicePort{Port: 443, TargetPort: intstr.FromString("https")})
	res := classify.ClassifyIn(p, append(user, classify.BuiltinRules()...), classify.Context{Services: []corev1.Service{svc}})
	assert.Equal(t, "orders", res.Main)
	assert.Contains(t, reasons(res, "gw"), "but it is a known proxy (our gateway) in front of the app")
}
