#!/usr/bin/env bash
# Makes a release of one version, so that the archives, the krew manifest and
# the README name the same one:
#   1. builds dist/ with VERSION stamped into every binary (hack/dist.sh),
#   2. renders plugins/pods-pattern.yaml for VERSION from dist/checksums.txt
#      (hack/render-krew.sh),
#   3. points the README's install example at VERSION's archive.
#
#   hack/release.sh vX.Y.Z      (make release VERSION=vX.Y.Z)
#
# The binaries carry the commit they are built from, so run it on a clean
# tree at the commit to be tagged; then commit the manifest and README, tag
# the build commit with VERSION and upload dist/*.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version="${1:-}"
# krew wants semver with the v; so does the archive name .krew.yaml builds.
if [[ ! "${version}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
	echo "release: VERSION must be a semver tag like v0.1.0, got '${version}' (make release VERSION=v0.1.0)" >&2
	exit 2
fi
if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" && "${RELEASE_ALLOW_DIRTY:-}" != 1 ]]; then
	echo "release: the tree has uncommitted changes, which the binaries would not show: commit first (or RELEASE_ALLOW_DIRTY=1)" >&2
	exit 1
fi

VERSION="${version}" hack/dist.sh
hack/render-krew.sh plugins/pods-pattern.yaml
# The one place the README names a release: the manual krew install example.
sed -i -E "s/kubectl-pods_pattern_v[^_]+_linux_amd64\.tar\.gz/kubectl-pods_pattern_${version}_linux_amd64.tar.gz/" README.md
grep -q "kubectl-pods_pattern_${version}_linux_amd64.tar.gz" README.md ||
	{ echo "release: README.md has no kubectl-pods_pattern_VERSION_linux_amd64.tar.gz example to update" >&2; exit 1; }
echo "release: ${version}: dist/ built, plugins/pods-pattern.yaml and README.md updated" >&2
echo "release: next: git commit plugins/pods-pattern.yaml README.md; git tag ${version} $(git rev-parse --short HEAD); upload dist/*" >&2
