#!/usr/bin/env bash
# Brings each project's PublicAPI.Unshipped.txt in line with its public surface: adds the symbols the
# PublicApiAnalyzers report as undeclared (RS0016) and removes declared symbols that no longer exist (RS0017),
# so that a change of the public surface shows up as a diff for review.
# Usage: eng/update-public-api.sh [project-or-solution]
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-PgTenancy.sln}"
output=$(dotnet build "$target" -nologo -v q 2>&1 || true)
grep -F 'error RS0016' <<<"$output" \
  | sed -E "s#^(.*/src/[^/]+)/.*Symbol '(.*)' is not part of the declared public API.*#\1\t\2#" \
  | sort -u \
  | while IFS=$'\t' read -r project symbol; do
      printf '%s\n' "$symbol" >> "$project/PublicAPI.Unshipped.txt"
    done
grep -F 'error RS0017' <<<"$output" \
  | sed -E "s#^(.*/src/[^/]+)/PublicAPI.Unshipped.txt.*Symbol '(.*)' is part of the declared API.*#\1\t\2#" \
  | sort -u \
  | while IFS=$'\t' read -r project symbol; do
      grep -vxF -- "$symbol" "$project/PublicAPI.Unshipped.txt" > "$project/PublicAPI.Unshipped.txt.tmp" || true
      mv "$project/PublicAPI.Unshipped.txt.tmp" "$project/PublicAPI.Unshipped.txt"
    done
for file in src/*/PublicAPI.Unshipped.txt; do
  { head -n1 "$file"; tail -n +2 "$file" | sort -u; } > "$file.tmp" && mv "$file.tmp" "$file"
done
