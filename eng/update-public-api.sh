#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to that project's
# PublicAPI.Unshipped.txt, so that a change of the public surface shows up as a diff for review.
# Usage: eng/update-public-api.sh [project-or-solution]
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-PgTenancy.sln}"
dotnet build "$target" -nologo -v q 2>&1 \
  | grep -F 'error RS0016' \
  | sed -E "s#^(.*/src/[^/]+)/.*Symbol '(.*)' is not part of the declared public API.*#\1\t\2#" \
  | sort -u \
  | while IFS=$'\t' read -r project symbol; do
      printf '%s\n' "$symbol" >> "$project/PublicAPI.Unshipped.txt"
    done
for file in src/*/PublicAPI.Unshipped.txt; do
  { head -n1 "$file"; tail -n +2 "$file" | sort -u; } > "$file.tmp" && mv "$file.tmp" "$file"
done
