#!/usr/bin/env bash
# Proves the release the way a user meets it, offline:
#   1. `make dist` twice gives byte-identical archives (and checksums).
#   2. The krew manifest rendered from .krew.yaml for these archives passes
#      krew's validate-krew-manifest, and plugins/pods-pattern.yaml (committed)
#      is what .krew.yaml renders for its own version.
#   3. krew itself (pinned, built with go install) installs every archive from
#      the manifest into a temporary KREW_ROOT: checksums, files and bin match.
#   4. `kubectl pods-pattern version` run THROUGH kubectl, with $KREW_ROOT/bin
#      on PATH, prints the version that was built; `kubectl plugin list` shows
#      the plugin with no warnings.
#   5. With kubectl_complete-pods_pattern put on PATH as the caveats say,
#      `kubectl __complete pods-pattern ...` completes through the plugin; the
#      bash script of `completion bash` completes the binary called directly.
#
# Environment:
#   KUBECTL              kubectl to use (default: the one hack/build-tools.sh caches)
#   VERIFY_FRESH_CACHE=1 build the second dist with an empty GOCACHE, so that
#                        identical output cannot come from the build cache (slow)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

KREW_VERSION=v0.4.3
log() { echo "verify-krew: $*" >&2; }
fail() { echo "verify-krew: FAIL: $*" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'chmod -R u+w "${tmp}" 2>/dev/null || true; rm -rf "${tmp}"' EXIT

# kubectl: the harness's cached build, built on first use.
cache="${PODS_PATTERN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pods-pattern}"
KUBECTL="${KUBECTL:-${cache}/bin/kubectl}"
if [[ ! -x "${KUBECTL}" ]]; then
	[[ -x hack/build-tools.sh ]] || fail "no kubectl at ${KUBECTL} and no hack/build-tools.sh to build it: set KUBECTL"
	log "building kubectl with hack/build-tools.sh"
	hack/build-tools.sh >/dev/null
	[[ -x "${KUBECTL}" ]] || fail "hack/build-tools.sh did not leave kubectl at ${KUBECTL}"
fi
mkdir -p "${tmp}/kubectl-bin"
ln -s "${KUBECTL}" "${tmp}/kubectl-bin/kubectl"

log "installing krew ${KREW_VERSION} and validate-krew-manifest into a temporary GOBIN"
(cd "${tmp}" && GOBIN="${tmp}/gobin" GOFLAGS= go install "sigs.k8s.io/krew/cmd/krew@${KREW_VERSION}" "sigs.k8s.io/krew/cmd/validate-krew-manifest@${KREW_VERSION}")
krew="${tmp}/gobin/krew"
validate="${tmp}/gobin/validate-krew-manifest"

# 1. Reproducible archives.
log "make dist (1 of 2)"
make --no-print-directory dist >/dev/null
cp -r dist "${tmp}/dist-1"
log "make dist (2 of 2)"
if [[ "${VERIFY_FRESH_CACHE:-}" == 1 ]]; then
	GOCACHE="${tmp}/gocache" make --no-print-directory dist >/dev/null
else
	make --no-print-directory dist >/dev/null
fi
cmp dist/checksums.txt "${tmp}/dist-1/checksums.txt" || fail "two make dist runs gave different checksums:
$(diff "${tmp}/dist-1/checksums.txt" dist/checksums.txt)"
archives=()
while read -r _ name; do
	cmp "dist/${name}" "${tmp}/dist-1/${name}" || fail "${name} differs between two make dist runs"
	archives+=("${name}")
done <dist/checksums.txt
[[ ${#archives[@]} -eq 6 ]] || fail "expected 6 archives, got ${#archives[@]}: ${archives[*]}"
(cd dist && sha256sum --quiet -c checksums.txt) || fail "dist/checksums.txt does not match the archives"
version="$(cat dist/VERSION)"
commit="$(git rev-parse --short HEAD)"
log "make dist is reproducible: ${#archives[@]} archives of ${version} byte-identical across two runs"

# 2. Manifests.
mkdir -p "${tmp}/plugins"
manifest="${tmp}/plugins/pods-pattern.yaml"
hack/render-krew.sh "${manifest}" 2>/dev/null
"${validate}" -manifest "${manifest}" -skip-install 2>"${tmp}/validate.log" || { cat "${tmp}/validate.log" >&2; fail "validate-krew-manifest rejected the rendered manifest"; }
if [[ -f plugins/pods-pattern.yaml ]]; then
	"${validate}" -manifest plugins/pods-pattern.yaml -skip-install 2>"${tmp}/validate.log" || { cat "${tmp}/validate.log" >&2; fail "validate-krew-manifest rejected plugins/pods-pattern.yaml"; }
	go run ./hack/dist check -template .krew.yaml -manifest plugins/pods-pattern.yaml || fail "plugins/pods-pattern.yaml has drifted from .krew.yaml"
else
	fail "plugins/pods-pattern.yaml is missing: run make krew-manifest"
fi
log "manifests valid; plugins/pods-pattern.yaml matches .krew.yaml"

# 3. krew installs every archive (other platforms via KREW_OS/KREW_ARCH).
for name in "${archives[@]}"; do
	platform="${name#kubectl-pods_pattern_"${version}"_}"
	platform="${platform%%.*}"
	os="${platform%_*}" arch="${platform#*_}"
	kroot="${tmp}/krew-${os}-${arch}"
	KREW_ROOT="${kroot}" KREW_OS="${os}" KREW_ARCH="${arch}" "${krew}" install --manifest="${manifest}" --archive="dist/${name}" </dev/null >"${tmp}/install.log" 2>&1 ||
		{ cat "${tmp}/install.log" >&2; fail "krew could not install ${name}"; }
	store="${kroot}/store/pods-pattern/${version}"
	shim=kubectl_complete-pods_pattern exe=""
	[[ "${os}" == windows ]] && shim="${shim}.cmd" exe=".exe"
	for f in "kubectl-pods_pattern${exe}" "${shim}" LICENSE README.md; do
		[[ -f "${store}/${f}" ]] || fail "krew's install of ${name} has no ${f} in ${store}"
	done
	ls "${kroot}/bin/kubectl-pods_pattern"* >/dev/null 2>&1 || fail "krew linked no kubectl-pods_pattern into ${kroot}/bin for ${name}"
done
log "krew ${KREW_VERSION} installs all ${#archives[@]} archives from the manifest"

# 4. The host's install, through kubectl, on a PATH with nothing else of ours.
host="$(go env GOOS)-$(go env GOARCH)"
KREW_ROOT="${tmp}/krew-${host}"
[[ -d "${KREW_ROOT}" ]] || fail "no archive for this machine (${host})"
export KREW_ROOT
export PATH="${KREW_ROOT}/bin:${tmp}/kubectl-bin:/usr/local/bin:/usr/bin:/bin"
if command -v kubectl-pods_pattern | grep -qv "^${KREW_ROOT}/bin/"; then
	fail "kubectl-pods_pattern resolves outside KREW_ROOT: $(command -v kubectl-pods_pattern)"
fi
out="$(kubectl pods-pattern version)"
[[ "${out}" == "kubectl-pods_pattern ${version} (commit ${commit}, "* ]] || fail "kubectl pods-pattern version printed: ${out}"
json="$(kubectl pods-pattern version -o json)"
grep -q "\"version\": \"${version}\"" <<<"${json}" || fail "version -o json printed: ${json}"
log "through kubectl: ${out}"

if ! kubectl plugin list >"${tmp}/plugins.out" 2>"${tmp}/plugins.err"; then
	cat "${tmp}/plugins.out" "${tmp}/plugins.err" >&2
	fail "kubectl plugin list failed"
fi
grep -qx "${KREW_ROOT}/bin/kubectl-pods_pattern" "${tmp}/plugins.out" || { cat "${tmp}/plugins.out" >&2; fail "kubectl plugin list does not show the plugin"; }
[[ ! -s "${tmp}/plugins.err" ]] || { cat "${tmp}/plugins.err" >&2; fail "kubectl plugin list printed warnings"; }
log "kubectl plugin list shows ${KREW_ROOT}/bin/kubectl-pods_pattern with no warnings"

# 5. Completion through kubectl, with the shim installed as the caveats say.
caveat_cp="$(grep -E '^ +cp ' "${manifest}" | sed -e 's/^ *//')"
[[ -n "${caveat_cp}" ]] || fail "the manifest's caveats no longer say how to copy the completion executable"
(cd "${tmp}" && HOME="${tmp}/home" eval "${caveat_cp}") || fail "the caveats' command failed: ${caveat_cp}"
[[ -x "${KREW_ROOT}/bin/kubectl_complete-pods_pattern" ]] || fail "the caveats' command did not put kubectl_complete-pods_pattern in ${KREW_ROOT}/bin"
if ! kubectl plugin list >/dev/null 2>"${tmp}/plugins.err" || [[ -s "${tmp}/plugins.err" ]]; then
	cat "${tmp}/plugins.err" >&2
	fail "kubectl plugin list warns once the completion executable is on PATH"
fi
comps="$(kubectl __complete pods-pattern '' 2>/dev/null)"
for want in describe version completion; do
	grep -q "^${want}" <<<"${comps}" || fail "kubectl __complete pods-pattern '' lacks ${want}: ${comps}"
done
comps="$(kubectl __complete pods-pattern describe --color '' 2>/dev/null)"
grep -qx always <<<"${comps}" || fail "kubectl __complete pods-pattern describe --color '' lacks always: ${comps}"
log "kubectl completes pods-pattern's commands and flags through kubectl_complete-pods_pattern"

# The binary called directly: the bash script of `completion bash`. Like
# kubectl's own, it needs the bash-completion package.
bash_completion=/usr/share/bash-completion/bash_completion
if [[ -f "${bash_completion}" ]]; then
	# shellcheck disable=SC2016 # expanded by the inner bash
	words="$(BASH_COMPLETION="${bash_completion}" bash -c 'source "${BASH_COMPLETION}"
source <(kubectl-pods_pattern completion bash)
COMP_WORDS=(kubectl-pods_pattern des); COMP_CWORD=1; COMP_LINE="kubectl-pods_pattern des"; COMP_POINT=${#COMP_LINE}
__start_kubectl-pods_pattern kubectl-pods_pattern des kubectl-pods_pattern
echo "${COMPREPLY[*]}"' 2>"${tmp}/bash.err")"
	# (compopt complains outside a real TAB; that is expected and ignored.)
	[[ "${words}" == "describe" ]] || { cat "${tmp}/bash.err" >&2; fail "bash completion of 'kubectl-pods_pattern des' gave: ${words}"; }
	log "bash completion of kubectl-pods_pattern works"
else
	log "bash completion script not exercised: ${bash_completion} missing (apt-get install bash-completion)"
fi
log "OK"
