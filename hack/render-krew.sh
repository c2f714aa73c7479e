#!/usr/bin/env bash
# Renders the krew-index manifest from the krew-release-bot template (.krew.yaml)
# and the checksums of the archives that `make dist` built, for their version
# (dist/VERSION), so that the manifest and the archives cannot drift apart.
#
#   hack/render-krew.sh [OUT]   default OUT: plugins/pods-pattern.yaml
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out="${1:-plugins/pods-pattern.yaml}"
if [[ ! -f dist/VERSION || ! -f dist/checksums.txt ]]; then
	echo "render-krew: dist/ has no archives: run make dist first" >&2
	exit 1
fi
mkdir -p "$(dirname "${out}")"
go run ./hack/dist render -tag "$(cat dist/VERSION)" -template .krew.yaml -checksums dist/checksums.txt -out "${out}"
echo "render-krew: wrote ${out} for $(cat dist/VERSION)" >&2
