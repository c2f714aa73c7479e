#!/usr/bin/env bash
# Domain packages stay pure: no cobra, no API clients, no tables, no os.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
for pkg in classify podstatus podmodel report inittimeline logmerge scaffold workload checks summary; do
  [ -d "pkg/$pkg" ] || continue
  bad=$(go list -f '{{join .Imports "\n"}}' "./pkg/$pkg" | grep -E '^(github.com/spf13/cobra|k8s.io/client-go/kubernetes|k8s.io/client-go/rest|github.com/olekukonko/tablewriter|os)$' || true)
  if [ -n "$bad" ]; then
    echo "pkg/$pkg must stay pure but imports:"; echo "$bad"; fail=1
  fi
done
exit $fail
