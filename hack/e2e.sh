#!/usr/bin/env bash
# Runs the e2e suite against a private control plane: builds the tools if they
# are not cached, builds the plugin (bin/kubectl-pods_pattern), starts a
# cluster in its own state dir, runs `go test -tags e2e ./test/e2e/...` and
# always stops the cluster, leaving no process behind.
#
#   hack/e2e.sh [go test flags, e.g. -run Task4 -v]
#
# PODS_PATTERN_PLUGIN=/path/to/kubectl-pods_pattern tests that binary instead
# of building one (e.g. the one `make build` stamped with its version).
# The API server closes watches after 5 to 10 s (PODS_PATTERN_MIN_REQUEST_TIMEOUT,
# see hack/cluster-up.sh), so every `logs -f` and `init --watch` of the suite
# runs across server-side closes, as it would over hours on a real cluster.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "e2e: $*" >&2; }

start=${SECONDS}
hack/build-tools.sh >/dev/null
tools_done=${SECONDS}

if [[ -n "${PODS_PATTERN_PLUGIN:-}" ]]; then
	[[ -x "${PODS_PATTERN_PLUGIN}" ]] || {
		log "ERROR: PODS_PATTERN_PLUGIN=${PODS_PATTERN_PLUGIN} is not an executable file"
		exit 1
	}
	log "testing the plugin ${PODS_PATTERN_PLUGIN}"
else
	log "building bin/kubectl-pods_pattern"
	go build -o bin/kubectl-pods_pattern ./cmd/kubectl-pods_pattern
fi

# A state dir of its own, so that a developer's cluster-up cluster is untouched.
run_dir="$(mktemp -d "${TMPDIR:-/tmp}/pods-pattern-e2e-run.XXXXXX")"
export PODS_PATTERN_E2E_DIR="${run_dir}/cluster"
export PODS_PATTERN_MIN_REQUEST_TIMEOUT="${PODS_PATTERN_MIN_REQUEST_TIMEOUT:-5}"
teardown() {
	local rc=$?
	hack/cluster-down.sh || rc=1
	rm -rf "${run_dir}"
	exit "${rc}"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cluster_start=${SECONDS}
hack/cluster-up.sh >/dev/null
cluster_ready=${SECONDS}

log "go test -tags e2e -count=1 ./test/e2e/... $*"
go test -tags e2e -count=1 -timeout 10m "$@" ./test/e2e/...
tests_done=${SECONDS}

log "timings: tools $((tools_done - start))s, cluster start-to-ready $((cluster_ready - cluster_start))s, tests $((tests_done - cluster_ready))s, total $((tests_done - start))s"
