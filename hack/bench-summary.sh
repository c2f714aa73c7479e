#!/usr/bin/env bash
# Benchmarks `kubectl pods-pattern summary -A` and `doctor -A` against
# `kubectl get pods -A`, in the same run, on the local control plane
# (hack/cluster-up.sh). hack/benchpods creates BENCH_PODS pods (default 5000)
# with statuses over 50 namespaces: seed-lab pods, failing inits, mesh-style
# pods, Jobs with legacy sidecars, Deployments of 1 to 6 containers. For each
# command: the best wall time of BENCH_RUNS runs to /dev/null, the peak RSS
# (GNU time -v), and the API requests it made (counted from -v=6).
# Targets (issue 12): summary at most 1.5x the time and 2x the peak RSS of
# kubectl get, doctor at most 2x the time.
#
#   hack/bench-summary.sh                        (make bench)
#   BENCH_PODS=500 BENCH_RUNS=1 hack/bench-summary.sh
#
# Needs GNU time (/usr/bin/time; Debian: apt-get install time).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source hack/bench-lib.sh
RUNS="${BENCH_RUNS:-3}"
PODS="${BENCH_PODS:-5000}"

if [[ ! -x /usr/bin/time ]]; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		log "installing GNU time"
		apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null
	else
		log "GNU time is missing: apt-get install time"
		exit 1
	fi
fi

log "building bin/kubectl-pods_pattern"
bench_build_plugin
bench_start_cluster
log "building hack/benchpods"
go build -o "${run_dir}/benchpods" ./hack/benchpods

log "creating ${PODS} pods with statuses"
"${run_dir}/benchpods" -pods "${PODS}" -namespaces 50 >&2

# measure NAME CMD...: best wall time and peak RSS over RUNS runs, then the
# requests of one run at -v=6 (client-go logs one line per response).
declare -a TABLE
declare -A SECS RSS
measure() {
	local name=$1 best="" rss=0 r out secs kb
	shift
	for ((r = 0; r < RUNS; r++)); do
		out="${run_dir}/time.out"
		/usr/bin/time -f '%e %M' -o "${out}" "$@" >"${run_dir}/stdout" 2>"${run_dir}/stderr" || {
			# doctor exits 1 on findings; anything else printed to stderr is a failure.
			if [[ -s "${run_dir}/stderr" ]] && ! grep -q 'at or above' "${run_dir}/stderr"; then
				log "${name} failed:"; cat "${run_dir}/stderr" >&2; return 1
			fi
		}
		read -r secs kb <"${out}"
		if [[ -z "${best}" ]] || awk -v a="${secs}" -v b="${best}" 'BEGIN { exit !(a < b) }'; then best=${secs}; fi
		((kb > rss)) && rss=${kb}
	done
	local lines requests
	lines=$(wc -l <"${run_dir}/stdout")
	requests=$("$@" -v=6 2>&1 >/dev/null | grep -c '"Response" verb=' || true)
	SECS[${name}]=${best}
	RSS[${name}]=${rss}
	TABLE+=("$(printf '| `%s` | %s | %.1f | %s | %s |' "${name}" "${best}" "$(awk -v k="${rss}" 'BEGIN { print k / 1024 }')" "${requests}" "${lines}")")
	log "${name}: ${best}s, peak RSS ${rss} KiB, ${requests} requests, ${lines} lines"
}

measure "kubectl get pods -A" "${KUBECTL}" get pods -A
measure "pods-pattern summary -A" "${PLUGIN}" summary -A --color=never
measure "pods-pattern doctor -A" "${PLUGIN}" doctor -A --color=never --fail-on none
measure "pods-pattern summary -A --by workload" "${PLUGIN}" summary -A --by workload --color=never

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
base="kubectl get pods -A"
echo
echo "${PODS} pods in 50 namespaces; best of ${RUNS} runs; $(nproc) cores; kube-apiserver $("${KUBECTL}" version -o json 2>/dev/null | awk -F'"' '/gitVersion/ { v = $4 } END { print v }')."
echo
echo "| command | wall (s) | peak RSS (MiB) | API requests | lines |"
echo "|---|---|---|---|---|"
printf '%s\n' "${TABLE[@]}"
echo
echo "summary -A: $(ratio "${SECS["pods-pattern summary -A"]}" "${SECS[${base}]}")x the time (target <= 1.5), $(ratio "${RSS["pods-pattern summary -A"]}" "${RSS[${base}]}")x the peak RSS (target <= 2) of kubectl get pods -A."
echo "doctor -A: $(ratio "${SECS["pods-pattern doctor -A"]}" "${SECS[${base}]}")x the time (target <= 2)."
