# Sourced by the hack/bench-*.sh scripts that measure against a local control
# plane: what each does before it measures. The caller has cd'ed to the repo.

STERN_VERSION=v1.33.0
ROOT="$(pwd)"
CACHE="${PODS_PATTERN_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/pods-pattern}"

log() { echo "bench: $*" >&2; }

# bench_stern sets STERN, installing it with go install into the tools cache
# when missing; `stern --version` says "dev", so the version is in the path.
bench_stern() {
	STERN="${CACHE}/stern-${STERN_VERSION}/stern"
	if [[ ! -x "${STERN}" ]]; then
		log "installing stern ${STERN_VERSION}"
		GOBIN="$(dirname "${STERN}")" go install "github.com/stern/stern@${STERN_VERSION}"
	fi
}

# bench_build_plugin builds bin/kubectl-pods_pattern as make build does and
# sets PLUGIN.
bench_build_plugin() {
	go build -trimpath -ldflags "-s -w" -o bin/kubectl-pods_pattern ./cmd/kubectl-pods_pattern
	PLUGIN="${ROOT}/bin/kubectl-pods_pattern"
}

# bench_start_cluster [PREFIX...]: makes run_dir, starts a control plane of
# its own in it (hack/cluster-up.sh run under PREFIX, e.g. taskset) that is
# torn down with run_dir on exit, and sets KUBECTL.
bench_start_cluster() {
	run_dir="$(mktemp -d "${TMPDIR:-/tmp}/pods-pattern-bench.XXXXXX")"
	export PODS_PATTERN_E2E_DIR="${run_dir}/cluster"
	trap bench_teardown EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	log "starting the control plane${*:+ ($*)}"
	eval "$("$@" hack/cluster-up.sh)"
	KUBECTL="$(command -v kubectl)"
}

bench_teardown() {
	local rc=$?
	hack/cluster-down.sh >/dev/null 2>&1 || rc=1
	rm -rf "${run_dir}"
	exit "${rc}"
}
