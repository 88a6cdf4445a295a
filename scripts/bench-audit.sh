#!/usr/bin/env bash
# Reproduces the audit log section of docs/benchmarks.md (issue 14), written to --out: the same
# synthetic households ingested by a fresh Release hub with the audit log off (the baseline), then
# by a fresh hub with it on, which is then measured for append-to-checkpoint latency, replay of a
# household of 1,000 events, proof size and full verification (`interop bench audit`, as the steward).
#   scripts/bench-audit.sh [--households N] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."

households=1000000
out=/tmp/interop-bench-audit.md
while [ $# -gt 0 ]; do
  case $1 in
    --households) households=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

bash certs/dev-pki.sh >/dev/null
dotnet build src/Interop.Hub -c Release --nologo -v quiet
dotnet build src/Interop.Cli -c Release --nologo -v quiet

data=/var/tmp/interop-bench-audit
port=7545
hub_dll=src/Interop.Hub/bin/Release/net10.0/Interop.Hub.dll
cli_dll=src/Interop.Cli/bin/Release/net10.0/interop.dll
export INTEROP_BENCH_REPRODUCE="scripts/bench-audit.sh --households $households"
hub=

start_hub() { # $1: audit log on (true) or off (false)
  rm -rf "$data"
  dotnet "$hub_dll" --Hub:EmbeddedPostgres=true --Hub:DataDirectory="$data" --Hub:Port="$port" --Hub:AuditLog="$1" \
    --Hub:PartnerCallsPerSecond=0 --Hub:PartnerConcurrentCalls=0 --Hub:PartnerSeed=certs/out/partners.json \
    --Logging:LogLevel:Interop.Hub.Grpc=Warning > "/tmp/interop-bench-audit-hub-$1.log" 2>&1 &
  hub=$!
  for _ in $(seq 1 240); do
    grep -q "Interop Hub listening" "/tmp/interop-bench-audit-hub-$1.log" && return 0
    kill -0 $hub 2>/dev/null || { cat "/tmp/interop-bench-audit-hub-$1.log"; exit 1; }
    sleep 0.5
  done
  echo "the hub did not start" >&2; exit 1
}
stop_hub() { [ -n "$hub" ] && { kill -TERM "$hub" 2>/dev/null || true; wait "$hub" 2>/dev/null || true; }; hub=; }
trap 'stop_hub' EXIT

run_bench() { # extra arguments
  local pg_port password
  pg_port=$(sed -n 4p "$data/pgdata/postmaster.pid")
  password=$(cat "$data/superuser.password")
  dotnet "$cli_dll" bench audit --hub "https://localhost:$port" --partner kemensos-pusdatin --purpose registry-stewardship \
    --hub-pid "$hub" --households "$households" \
    --database "Host=127.0.0.1;Port=$pg_port;Username=interop;Password=$password;Database=interop" "$@"
}

start_hub false
run_bench --ingest-only --out /tmp/interop-bench-audit-baseline.json
stop_hub
start_hub true
run_bench --baseline /tmp/interop-bench-audit-baseline.json --out "$out"
stop_hub
rm -rf "$data"
