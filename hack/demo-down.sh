#!/usr/bin/env bash
# `make demo-down`: stops the cluster hack/demo.sh started.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PODS_PATTERN_E2E_DIR="${PODS_PATTERN_DEMO_DIR:-/tmp/pods-pattern-demo}"
exec hack/cluster-down.sh
