package scaffold

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Default images: pinned, and chosen so that the classifier's built-in rules
// recognise the helpers (nginx-prometheus-exporter -> adapter, envoy ->
// ambassador).
const (
	ImageNginx    = "nginx:1.27"
	ImageBusybox  = "busybox:1.36"
	ImageExporter = "nginx/nginx-prometheus-exporter:1.4.0"
	ImageEnvoy    = "envoyproxy/envoy:v1.33.0"

	// DefaultUpstream is the ambassador's external service: the seed lab's
	// site, plain HTTP so that the proxy needs no certificates.
	DefaultUpstream = "info.cern.ch:80"
	// DefaultSchedule runs a CronJob every ten minutes.
	DefaultSchedule = "*/10 * * * *"

	stubStatusPort  = 8080
	exporterPort    = 9113
	ambassadorPort  = 9000
	upstreamURLEnv  = "UPSTREAM_URL"
	upstreamAddrEnv = "UPSTREAM_ADDR"
)

// side is one container of a preset with the configuration that only makes
// sense for its default image.
type side struct {
	name    string
	image   string
	command []string
	args    []string
	port    int32
	portKey string // the port's name
	env     []corev1.EnvVar
	// mounts, volumes and configMaps belong to the default image (its config
	// files); they are dropped when the user brings another image.
	mounts     []corev1.VolumeMount
	volumes    []corev1.Volume
	configMaps []*corev1.ConfigMap
	note       string
}

// preset is a pattern's working example for a workload kind.
type preset struct {
	main, helper side
	shares       []Share
	// shareNote says why the default share is there.
	shareNote string
	// probe: the app depends on the helper, so a native helper gets a
	// startupProbe and the app starts only once the helper listens.
	probe bool
}

func presetFor(o *Options) (preset, error) {
	batch := o.Kind.batch()
	switch o.Pattern {
	case PatternInit:
		return initPreset(batch), nil
	case PatternSidecar, PatternNativeSidecar:
		return sidecarPreset(batch), nil
	case PatternAdapter:
		return adapterPreset(o.Name, batch), nil
	case PatternAmbassador:
		up := DefaultUpstream
		if o.Upstream != "" {
			up = o.Upstream
		}
		u, err := parseUpstream(up)
		if err != nil {
			return preset{}, err
		}
		return ambassadorPreset(o.Name, u, batch), nil
	}
	return preset{}, fmt.Errorf("unknown pattern %q", o.Pattern)
}

func initPreset(batch bool) preset {
	p := preset{
		main: side{name: "nginx", image: ImageNginx, port: 80, portKey: "http",
			note: "the app: serves what the init container prepared"},
		helper: side{name: "init-html", image: ImageBusybox,
			command: []string{"sh", "-c", `printf '<h1>%s</h1>\n<p>written by init container init-html at %s</p>\n' "$(hostname)" "$(date)" > /html/index.html`},
			note:    "init container: runs to completion before the app starts; it runs again if the pod is recreated, so keep it idempotent"},
		shares:    []Share{{Name: "html", MainPath: "/usr/share/nginx/html", HelperPath: "/html"}},
		shareNote: "emptyDir: the init container writes index.html, nginx serves it; it lives as long as the pod",
	}
	if batch {
		p.main = side{name: "report", image: ImageBusybox,
			command: []string{"sh", "-c", "cat /work/index.html"},
			note:    "the app: a task that exits, as a Job's pod must; it reads what the init container prepared"}
		p.shares = []Share{{Name: "work", MainPath: "/work", HelperPath: "/html"}}
		p.shareNote = "emptyDir: the init container writes index.html, the task reads it"
	}
	return p
}

func sidecarPreset(batch bool) preset {
	p := preset{
		main: side{name: "nginx", image: ImageNginx, port: 80, portKey: "http",
			note: "the app: nginx writes access.log and error.log into the shared volume"},
		helper: side{name: "log-tailer", image: ImageBusybox,
			command: []string{"sh", "-c", "tail -n +1 -F /var/log/nginx/access.log /var/log/nginx/error.log"},
			note:    "sidecar: streams the app's log files to its own stdout (kubectl logs -c log-tailer)"},
		shares: []Share{{Name: "logs", MainPath: "/var/log/nginx", HelperPath: "/var/log/nginx"}},
		// The nginx image links its logs to /dev/stdout; an emptyDir over
		// /var/log/nginx hides the links, so nginx writes real files.
		shareNote: "emptyDir over /var/log/nginx: nginx writes real log files here (not its stdout links) for the sidecar to read",
	}
	if batch {
		p.main = side{name: "task", image: ImageBusybox,
			command: []string{"sh", "-c", `for i in 1 2 3 4 5; do echo "step $i done" >> /var/log/app/task.log; sleep 2; done`},
			note:    "the app: a task that exits, as a Job's pod must; it logs to a file"}
		p.helper.command = []string{"sh", "-c", "tail -n +1 -F /var/log/app/task.log"}
		p.shares = []Share{{Name: "logs", MainPath: "/var/log/app", HelperPath: "/var/log/app"}}
		p.shareNote = "emptyDir: the task writes task.log here, the sidecar reads it"
	}
	return p
}

func adapterPreset(name string, batch bool) preset {
	cm := configMap(name+"-nginx-status", map[string]string{"stub_status.conf": fmt.Sprintf(`server {
    listen %d;
    location = /stub_status {
        stub_status;
        allow 127.0.0.1;
        deny all;
    }
}
`, stubStatusPort)})
	p := preset{
		main: side{name: "nginx", image: ImageNginx, port: 80, portKey: "http",
			note: "the app: nginx, with a stub_status page on localhost:8080 for the adapter",
			mounts: []corev1.VolumeMount{{Name: "nginx-status", MountPath: "/etc/nginx/conf.d/stub_status.conf",
				SubPath: "stub_status.conf", ReadOnly: true}},
			volumes: []corev1.Volume{{Name: "nginx-status", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: cm.Name}}}}},
			configMaps: []*corev1.ConfigMap{cm}},
		helper: side{name: "exporter", image: ImageExporter,
			args:    []string{fmt.Sprintf("--nginx.scrape-uri=http://localhost:%d/stub_status", stubStatusPort)},
			port:    exporterPort,
			portKey: "metrics",
			note:    fmt.Sprintf("adapter: turns nginx's own stub_status format into Prometheus metrics on :%d/metrics; containers of a pod share localhost", exporterPort)},
	}
	if batch {
		// A Job's pod must end: nginx serves for a minute, then quits.
		p.main.command = []string{"sh", "-c", "nginx && sleep 60 && nginx -s quit"}
		p.main.note = "the app: a Job's pod must end, so nginx serves for 60 s and quits; stub_status on localhost:8080 for the adapter"
	}
	return p
}

func ambassadorPreset(name string, up upstream, batch bool) preset {
	// Port 80 is HTTP: the ambassador speaks HTTP, rewrites the Host header
	// and retries. Any other port may be a database or a cache, so the
	// ambassador forwards TCP and the app gets an address, not a URL.
	http := up.Port == 80
	cm := configMap(name+"-envoy", map[string]string{"envoy.yaml": envoyConfig(up, http)})
	env := corev1.EnvVar{Name: upstreamURLEnv, Value: fmt.Sprintf("http://localhost:%d/", ambassadorPort)}
	loop := fmt.Sprintf(`while true; do wget -qO- "$%s" | head -n 5; sleep 10; done`, upstreamURLEnv)
	once := fmt.Sprintf(`wget -qO- "$%s"`, upstreamURLEnv)
	what := "with retries and timeouts"
	if !http {
		env = corev1.EnvVar{Name: upstreamAddrEnv, Value: fmt.Sprintf("localhost:%d", ambassadorPort)}
		probe := fmt.Sprintf(`nc -w 3 "${%[1]s%%:*}" "${%[1]s##*:}" </dev/null && echo "reached %[2]s through $%[1]s"`, upstreamAddrEnv, up.Host)
		loop = "while true; do " + probe + "; sleep 10; done"
		once = probe
		what = "as plain TCP with a connect timeout"
	}
	p := preset{
		main: side{name: "app", image: ImageBusybox,
			command: []string{"sh", "-c", loop},
			env:     []corev1.EnvVar{env},
			note:    fmt.Sprintf("the app: knows only $%s, the ambassador on localhost; not %s", env.Name, up.Host)},
		helper: side{name: "ambassador", image: ImageEnvoy,
			command: []string{"envoy", "-c", "/etc/envoy/envoy.yaml", "--log-level", "warn"},
			port:    ambassadorPort,
			portKey: "egress",
			note:    fmt.Sprintf("ambassador: proxies localhost:%d to %s:%d %s, so the app need not know them", ambassadorPort, up.Host, up.Port, what),
			mounts:  []corev1.VolumeMount{{Name: "envoy-config", MountPath: "/etc/envoy", ReadOnly: true}},
			volumes: []corev1.Volume{{Name: "envoy-config", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: cm.Name}}}}},
			configMaps: []*corev1.ConfigMap{cm}},
		probe: true,
	}
	if batch {
		p.main.command = []string{"sh", "-c", once}
		p.main.note = fmt.Sprintf("the app: one request through the ambassador ($%s), then the Job is done", env.Name)
	}
	return p
}

func configMap(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Data:       data,
	}
}

// envoyConfig is a minimal egress proxy: one listener on localhost, one
// upstream cluster resolved by DNS; for HTTP the Host header is rewritten so
// that virtual-hosted sites answer.
func envoyConfig(up upstream, http bool) string {
	filter := envoyTCPFilter
	if http {
		filter = fmt.Sprintf(envoyHTTPFilter, up.Host)
	}
	return fmt.Sprintf(envoyListener, ambassadorPort) + filter + fmt.Sprintf(envoyCluster, up.Host, up.Port)
}

const envoyListener = `static_resources:
  listeners:
  - name: egress
    address:
      socket_address: {address: 127.0.0.1, port_value: %[1]d}
    filter_chains:
    - filters:
`

const envoyTCPFilter = `      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: egress
          cluster: upstream
`

const envoyHTTPFilter = `      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: egress
          route_config:
            virtual_hosts:
            - name: upstream
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route:
                  cluster: upstream
                  host_rewrite_literal: %[1]s
                  timeout: 10s
                  retry_policy: {retry_on: "5xx,connect-failure,reset", num_retries: 3}
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
`

const envoyCluster = `  clusters:
  - name: upstream
    type: LOGICAL_DNS
    dns_lookup_family: V4_ONLY
    connect_timeout: 5s
    load_assignment:
      cluster_name: upstream
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: {address: %[1]s, port_value: %[2]d}
`
