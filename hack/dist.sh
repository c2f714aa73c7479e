#!/usr/bin/env bash
# Builds the release archives into dist/: kubectl-pods_pattern for linux, darwin
# and windows on amd64 and arm64, each packed with the completion executable,
# LICENSE and README.md (.tar.gz, .zip for windows), and dist/checksums.txt.
#
# Reproducible: the same commit gives the same bytes. -trimpath drops local
# paths, CGO is off, the version, commit and date stamped in come from git
# (the date is the commit's, not the clock's), and every archive entry has the
# commit's time as mtime, owner 0:0, a fixed mode and a fixed place.
#
# Environment:
#   VERSION     version to stamp and name archives with (default: from git describe;
#               "v0.0.0-g<commit>" while there is no tag, as krew needs semver)
#   PLATFORMS   space-separated OS/ARCH list (default: all six)
#   SOURCE_DATE_EPOCH  mtime of the archive entries (default: the commit's time)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PKG=github.com/pods-pattern/kubectl-pods-pattern
PLATFORMS="${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}"

VERSION="${VERSION:-$(hack/version.sh version)}"
COMMIT="$(hack/version.sh commit)"
DATE="$(hack/version.sh date)"
EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"
LDFLAGS="-s -w -X ${PKG}/pkg/version.Version=${VERSION} -X ${PKG}/pkg/version.Commit=${COMMIT} -X ${PKG}/pkg/version.Date=${DATE}"

rm -rf dist
mkdir -p dist/build
echo "dist: ${VERSION} (commit ${COMMIT}, ${DATE})" >&2
for platform in ${PLATFORMS}; do
	goos="${platform%/*}" goarch="${platform#*/}"
	exe=""
	[[ "${goos}" == windows ]] && exe=".exe"
	echo "dist: building ${goos}/${goarch}" >&2
	CGO_ENABLED=0 GOOS="${goos}" GOARCH="${goarch}" go build -trimpath -ldflags "${LDFLAGS}" \
		-o "dist/build/${goos}_${goarch}/kubectl-pods_pattern${exe}" ./cmd/kubectl-pods_pattern
done

go run ./hack/dist pack -version "${VERSION}" -epoch "${EPOCH}" -build dist/build -out dist \
	-license LICENSE -readme README.md \
	-shim completion/kubectl_complete-pods_pattern -shim-windows completion/kubectl_complete-pods_pattern.cmd
rm -rf dist/build
echo "${VERSION}" >dist/VERSION
cat dist/checksums.txt
