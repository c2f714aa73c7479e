#!/usr/bin/env bash
# Stops the control plane started by hack/cluster-up.sh: exactly the processes
# whose PIDs it recorded, then removes its state dir.
#
# Environment: PODS_PATTERN_E2E_DIR (default /tmp/pods-pattern-e2e).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
STATE_DIR="${PODS_PATTERN_E2E_DIR:-/tmp/pods-pattern-e2e}"
MARKER=".pods-pattern-e2e"

log() { echo "cluster-down: $*" >&2; }

if [[ ! -e "${STATE_DIR}" ]]; then
	log "nothing to stop in ${STATE_DIR}"
	exit 0
fi
if [[ ! -f "${STATE_DIR}/${MARKER}" ]]; then
	log "ERROR: ${STATE_DIR} was not made by hack/cluster-up.sh (no ${MARKER}); not touching it"
	exit 1
fi

# ours PID: the process is alive and is one cluster-up started (its command
# line names the state dir), not another that reused the PID.
ours() {
	local pid="$1" cmdline
	kill -0 "${pid}" 2>/dev/null || return 1
	cmdline="$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null)" || return 1
	[[ "${cmdline}" == *"${STATE_DIR}"* ]]
}

stop() {
	local name="$1" pidfile="${STATE_DIR}/run/$1.pid" pid i
	[[ -f "${pidfile}" ]] || return 0
	pid="$(cat "${pidfile}")"
	if ! ours "${pid}"; then
		rm -f "${pidfile}"
		return 0
	fi
	kill -TERM "${pid}" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		ours "${pid}" || break
		sleep 0.1
	done
	if ours "${pid}"; then
		log "${name} (pid ${pid}) did not stop within 10s; killing it"
		kill -KILL "${pid}" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			ours "${pid}" || break
			sleep 0.1
		done
	fi
	if ours "${pid}"; then
		log "ERROR: ${name} (pid ${pid}) is still running"
		return 1
	fi
	log "stopped ${name} (pid ${pid})"
	rm -f "${pidfile}"
}

failed=0
# Reverse start order: the kubelet and the API server depend on what follows.
for name in test-kubelet kube-apiserver etcd; do
	stop "${name}" || failed=1
done
if ((failed)); then
	log "ERROR: some processes did not stop; state kept in ${STATE_DIR}"
	exit 1
fi
rm -rf "${STATE_DIR}"
log "removed ${STATE_DIR}"
