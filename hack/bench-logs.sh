#!/usr/bin/env bash
# Benchmarks `kubectl pods-pattern logs` against `kubectl logs` and stern, in the
# same run, on the local control plane (hack/cluster-up.sh: a real kube-apiserver
# proxying pods/log to the test kubelet). Two pods: 3 containers x 300k lines and
# 50 containers x 20k lines of about 80 bytes, clocks interleaved across
# containers and ending a minute before now.
#
# Every row runs its tool BENCH_RUNS times through hack/bench, which fails the
# bench when a run prints other than the lines expected (name and both numbers),
# and records: wall time, the tool's own CPU (user+sys), the server's CPU
# (kube-apiserver + test kubelet + etcd) during the run, peak RSS, and lines/s.
# The floor RSS of each binary (a command that reads no log) is recorded apart.
# The plugin's output is also checked to be in time order. README.md
# ("Benchmarks") says what each column means and which comparison is fair.
#
#   hack/bench-logs.sh                                   (make bench)
#   BENCH_RUNS=5 BENCH_SCALE=0.1 hack/bench-logs.sh      (fewer lines)
#   BENCH_PIN=1 hack/bench-logs.sh                       (server on CPU 0, clients on CPU 1)
#   BENCH_SCENARIOS=many hack/bench-logs.sh              (only 200 pods x 3 containers, 600 streams)
#
# BENCH_PIN=1 runs the control plane with `taskset -c ${BENCH_SERVER_CPUS:-0}`
# and every client with `taskset -c ${BENCH_CLIENT_CPUS:-1}`, so that the wall
# time of a client is not shared with the server it waits for.
#
# Installs stern ${STERN_VERSION} with go install into the tools cache.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source hack/bench-lib.sh
RUNS="${BENCH_RUNS:-3}"
SCALE="${BENCH_SCALE:-1}"
PIN="${BENCH_PIN:-0}"

server_pin=()
client_pin=()
if [[ "${PIN}" == 1 ]]; then
	command -v taskset >/dev/null || { log "BENCH_PIN=1 needs taskset (util-linux)"; exit 1; }
	server_pin=(taskset -c "${BENCH_SERVER_CPUS:-0}")
	client_pin=(taskset -c "${BENCH_CLIENT_CPUS:-1}")
fi

bench_stern
log "building bin/kubectl-pods_pattern"
bench_build_plugin
bench_start_cluster "${server_pin[@]}"
log "building hack/bench"
go build -o "${run_dir}/bench" ./hack/bench
BENCH="${run_dir}/bench"
RESULTS="${run_dir}/results.jsonl"
LOGDIR="${PODS_PATTERN_E2E_DIR}/kubelet-logs"
[[ -d "${LOGDIR}" ]] || { log "no kubelet log dir at ${LOGDIR}"; exit 1; }
SERVER_PIDS="$(cat "${PODS_PATTERN_E2E_DIR}"/run/{kube-apiserver,test-kubelet,etcd}.pid | paste -sd,)"

# make_pod NAME CONTAINERS LINES [GROUP]: a running pod whose containers' logs
# are files; GROUP is a label value shared by the pods of one scenario.
make_pod() {
	local name=$1 n=$2 lines=$3 group=${4:-$1} i
	{
		echo "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"${name}\",\"namespace\":\"default\",\"labels\":{\"bench\":\"${name}\",\"group\":\"${group}\"}},"
		echo "\"spec\":{\"nodeName\":\"lab-node\",\"containers\":["
		for ((i = 0; i < n; i++)); do
			((i > 0)) && echo ","
			printf '{"name":"c%02d","image":"busybox"}' "${i}"
		done
		echo "]}}"
	} >"${run_dir}/${name}.json"
	"${KUBECTL}" create -f "${run_dir}/${name}.json" >/dev/null
	local now statuses=""
	now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	# stern skips containers without a containerID, started and imageID.
	for ((i = 0; i < n; i++)); do
		((i > 0)) && statuses+=","
		statuses+="$(printf '{"name":"c%02d","image":"docker.io/library/busybox:latest","imageID":"docker.io/library/busybox@sha256:%064d","containerID":"containerd://%064x","ready":true,"started":true,"restartCount":0,"state":{"running":{"startedAt":"%s"}}}' "${i}" 0 "$((i + 1))" "${now}")"
	done
	"${KUBECTL}" patch pod "${name}" --subresource=status --type=merge \
		-p "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],\"containerStatuses\":[${statuses}]}}" >/dev/null
	"${BENCH}" gen -dir "${LOGDIR}/default/${name}" -containers "${n}" -lines "${lines}"
}

# row TOOL BINARY EXPECTED CMD...: measure CMD, which must print EXPECTED lines.
row() {
	local tool=$1 binary=$2 expect=$3
	shift 3
	"${BENCH}" run -pod "${POD_LABEL}" -tool "${tool}" -binary "${binary}" -expect "${expect}" -runs "${RUNS}" \
		-results "${RESULTS}" -server-pids "${SERVER_PIDS}" -- "${client_pin[@]}" "$@" >&2
}

scenario() {
	local name=$1 n=$2 per=$3
	per=$(awk -v p="${per}" -v s="${SCALE}" 'BEGIN { printf "%d", p * s }')
	local total=$((n * per))
	POD_LABEL="${n} x ${per}"
	log "pod ${name}: ${n} containers x ${per} lines"
	make_pod "${name}" "${n}" "${per}"
	# The plugin must print every line, in time order.
	if ! "${PLUGIN}" logs "${name}" --prefix=false --timestamps --color=never | cut -d' ' -f1 | LC_ALL=C sort -c 2>/dev/null; then
		log "plugin output for ${name} is not in time order"
		exit 1
	fi
	row "pods-pattern logs" pods-pattern "${total}" "${PLUGIN}" logs "${name}" --color=never
	row "kubectl logs --all-containers --prefix" kubectl "${total}" "${KUBECTL}" logs "${name}" --all-containers --prefix
	# The same request as the plugin's: the server formats every line's time.
	row "kubectl logs --all-containers --prefix --timestamps" kubectl "${total}" \
		"${KUBECTL}" logs "${name}" --all-containers --prefix --timestamps
	# --since: stern looks back 48h by default; the lines end a minute ago, and
	# a day covers them however long the bench takes.
	row "stern ${STERN_VERSION} --no-follow --since 24h" stern "${total}" "${STERN}" --kubeconfig "${KUBECONFIG}" -n default \
		--no-follow --since 24h --color never --max-log-requests "$((n + 10))" "^${name}\$"
}

# One container needs no merge, so no timestamps from the server; these rows
# show what asking for them costs (server CPU) beside kubectl's.
one_container() {
	local name=$1 per=$2
	per=$(awk -v p="${per}" -v s="${SCALE}" 'BEGIN { printf "%d", p * s }')
	row "pods-pattern logs -c c00" pods-pattern "${per}" "${PLUGIN}" logs "${name}" -c c00 --color=never
	row "pods-pattern logs -c c00 --timestamps" pods-pattern "${per}" "${PLUGIN}" logs "${name}" -c c00 --timestamps --color=never
	row "kubectl logs -c c00" kubectl "${per}" "${KUBECTL}" logs "${name}" -c c00
	row "kubectl logs -c c00 --timestamps" kubectl "${per}" "${KUBECTL}" logs "${name}" -c c00 --timestamps
}

# many_pods PODS PER: PODS pods of 3 containers, 600 streams for 200 pods:
# more than the default --max-log-requests (50). Without -f the plugin reads
# them in turns through temporary files; kubectl and stern need the limit
# raised to the number of streams.
many_pods() {
	local pods=$1 per=$2 p
	per=$(awk -v p="${per}" -v s="${SCALE}" 'BEGIN { printf "%d", p * s }')
	local streams=$((pods * 3))
	local total=$((streams * per))
	POD_LABEL="${pods} pods x 3 x ${per}"
	log "${pods} pods: 3 containers x ${per} lines each (${streams} streams)"
	for ((p = 0; p < pods; p++)); do
		make_pod "many-$(printf '%03d' "${p}")" 3 "${per}" many
	done
	if ! "${PLUGIN}" logs -l group=many --prefix=false --timestamps --color=never | cut -d' ' -f1 | LC_ALL=C sort -c 2>/dev/null; then
		log "plugin output for ${streams} streams is not in time order"
		exit 1
	fi
	row "pods-pattern logs (default --max-log-requests=50)" pods-pattern "${total}" "${PLUGIN}" logs -l group=many --color=never
	row "pods-pattern logs --max-log-requests=${streams}" pods-pattern "${total}" "${PLUGIN}" logs -l group=many --color=never \
		--max-log-requests "${streams}"
	# With -l kubectl defaults to --tail=10.
	row "kubectl logs --all-containers --prefix --max-log-requests=${streams}" kubectl "${total}" "${KUBECTL}" logs -l group=many --tail=-1 \
		--all-containers --prefix --max-log-requests "${streams}"
	row "stern ${STERN_VERSION} --no-follow --since 24h --max-log-requests=${streams}" stern "${total}" "${STERN}" \
		--kubeconfig "${KUBECONFIG}" -n default --no-follow --since 24h --color never --max-log-requests "${streams}" -l group=many
}

# BENCH_SCENARIOS picks scenarios (default all): "3 50 many".
SCENARIOS=" ${BENCH_SCENARIOS:-3 50 many} "
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "${SCENARIOS}" == *" 3 "* ]]; then
	scenario bench-3 3 300000
	one_container bench-3 300000
fi
[[ "${SCENARIOS}" == *" 50 "* ]] && scenario bench-50 50 20000
[[ "${SCENARIOS}" == *" many "* ]] && many_pods "${BENCH_MANY_PODS:-200}" 2000
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

"${BENCH}" floor -binary pods-pattern -results "${RESULTS}" -- "${client_pin[@]}" "${PLUGIN}" version
"${BENCH}" floor -binary kubectl -results "${RESULTS}" -- "${client_pin[@]}" "${KUBECTL}" version --client
"${BENCH}" floor -binary stern -results "${RESULTS}" -- "${client_pin[@]}" "${STERN}" --version

echo
echo "Best of ${RUNS} runs (wall and CPU: least; RSS: most); every run printed exactly the lines listed."
echo
"${BENCH}" table -results "${RESULTS}"
echo
server_version="$("${KUBECTL}" version -o json 2>/dev/null | awk -F'"' '/gitVersion/ { v = $4 } END { print v }')"
pinning="not pinned"
[[ "${PIN}" == 1 ]] && pinning="server on CPU ${BENCH_SERVER_CPUS:-0}, clients on CPU ${BENCH_CLIENT_CPUS:-1}"
echo "kube-apiserver ${server_version} and test kubelet on $(nproc) cores (${pinning}); load average ${load_before} before, ${load_after} after."
echo "Only pods-pattern orders lines by time (checked above); kubectl prints container after container, stern by arrival."
