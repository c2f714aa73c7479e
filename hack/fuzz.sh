#!/usr/bin/env bash
# Runs every fuzz target of the repo for FUZZTIME each (default 30s), one
# after the other (go test -fuzz takes one target at a time). The seed corpus
# is the f.Add seeds plus testdata/fuzz/<Target>/ of each package, checked in;
# a failure found is written there by go test and fails this script.
#
#   hack/fuzz.sh                 every target, 30s each
#   FUZZTIME=5s hack/fuzz.sh     shorter
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fuzztime="${FUZZTIME:-30s}"
failed=0
# Each line: package directory and target name, found by their declaration.
while read -r file target; do
	pkg="./$(dirname "${file}")"
	echo "fuzz: ${target} (${pkg}) for ${fuzztime}" >&2
	if ! go test "${pkg}" -run '^$' -fuzz "^${target}\$" -fuzztime "${fuzztime}"; then
		echo "fuzz: FAILED ${target} (${pkg})" >&2
		failed=1
	fi
done < <(git ls-files '*_test.go' | xargs grep -Ho '^func Fuzz[A-Za-z0-9_]*' | sed 's/:func / /' | sort)
exit "${failed}"
