#!/usr/bin/env bash
# Starts the hub for development with everything it needs: the dev PKI (CA, hub certificate and
# the demo partners' certificates, made once in certs/out, and partners.json, which registers them
# in the hub's partner directory at start-up), its own PostgreSQL cluster in
# /var/tmp/interop-hub (created on first start, stopped with the hub) and the buf CLI for calls.
# Extra arguments go to the hub, for example --Hub:Port=8443.
set -euo pipefail
cd "$(dirname "$0")/.."

bash certs/dev-pki.sh
[ -x node_modules/.bin/buf ] || npm ci --no-audit --no-fund --loglevel=error
dotnet build src/Interop.Hub -c Release --nologo -v quiet
dotnet build src/Interop.Cli -c Release --nologo -v quiet

cat <<'HELP'

Interop Hub starting on https://localhost:7443 (gRPC over mutual TLS; Ctrl+C stops it).
Demo partners (certs/out, registered in the hub's partner directory from certs/out/partners.json):
kemensos-pusdatin (steward), dukcapil (civil registry), dinsos-kota-bandung (local government,
32.73), bri (bank), bpk (auditor), bnpb (disaster responder), ui-peneliti (researcher).
Try, from another shell:

  TOKEN=$(curl -s --cacert certs/out/ca.crt --cert certs/out/bpk.crt --key certs/out/bpk.key \
    -d grant_type=client_credentials -d client_id=bpk https://localhost:7443/connect/token \
    | sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p')
  npx buf curl --protocol grpc --cacert certs/out/ca.crt \
    --cert certs/out/bpk.crt --key certs/out/bpk.key -H "Authorization: Bearer $TOKEN" \
    --reflect-header '*' https://localhost:7443/grpc.health.v1.Health/Check

README.md shows a household submitted, read back and replayed, and the `interop` command
(dotnet src/Interop.Cli/bin/Release/net10.0/interop.dll).

HELP
exec dotnet src/Interop.Hub/bin/Release/net10.0/Interop.Hub.dll --Hub:EmbeddedPostgres=true --Hub:PartnerCrl=certs/out/partners.crl --Hub:PartnerSeed=certs/out/partners.json "$@"
