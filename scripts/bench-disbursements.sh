#!/usr/bin/env bash
# Reproduces the disbursements section of docs/benchmarks.md (issue 13), written to --out (pasted
# into docs/benchmarks.md by hand, beside the registry's): a fresh embedded PostgreSQL
# in /var/tmp/interop-bench-disbursements seeded with payable synthetic households
# (`Interop.Hub seed-payable`), a Release hub on it, then `interop bench disbursements` as the
# steward and both demo banks over mTLS.
#   scripts/bench-disbursements.sh [--households N] [--out FILE]
# Per-call log lines are turned down to warnings and per-partner fair use is off: the benchmark
# measures capacity.
set -euo pipefail
cd "$(dirname "$0")/.."

households=1000000
out=/tmp/interop-bench-disbursements.md
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

data=/var/tmp/interop-bench-disbursements
port=7544
hub_dll=src/Interop.Hub/bin/Release/net10.0/Interop.Hub.dll
rm -rf "$data"
dotnet "$hub_dll" seed-payable --households "$households" --Hub:EmbeddedPostgres=true --Hub:DataDirectory="$data"

dotnet "$hub_dll" --Hub:EmbeddedPostgres=true --Hub:DataDirectory="$data" --Hub:Port="$port" \
  --Hub:PartnerCallsPerSecond=0 --Hub:PartnerConcurrentCalls=0 --Hub:PartnerSeed=certs/out/partners.json \
  --Logging:LogLevel:Interop.Hub.Grpc=Warning > /tmp/interop-bench-disbursements-hub.log 2>&1 &
hub=$!
trap 'kill -TERM $hub 2>/dev/null; wait $hub 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  grep -q "Interop Hub listening" /tmp/interop-bench-disbursements-hub.log && break
  kill -0 $hub 2>/dev/null || { cat /tmp/interop-bench-disbursements-hub.log; exit 1; }
  sleep 0.5
done

export INTEROP_BENCH_REPRODUCE="scripts/bench-disbursements.sh --households $households"
pg_port=$(sed -n 4p "$data/pgdata/postmaster.pid")
password=$(cat "$data/superuser.password")
dotnet src/Interop.Cli/bin/Release/net10.0/interop.dll bench disbursements --hub "https://localhost:$port" \
  --hub-pid "$hub" --database "Host=127.0.0.1;Port=$pg_port;Username=interop;Password=$password;Database=interop" --out "$out"
