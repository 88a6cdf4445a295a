#!/usr/bin/env bash
# Reproduces docs/benchmarks.md: starts a fresh hub (Release build, its own PostgreSQL in
# /var/tmp/interop-bench) and runs `interop bench` against it over mTLS as the ministry.
#   scripts/bench.sh [--households N] [--read-callers N] [--read-seconds N] [--out FILE]
# Per-call log lines are turned down to warnings so that the console does not become the bottleneck,
# and per-partner fair use is off: the benchmark measures capacity, from one partner.
set -euo pipefail
cd "$(dirname "$0")/.."

bash certs/dev-pki.sh >/dev/null
dotnet build src/Interop.Hub -c Release --nologo -v quiet
dotnet build src/Interop.Cli -c Release --nologo -v quiet

data=/var/tmp/interop-bench
port=7543
rm -rf "$data"
dotnet src/Interop.Hub/bin/Release/net10.0/Interop.Hub.dll --Hub:EmbeddedPostgres=true --Hub:DataDirectory="$data" --Hub:Port="$port" \
  --Hub:PartnerCallsPerSecond=0 --Hub:PartnerConcurrentCalls=0 --Hub:PartnerSeed=certs/out/partners.json \
  --Logging:LogLevel:Interop.Hub.Grpc=Warning > /tmp/interop-bench-hub.log 2>&1 &
hub=$!
trap 'kill -TERM $hub 2>/dev/null; wait $hub 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  grep -q "Interop Hub listening" /tmp/interop-bench-hub.log && break
  kill -0 $hub 2>/dev/null || { cat /tmp/interop-bench-hub.log; exit 1; }
  sleep 0.5
done

export INTEROP_BENCH_REPRODUCE="scripts/bench.sh $*"
pg_port=$(sed -n 4p "$data/pgdata/postmaster.pid")
password=$(cat "$data/superuser.password")
dotnet src/Interop.Cli/bin/Release/net10.0/interop.dll bench --hub "https://localhost:$port" --partner kemensos-pusdatin --purpose registry-stewardship \
  --hub-pid "$hub" --database "Host=127.0.0.1;Port=$pg_port;Username=interop;Password=$password;Database=interop" "$@"
