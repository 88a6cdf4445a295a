#!/usr/bin/env bash
# The whole test suite: the contract gate (lint, breaking changes against every released version),
# unit tests, and integration tests against a real hub over mutual TLS on a throwaway PostgreSQL
# cluster that the tests create and remove themselves.
# Works on a fresh machine as root or as a normal user; needs no database running.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin=${INTEROP_PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$pg_bin/pg_ctl" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing Debian's PostgreSQL 15 server binaries"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 >/dev/null
  else
    echo "PostgreSQL 15 binaries not found in $pg_bin: install Debian's postgresql-15 package" >&2
    exit 1
  fi
fi

# Stop any cluster a crashed test run left behind, now and when this run ends.
stop_leftover_clusters() {
  for data in /tmp/interop-test-*/pgdata; do
    [ -f "$data/postmaster.pid" ] || continue
    if [ "$(id -u)" = 0 ]; then
      runuser -u postgres -- "$pg_bin/pg_ctl" stop -D "$data" -m immediate >/dev/null 2>&1 || true
    else
      "$pg_bin/pg_ctl" stop -D "$data" -m immediate >/dev/null 2>&1 || true
    fi
  done
}
stop_leftover_clusters
trap stop_leftover_clusters EXIT

echo "== contracts: buf lint, buf breaking against every released version, and the gate's own check"
npm ci --no-audit --no-fund --loglevel=error
bash scripts/check-contracts.sh

echo "== dotnet test"
dotnet test Interop.sln -c Release --nologo "$@"
