#!/usr/bin/env bash
# Runs every PgTenancy test on a real PostgreSQL (and PgBouncer), then prints "N passed, N failed, N skipped".
#
# On a fresh machine it first installs what the tests need, when it can (root with apt-get): the PostgreSQL server,
# pgaudit, PgBouncer and pgBackRest, without letting their packages start system services. Without root it says what to install.
# It fails on any failed test, on a run that executed no test, and on any server process a test left running.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration=Release
results=artifacts/test-results
started=$(date +%s)

say() { printf '==> %s\n' "$*"; }

# ---- 1. Prerequisites -----------------------------------------------------------------------------------------
postgres_major() {
  local newest
  newest=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sed -E 's#.*/postgresql/([0-9]+)/.*#\1#' | sort -n | tail -n1)
  echo "${newest:-15}"
}

missing_packages() {
  local major; major=$(postgres_major)
  [ -x "/usr/lib/postgresql/$major/bin/initdb" ] || echo "postgresql-$major"
  [ -f "/usr/lib/postgresql/$major/lib/pgaudit.so" ] || echo "postgresql-$major-pgaudit"
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || echo pgbouncer
  [ -x /usr/bin/pgbackrest ] || echo pgbackrest
}

install_packages() {
  local packages=("$@")
  say "Installing ${packages[*]}"
  # policy-rc.d exit code 101 tells Debian's maintainer scripts not to start services: the packages' own
  # PostgreSQL cluster and PgBouncer service are not wanted; tests start their own on free loopback ports.
  local policy=/usr/sbin/policy-rc.d placed=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && placed=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  [ "$placed" = 1 ] && rm -f "$policy"
  # On a machine where a service started anyway (an existing policy allowed it), stop and disable it.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    systemctl disable --now pgbouncer >/dev/null 2>&1 || true
  elif [ -f /run/postgresql/pgbouncer.pid ]; then
    kill "$(cat /run/postgresql/pgbouncer.pid)" 2>/dev/null || true
  fi
}

mapfile -t missing < <(missing_packages)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    install_packages "${missing[@]}"
  else
    echo "The tests need: ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) or run ./test.sh as root." >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
  fi
fi
command -v dotnet >/dev/null 2>&1 || { echo "The .NET SDK 10 is needed: https://dot.net (dotnet on the PATH)." >&2; exit 1; }

# ---- 2. Build -------------------------------------------------------------------------------------------------
say "Building PgTenancy.sln ($configuration, warnings as errors)"
dotnet build PgTenancy.sln -c "$configuration" -warnaserror -nologo -v quiet -clp:ErrorsOnly

# ---- 3. Test --------------------------------------------------------------------------------------------------
rm -rf "$results" && mkdir -p "$results"
passed=0 failed=0 skipped=0 runner_failures=0

attribute() { grep -o "<assembly [^>]*" "$1" | grep -o " $2=\"[0-9]*\"" | grep -o "[0-9]*" | awk '{ s += $1 } END { print s + 0 }'; }

for project in tests/*.Tests/*.Tests.csproj samples/*.Tests/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  program="$(dirname "$project")/bin/$configuration/net10.0/$name"
  say "Running $name"
  status=0
  timeout 1200 "$program" -noColor -noLogo -result-xml "$results/$name.xml" || status=$?
  if [ -f "$results/$name.xml" ]; then
    passed=$((passed + $(attribute "$results/$name.xml" passed)))
    failed=$((failed + $(attribute "$results/$name.xml" failed) + $(attribute "$results/$name.xml" errors)))
    skipped=$((skipped + $(attribute "$results/$name.xml" skipped) + $(attribute "$results/$name.xml" not-run)))
  fi
  if [ "$status" != 0 ] && [ "$status" != 1 ]; then
    echo "$name: the test runner ended with exit code $status (crash or time-out)." >&2
    runner_failures=$((runner_failures + 1))
  fi
done

# The README's main command, as a smoke test: the quickstart must run to its end on the embedded default server and
# show what it promises (isolation, the refused cross-tenant write, a forged tenant reading nothing, the doctor's summary).
say "Running samples/Quickstart"
if output=$(timeout 300 "samples/Quickstart/bin/$configuration/net10.0/Quickstart" 2>&1) \
   && grep -q '^Tenant A inserts a row for B: refused' <<<"$output" \
   && grep -q "^The app role's password alone, tenant B set by hand: 0 rows" <<<"$output" && grep -q '^Doctor: ' <<<"$output" && grep -q '^Done' <<<"$output"; then
  passed=$((passed + 1))
else
  printf '%s\n' "$output" >&2
  echo "samples/Quickstart failed." >&2
  failed=$((failed + 1))
fi

# ---- 4. Nothing left running ----------------------------------------------------------------------------------
leaked=$(pgrep -f "pgtenancy-$(id -un)/" || true)
if [ -n "$leaked" ]; then
  echo "These processes of a test server outlived the test run (a leak to fix):" >&2
  ps -o pid,user,cmd -p "$(paste -sd, <<<"$leaked")" >&2 || true
  xargs -r kill -9 <<<"$leaked" || true
  failed=$((failed + 1))
fi

# The build's compiler and MSBuild servers are ours too: stop them so that nothing outlives the run.
dotnet build-server shutdown >/dev/null 2>&1 || true

say "Finished in $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ] || [ "$runner_failures" -gt 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
