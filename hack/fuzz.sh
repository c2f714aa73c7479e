#!/usr/bin/env bash
# Runs every fuzz target of the repo for FUZZTIME each (default 30s), one
# after the other (go test -fuzz takes one target at a time). The seed corpus
# is the f.Add seeds plus testdata/fuzz/<Target>/ of each package, checked in;
# a failure found is written there by go test and fails this script.
#
#   hack/fuzz.sh                 every target, 30s each
#   FUZZTIME=5s hack/fuzz.sh     shorter
#
# -fuzzminimizetime is cut from its 60s default: go test minimizes each new
# interesting input first, and with an instrumented binary and pod-sized inputs
# that ate whole runs (a worker at 100% CPU, "execs: 19" for 40s). A run that
# fails only with "context deadline exceeded" (the fuzz engine missing its own
# deadline on a loaded machine, no input written) is run once more.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fuzztime="${FUZZTIME:-30s}"
failed=0
out="$(mktemp)"
trap 'rm -f "${out}"' EXIT
# Each line: package directory and target name, found by their declaration.
while read -r file target; do
	pkg="./$(dirname "${file}")"
	echo "fuzz: ${target} (${pkg}) for ${fuzztime}" >&2
	for try in 1 2; do
		if go test "${pkg}" -run '^$' -fuzz "^${target}\$" -fuzztime "${fuzztime}" -fuzzminimizetime 5s 2>&1 | tee "${out}"; then
			break
		fi
		if ((try == 1)) && grep -q 'context deadline exceeded' "${out}" && ! grep -q 'Failing input written' "${out}"; then
			echo "fuzz: ${target}: the fuzz engine missed its deadline; once more" >&2
			continue
		fi
		echo "fuzz: FAILED ${target} (${pkg})" >&2
		failed=1
		break
	done
done < <(git ls-files '*_test.go' | xargs grep -Ho '^func Fuzz[A-Za-z0-9_]*' | sed 's/:func / /' | sort)
exit "${failed}"
