#!/usr/bin/env bash
# Prints the build stamp that `make build` and `make dist` share:
#   hack/version.sh version|commit|date
# version: git describe, as a semver krew accepts (v0.0.0-g<commit> without a tag);
# date: the commit's date in UTC, so that builds of one commit are identical.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case "${1:-version}" in
version)
	v="$(git describe --tags --always --dirty 2>/dev/null || echo unknown)"
	[[ "${v}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] || v="v0.0.0-g${v}"
	echo "${v}"
	;;
commit) git rev-parse --short HEAD 2>/dev/null || echo unknown ;;
date) TZ=UTC git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd 2>/dev/null || echo unknown ;;
*)
	echo "usage: hack/version.sh version|commit|date" >&2
	exit 2
	;;
esac
