#!/usr/bin/env bash
# Benchmarks reading big manifests with no cluster: `describe -f` and `init -f`
# of a List of BENCH_PODS pods (default 10,000, about 55 MB of JSON, as
# `kubectl get pods -A -o json` writes it) and of one pod with 200 containers.
# For each: the pods printed, wall time and peak RSS (GNU time), beside the
# file's size, so that a reader sees whether memory follows the file or the pods.
#
#   hack/bench-manifest.sh            (make bench)
#   BENCH_PODS=2000 hack/bench-manifest.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PODS="${BENCH_PODS:-10000}"
log() { echo "bench-manifest: $*" >&2; }

[[ -x /usr/bin/time ]] || { log "GNU time is missing: apt-get install time"; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/pods-pattern-bench-manifest.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
go build -trimpath -ldflags "-s -w" -o "${work}/kubectl-pods_pattern" ./cmd/kubectl-pods_pattern
PLUGIN="${work}/kubectl-pods_pattern"
go run ./hack/genlist -pods "${PODS}" >"${work}/list.json"
go run ./hack/genlist -containers 200 >"${work}/wide.json"

# measure NAME WANT_PODS PATTERN FILE ARGS...: run once, count the pods
# printed (lines of -o json matching PATTERN), check the count, print a row.
measure() {
	local name="$1" want="$2" pattern="$3" file="$4"
	shift 4
	local out="${work}/out" stats="${work}/stats"
	if ! /usr/bin/time -f '%e %M' -o "${stats}" "${PLUGIN}" "$@" -f "${file}" >"${out}" 2>"${work}/err"; then
		log "FAILED: ${name}"; cat "${work}/err" >&2; exit 1
	fi
	local got
	got="$(grep -c "${pattern}" "${out}" || true)"
	if [[ "${got}" != "${want}" ]]; then
		log "FAILED: ${name} printed ${got} pods, want ${want}"; exit 1
	fi
	read -r wall rss <"${stats}"
	printf '| %-32s | %8s | %6s | %7.2f | %8.1f |\n' "${name}" "$(du -m "${file}" | cut -f1)" "${got}" "${wall}" "$((rss / 1024))"
}

echo "| command | file MB | pods | wall s | peak RSS MiB |"
echo "|---|---|---|---|---|"
# describe -o json is an array of pods (one object alone); init's is {"items": [...]}.
measure "describe -f list -o json" "${PODS}" '^    "namespace": ' "${work}/list.json" describe -o json
measure "init -f list -o json" "${PODS}" '^      "namespace": ' "${work}/list.json" init -o json
measure "describe -f wide (200 containers)" 1 '^  "namespace": ' "${work}/wide.json" describe -o json
measure "init -f wide (200 containers)" 1 '^  "namespace": ' "${work}/wide.json" init -o json
