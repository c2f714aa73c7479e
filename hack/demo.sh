#!/usr/bin/env bash
# `make demo`: try the plugin with no cluster of your own. Builds the plugin,
# starts a local control plane (state in $PODS_PATTERN_DEMO_DIR, default
# /tmp/pods-pattern-demo), creates the seed lab's pods with the statuses and
# logs a kubelet would report, runs the plugin on them, and leaves the cluster
# up with the lines to keep exploring. Stop it with hack/demo-down.sh.
# A cluster in your own kubeconfig is never touched.
#
# Namespaces: task1 (nginx), task2 (init-index), task2-broken (init-index
# failing), task3 (nginx + sidecar), task4 (task3 after the 404): pod nx in each.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
export PODS_PATTERN_E2E_DIR="${PODS_PATTERN_DEMO_DIR:-/tmp/pods-pattern-demo}"

log() { echo "demo: $*" >&2; }

BIN_DIR="$(hack/build-tools.sh)"
# make demo has just built the stamped binary; run by hand, build it here.
if [[ -z "${PODS_PATTERN_SKIP_BUILD:-}" ]]; then
	log "building bin/kubectl-pods_pattern"
	make -s build
fi

exports="$(hack/cluster-up.sh)"
export KUBECONFIG="${PODS_PATTERN_E2E_DIR}/kubeconfig"
export PATH="${ROOT}/bin:${BIN_DIR}:${PATH}"

log "creating the seed lab's pods"
go run ./hack/seedlab

failed=0
show() {
	echo
	echo "\$ $*"
	"$@" || {
		echo "(exit $?)"
		failed=1
	}
}

show kubectl get pods -A -o wide

# Run what the plugin offers so far: its help lists its commands.
commands="$(kubectl pods-pattern --help 2>/dev/null | awk '/^Available Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}')"
has() { grep -qx "$1" <<<"${commands}"; }
if has describe; then
	show kubectl pods-pattern describe nx -n task2
	show kubectl pods-pattern describe nx -n task3
fi
if has init; then
	show kubectl pods-pattern init nx -n task2
	show kubectl pods-pattern init nx -n task2-broken
fi
if has logs; then
	show kubectl pods-pattern logs nx -n task4
fi
if [[ -z "${commands}" ]]; then
	log "the plugin lists no commands yet (kubectl pods-pattern --help)"
fi
show kubectl logs nx -n task4 -c sidecar --timestamps

echo
echo "The demo cluster stays up. To explore it:"
echo "${exports}"
echo "Stop it with: hack/demo-down.sh"
exit "${failed}"
