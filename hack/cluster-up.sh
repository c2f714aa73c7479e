#!/usr/bin/env bash
# Starts a local control plane for trying the plugin and for the e2e tests:
# etcd and kube-apiserver (RBAC on) on free loopback ports with generated
# certificates, a test kubelet that serves container logs from files, and a
# Node "lab-node" whose status points the API server's log proxy at it.
# There is no scheduler, controller manager or real kubelet: create pods with
# spec.nodeName=lab-node and set their status yourself (test/e2e does).
#
# Prints, on stdout, the lines to use it:  eval "$(hack/cluster-up.sh)"
#   export KUBECONFIG=<state>/kubeconfig   contexts: admin (current), viewer (no RBAC bindings)
#   export PATH=<repo>/bin:<kubectl dir>:$PATH
#
# Environment: PODS_PATTERN_E2E_DIR (state dir, default /tmp/pods-pattern-e2e),
# PODS_PATTERN_CACHE (see hack/build-tools.sh), PODS_PATTERN_MIN_REQUEST_TIMEOUT
# (kube-apiserver's --min-request-timeout in seconds, default its own 1800:
# the server closes a watch that set no timeout of its own after 1 to 2 times
# this; hack/e2e.sh sets 5 so that every follow and watch of the suite has to
# survive such closes), PODS_PATTERN_KUBELET_POLL_INTERVAL (how often the test
# kubelet looks for lines appended to a followed log, default 50ms;
# hack/bench-latency.sh sets 5ms).
# Stop it with hack/cluster-down.sh (same PODS_PATTERN_E2E_DIR).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
STATE_DIR="${PODS_PATTERN_E2E_DIR:-/tmp/pods-pattern-e2e}"
export PODS_PATTERN_E2E_DIR="${STATE_DIR}" # for cluster-down on failure
NODE_NAME="lab-node"
READY_TIMEOUT=90
MIN_REQUEST_TIMEOUT="${PODS_PATTERN_MIN_REQUEST_TIMEOUT:-1800}"
KUBELET_POLL_INTERVAL="${PODS_PATTERN_KUBELET_POLL_INTERVAL:-50ms}"

log() { echo "cluster-up: $*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# A state dir we made carries this marker; cluster-down removes only such dirs.
MARKER=".pods-pattern-e2e"
PKI="${STATE_DIR}/pki"
RUN="${STATE_DIR}/run"
LOGS="${STATE_DIR}/logs"
KUBECONFIG_FILE="${STATE_DIR}/kubeconfig"

[[ "${MIN_REQUEST_TIMEOUT}" =~ ^[1-9][0-9]*$ ]] ||
	die "PODS_PATTERN_MIN_REQUEST_TIMEOUT must be a number of seconds > 0, got '${MIN_REQUEST_TIMEOUT}'"

print_usage_lines() {
	echo "export KUBECONFIG=${KUBECONFIG_FILE}"
	echo "export PATH=${ROOT}/bin:${BIN_DIR}:\$PATH"
}

BIN_DIR="$(hack/build-tools.sh)"
KUBECTL=("${BIN_DIR}/kubectl" --kubeconfig "${KUBECONFIG_FILE}")

# Already up? Reuse it.
if [[ -f "${STATE_DIR}/cluster.env" ]] && "${KUBECTL[@]}" get --raw /readyz >/dev/null 2>&1; then
	log "already running (state in ${STATE_DIR})"
	print_usage_lines
	exit 0
fi
if [[ -e "${STATE_DIR}" ]]; then
	log "cleaning up a previous, not-ready cluster in ${STATE_DIR}"
	hack/cluster-down.sh >&2
fi

mkdir -p "${PKI}" "${RUN}" "${LOGS}" "${STATE_DIR}/etcd-data" "${STATE_DIR}/kubelet-logs" "${STATE_DIR}/bin"
touch "${STATE_DIR}/${MARKER}"

ok=0
build_pid=""
on_exit() {
	if [[ -n "${build_pid}" ]]; then
		kill -TERM "${build_pid}" 2>/dev/null || true
		wait "${build_pid}" 2>/dev/null || true
	fi
	if ((ok == 0)); then
		log "start failed; last lines of the logs in ${LOGS}:"
		local f
		for f in "${LOGS}"/*.log; do
			[[ -f "${f}" ]] || continue
			echo "--- ${f}" >&2
			tail -n 15 "${f}" >&2
		done
		log "stopping what was started"
		hack/cluster-down.sh >&2 || true
	fi
}
trap on_exit EXIT

# Compiled before anything starts, so that start-to-ready measures the cluster
# (cold, this compiles client-go: a minute or two).
# In the background with a wait, so that a signal reaches on_exit at once and
# on_exit can stop the build (which would otherwise write into the removed state dir).
build_start=${SECONDS}
go build -o "${STATE_DIR}/bin/test-kubelet" ./test/kubelet/cmd/test-kubelet &
build_pid=$!
wait "${build_pid}"
build_pid=""
log "built test/kubelet in $((SECONDS - build_start))s"
start=${SECONDS}

# --- certificates --------------------------------------------------------
gen_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# sign NAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]
sign() {
	local name="$1" subject="$2" eku="$3" san="${4:-}"
	gen_key "${PKI}/${name}.key"
	openssl req -new -key "${PKI}/${name}.key" -subj "${subject}" -out "${PKI}/${name}.csr" 2>/dev/null
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature"
		echo "extendedKeyUsage=${eku}"
		if [[ -n "${san}" ]]; then echo "subjectAltName=${san}"; fi
	} >"${PKI}/${name}.ext"
	openssl x509 -req -in "${PKI}/${name}.csr" -CA "${PKI}/ca.crt" -CAkey "${PKI}/ca.key" \
		-set_serial "0x$(openssl rand -hex 8)" -days 365 -extfile "${PKI}/${name}.ext" \
		-out "${PKI}/${name}.crt" 2>/dev/null
	rm -f "${PKI}/${name}.csr" "${PKI}/${name}.ext"
}

log "generating certificates in ${PKI}"
gen_key "${PKI}/ca.key"
openssl req -x509 -new -key "${PKI}/ca.key" -subj "/CN=pods-pattern-e2e-ca" -days 3650 \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
	-out "${PKI}/ca.crt" 2>/dev/null
sign apiserver "/CN=kube-apiserver" serverAuth \
	"IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign admin "/O=system:masters/CN=pods-pattern-admin" clientAuth
# viewer is authenticated but bound to no role: RBAC forbids it everything but discovery.
sign viewer "/CN=viewer" clientAuth
sign apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client" clientAuth
sign kubelet "/CN=${NODE_NAME}" serverAuth "IP:127.0.0.1,DNS:localhost,DNS:${NODE_NAME}"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${PKI}/sa.key" 2>/dev/null
openssl pkey -in "${PKI}/sa.key" -pubout -out "${PKI}/sa.pub" 2>/dev/null

# --- ports -----------------------------------------------------------------
taken=" "
# free_port VAR: a loopback port nothing listens on, not handed out before.
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 30000))
		[[ "${taken}" == *" ${p} "* ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/${p}") 2>/dev/null; then
			taken+="${p} "
			printf -v "$1" '%s' "${p}"
			return 0
		fi
	done
	die "found no free loopback port"
}
free_port ETCD_PORT
free_port ETCD_PEER_PORT
free_port API_PORT

# start NAME COMMAND...: runs it in the background, logs to logs/NAME.log,
# records its PID in run/NAME.pid for cluster-down.
start_process() {
	local name="$1"
	shift
	nohup "$@" >"${LOGS}/${name}.log" 2>&1 </dev/null &
	echo $! >"${RUN}/${name}.pid"
}

alive() { kill -0 "$(cat "${RUN}/$1.pid")" 2>/dev/null; }

# --- etcd ------------------------------------------------------------------
log "starting etcd on 127.0.0.1:${ETCD_PORT}"
start_process etcd "${BIN_DIR}/etcd" \
	--name=e2e \
	--data-dir="${STATE_DIR}/etcd-data" \
	--listen-client-urls="http://127.0.0.1:${ETCD_PORT}" \
	--advertise-client-urls="http://127.0.0.1:${ETCD_PORT}" \
	--listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
	--initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
	--initial-cluster="e2e=http://127.0.0.1:${ETCD_PEER_PORT}" \
	--heartbeat-interval=10 --election-timeout=100 \
	--unsafe-no-fsync \
	--log-level=warn

# --- kube-apiserver --------------------------------------------------------
log "starting kube-apiserver on https://127.0.0.1:${API_PORT}"
start_process kube-apiserver "${BIN_DIR}/kube-apiserver" \
	--etcd-servers="http://127.0.0.1:${ETCD_PORT}" \
	--bind-address=127.0.0.1 \
	--advertise-address=127.0.0.1 \
	--secure-port="${API_PORT}" \
	--endpoint-reconciler-type=none \
	--service-cluster-ip-range=10.0.0.0/24 \
	--tls-cert-file="${PKI}/apiserver.crt" \
	--tls-private-key-file="${PKI}/apiserver.key" \
	--client-ca-file="${PKI}/ca.crt" \
	--service-account-issuer=https://kubernetes.default.svc \
	--service-account-key-file="${PKI}/sa.pub" \
	--service-account-signing-key-file="${PKI}/sa.key" \
	--authorization-mode=RBAC \
	--disable-admission-plugins=ServiceAccount \
	--kubelet-certificate-authority="${PKI}/ca.crt" \
	--kubelet-client-certificate="${PKI}/apiserver-kubelet-client.crt" \
	--kubelet-client-key="${PKI}/apiserver-kubelet-client.key" \
	--kubelet-preferred-address-types=InternalIP \
	--min-request-timeout="${MIN_REQUEST_TIMEOUT}" \
	--profiling=false

# --- kubeconfig ------------------------------------------------------------
b64() { base64 -w0 <"$1"; }
cat >"${KUBECONFIG_FILE}" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: pods-pattern-e2e
  cluster:
    server: https://127.0.0.1:${API_PORT}
    certificate-authority-data: $(b64 "${PKI}/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(b64 "${PKI}/admin.crt")
    client-key-data: $(b64 "${PKI}/admin.key")
- name: viewer
  user:
    client-certificate-data: $(b64 "${PKI}/viewer.crt")
    client-key-data: $(b64 "${PKI}/viewer.key")
contexts:
- name: admin
  context:
    cluster: pods-pattern-e2e
    user: admin
    namespace: default
- name: viewer
  context:
    cluster: pods-pattern-e2e
    user: viewer
    namespace: default
current-context: admin
EOF
chmod 600 "${KUBECONFIG_FILE}"

log "waiting for /readyz"
deadline=$((SECONDS + READY_TIMEOUT))
until "${KUBECTL[@]}" get --raw /readyz >/dev/null 2>&1; do
	alive etcd || die "etcd exited (see ${LOGS}/etcd.log)"
	alive kube-apiserver || die "kube-apiserver exited (see ${LOGS}/kube-apiserver.log)"
	((SECONDS < deadline)) || die "kube-apiserver not ready after ${READY_TIMEOUT}s"
	sleep 0.2
done
log "kube-apiserver ready after $((SECONDS - start))s"

start_process test-kubelet "${STATE_DIR}/bin/test-kubelet" \
	--dir="${STATE_DIR}/kubelet-logs" \
	--addr=127.0.0.1:0 \
	--cert-dir="${PKI}" \
	--client-ca="${PKI}/ca.crt" \
	--kubeconfig="${KUBECONFIG_FILE}" \
	--port-file="${RUN}/test-kubelet.port" \
	--poll-interval="${KUBELET_POLL_INTERVAL}"
deadline=$((SECONDS + 20))
until [[ -s "${RUN}/test-kubelet.port" ]]; do
	alive test-kubelet || die "test-kubelet exited (see ${LOGS}/test-kubelet.log)"
	((SECONDS < deadline)) || die "test-kubelet did not start within 20s"
	sleep 0.1
done
KUBELET_PORT="$(cat "${RUN}/test-kubelet.port")"
log "test kubelet on https://127.0.0.1:${KUBELET_PORT}, logs from ${STATE_DIR}/kubelet-logs"

# --- the node --------------------------------------------------------------
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
"${KUBECTL[@]}" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: ${NODE_NAME}
  labels:
    kubernetes.io/hostname: ${NODE_NAME}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
EOF
"${KUBECTL[@]}" patch node "${NODE_NAME}" --subresource=status --type=merge -p "$(
	cat <<EOF
{"status": {
  "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": "${NODE_NAME}"}],
  "daemonEndpoints": {"kubeletEndpoint": {"Port": ${KUBELET_PORT}}},
  "capacity": {"cpu": "2", "memory": "8Gi", "pods": "110"},
  "allocatable": {"cpu": "2", "memory": "8Gi", "pods": "110"},
  "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
    "message": "test kubelet serves container logs from files",
    "lastHeartbeatTime": "${now}", "lastTransitionTime": "${now}"}],
  "nodeInfo": {"kubeletVersion": "v1.37.2", "containerRuntimeVersion": "containerd://test",
    "operatingSystem": "linux", "architecture": "amd64", "osImage": "pods-pattern e2e",
    "kernelVersion": "6.1.0", "kubeProxyVersion": "", "machineID": "", "systemUUID": "", "bootID": ""}
}}
EOF
)" >/dev/null

# The namespace controller does not run, but the API server creates "default"
# itself; wait for it so that the first test does not race it.
deadline=$((SECONDS + 30))
until "${KUBECTL[@]}" get namespace default >/dev/null 2>&1; do
	((SECONDS < deadline)) || die "namespace default did not appear"
	sleep 0.2
done

cat >"${STATE_DIR}/cluster.env" <<EOF
KUBECONFIG=${KUBECONFIG_FILE}
PODS_PATTERN_BIN_DIR=${BIN_DIR}
PODS_PATTERN_PKI_DIR=${PKI}
PODS_PATTERN_API_SERVER=https://127.0.0.1:${API_PORT}
PODS_PATTERN_KUBELET_URL=https://127.0.0.1:${KUBELET_PORT}
PODS_PATTERN_KUBELET_DIR=${STATE_DIR}/kubelet-logs
PODS_PATTERN_NODE=${NODE_NAME}
PODS_PATTERN_MIN_REQUEST_TIMEOUT=${MIN_REQUEST_TIMEOUT}
EOF

ok=1
log "ready in $((SECONDS - start))s: etcd :${ETCD_PORT}, kube-apiserver :${API_PORT}, test kubelet :${KUBELET_PORT} (state ${STATE_DIR})"
print_usage_lines
