#!/usr/bin/env bash
# Benchmarks `kubectl pods-pattern logs` against `kubectl logs --all-containers
# --prefix` and stern, in the same run, on the local control plane
# (hack/cluster-up.sh: a real kube-apiserver proxying pods/log to the test
# kubelet). Two pods: 3 containers x 300k lines and 50 containers x 20k lines
# of about 80 bytes, clocks interleaved across containers. For each tool: the
# lines printed, the best wall time of BENCH_RUNS runs to /dev/null, lines/s,
# and the peak RSS (GNU time -v). The plugin's output is also checked to be in
# time order.
#
#   hack/bench-logs.sh            (make bench)
#   BENCH_RUNS=5 BENCH_SCALE=0.1 hack/bench-logs.sh
#
# Needs GNU time (/usr/bin/time; Debian: apt-get install time) and installs
# stern ${STERN_VERSION} with go install into the tools cache.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
STERN_VERSION=v1.33.0
RUNS="${BENCH_RUNS:-3}"
SCALE="${BENCH_SCALE:-1}"
CACHE="${PODS_PATTERN_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/pods-pattern}"

log() { echo "bench: $*" >&2; }

if [[ ! -x /usr/bin/time ]]; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		log "installing GNU time"
		apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null
	else
		log "GNU time is missing: apt-get install time"
		exit 1
	fi
fi

# stern, pinned; `stern --version` says "dev", so the module version is read from the binary.
STERN="${CACHE}/stern-${STERN_VERSION}/stern"
if [[ ! -x "${STERN}" ]]; then
	log "installing stern ${STERN_VERSION}"
	GOBIN="$(dirname "${STERN}")" go install "github.com/stern/stern@${STERN_VERSION}"
fi

log "building bin/kubectl-pods_pattern"
go build -trimpath -ldflags "-s -w" -o bin/kubectl-pods_pattern ./cmd/kubectl-pods_pattern # as make build
PLUGIN="${ROOT}/bin/kubectl-pods_pattern"

run_dir="$(mktemp -d "${TMPDIR:-/tmp}/pods-pattern-bench.XXXXXX")"
export PODS_PATTERN_E2E_DIR="${run_dir}/cluster"
teardown() {
	local rc=$?
	hack/cluster-down.sh >/dev/null 2>&1 || rc=1
	rm -rf "${run_dir}"
	exit "${rc}"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting the control plane"
eval "$(hack/cluster-up.sh)"
KUBECTL="$(command -v kubectl)"
LOGDIR="${PODS_PATTERN_E2E_DIR}/kubelet-logs"
[[ -d "${LOGDIR}" ]] || { log "no kubelet log dir at ${LOGDIR}"; exit 1; }

# make_pod NAME CONTAINERS LINES: a running pod whose containers' logs are files.
make_pod() {
	local name=$1 n=$2 lines=$3 i
	{
		echo "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"${name}\",\"namespace\":\"default\",\"labels\":{\"bench\":\"${name}\"}},"
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
	for ((i = 0; i < n; i++)); do
		((i > 0)) && statuses+=","
		statuses+="$(printf '{"name":"c%02d","image":"docker.io/library/busybox:latest","imageID":"docker.io/library/busybox@sha256:%064d","containerID":"containerd://%064x","ready":true,"started":true,"restartCount":0,"state":{"running":{"startedAt":"%s"}}}' "${i}" 0 "$((i + 1))" "${now}")"
	done
	"${KUBECTL}" patch pod "${name}" --subresource=status --type=merge \
		-p "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],\"containerStatuses\":[${statuses}]}}" >/dev/null
	mkdir -p "${LOGDIR}/default/${name}"
	for ((i = 0; i < n; i++)); do
		awk -v c="${i}" -v C="${n}" -v n="${lines}" 'BEGIN {
			for (j = 0; j < n; j++) {
				t = j * C + c; s = int(t / 1000)
				printf "2026-11-26T%02d:%02d:%02d.%03d000Z container %02d line %07d lorem ipsum dolor sit amet, consectetur\n",
					3 + int(s / 3600), int((s % 3600) / 60), s % 60, t % 1000, c, j
			}
		}' >"${LOGDIR}/default/${name}/$(printf 'c%02d' "${i}").log"
	done
}

# measure LABEL CMD...: best wall time and peak RSS over RUNS runs, lines once.
declare -a TABLE
measure() {
	local scenario=$1 tool=$2 total=$3
	shift 3
	local lines best="" rss=0 r out
	lines=$("$@" 2>/dev/null | wc -l)
	for ((r = 0; r < RUNS; r++)); do
		out="${run_dir}/time.out"
		/usr/bin/time -f '%e %M' -o "${out}" "$@" >/dev/null 2>"${run_dir}/stderr" || {
			log "${tool} failed:"; cat "${run_dir}/stderr" >&2; return 1
		}
		read -r secs kb <"${out}"
		if [[ -z "${best}" ]] || awk -v a="${secs}" -v b="${best}" 'BEGIN { exit !(a < b) }'; then best=${secs}; fi
		((kb > rss)) && rss=${kb}
	done
	local rate
	rate=$(awk -v l="${lines}" -v s="${best}" 'BEGIN { if (s > 0) printf "%.0f", l / s; else print "-" }')
	TABLE+=("$(printf '| %s | %s | %s/%s | %s | %s | %.1f |' "${scenario}" "${tool}" "${lines}" "${total}" "${best}" "${rate}" "$(awk -v k="${rss}" 'BEGIN { print k / 1024 }')")")
	log "${scenario} ${tool}: ${lines} lines, ${best}s, ${rate} lines/s, peak RSS ${rss} KiB"
}

scenario() {
	local name=$1 n=$2 per=$3
	per=$(awk -v p="${per}" -v s="${SCALE}" 'BEGIN { printf "%d", p * s }')
	local total=$((n * per))
	log "pod ${name}: ${n} containers x ${per} lines"
	make_pod "${name}" "${n}" "${per}"
	# The plugin must print every line, in time order.
	if ! "${PLUGIN}" logs "${name}" --prefix=false --timestamps --color=never | cut -d' ' -f1 | LC_ALL=C sort -c 2>/dev/null; then
		log "plugin output for ${name} is not in time order"
		exit 1
	fi
	local label="${n} x ${per}"
	measure "${label}" "pods-pattern logs" "${total}" "${PLUGIN}" logs "${name}" --color=never
	measure "${label}" "kubectl logs --all-containers --prefix" "${total}" "${KUBECTL}" logs "${name}" --all-containers --prefix
	measure "${label}" "stern ${STERN_VERSION} --no-follow" "${total}" "${STERN}" --kubeconfig "${KUBECONFIG}" -n default --no-follow \
		--color never --max-log-requests 60 "^${name}\$"
}

scenario bench-3 3 300000
scenario bench-50 50 20000

echo
echo "| containers x lines | tool | lines printed/expected | best of ${RUNS} (s) | lines/s | peak RSS (MiB) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${TABLE[@]}"
floor() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.1f", $1 / 1024 }'; }
echo
echo "Floor (a command that reads no log): pods-pattern version $(floor "${PLUGIN}" version) MiB, kubectl version --client $(floor "${KUBECTL}" version --client) MiB."
echo "kube-apiserver $("${KUBECTL}" version -o json 2>/dev/null | awk -F'"' '/gitVersion/ { v = $4 } END { print v }'), $(nproc) cores; only pods-pattern orders lines by time (checked above)."
