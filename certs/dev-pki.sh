#!/usr/bin/env bash
# Creates the development PKI of the hub: one CA, the hub's server certificate and one client
# certificate per demo partner. Keys are generated here and never committed (certs/out is ignored).
#
#   certs/dev-pki.sh [output-folder]      (default: certs/out; existing files are kept)
#
# A partner's identity is carried in its certificate's subject alternative name as
#   URI:urn:interop-hub:partner:<kind>:<partner-id>     (exactly one)
#   URI:urn:interop-hub:area:<region code>              (optional: the area a partner serves)
# with the extended key usage clientAuth. See certs/README.md.
set -euo pipefail

# certs/dev-pki.sh [folder]               make the PKI (existing files kept) and its revocation list
# certs/dev-pki.sh revoke <partner-id> [folder]   revoke that partner's certificate and publish the list
revoke=
if [ "${1:-}" = revoke ]; then
  revoke=${2:?"usage: certs/dev-pki.sh revoke <partner-id> [folder]"}
  shift 2
fi
out=${1:-"$(cd "$(dirname "$0")" && pwd)/out"}
days=${DEV_PKI_DAYS:-825}
mkdir -p "$out"
cd "$out"

if [ ! -f ca.key ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -keyout ca.key -out ca.crt -subj "/O=Interop Hub (development)/CN=Interop Hub Dev Partner CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 ca.key
fi

# issue <name> <subject> <extensions>
issue() {
  local name=$1 subject=$2 extensions=$3
  [ -f "$name.crt" ] && return 0
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
    -out "$name.csr" -subj "$subject" 2>/dev/null
  printf '%s\n' "$extensions" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 \
    -days "$days" -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
  chmod 600 "$name.key"
}

issue hub "/O=Interop Hub (development)/CN=localhost" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"

# partner <partner-id> <kind> <display name> <scopes, comma-separated> [area]
# Issues the certificate and adds the partner to partners.json, the hub's seed (--Hub:PartnerSeed):
# the hub registers in its directory, at start-up, each partner it does not hold yet.
seed=()
partner() {
  local id=$1 kind=$2 display=$3 scopes=$4 area=${5:-}
  local san="URI:urn:interop-hub:partner:$kind:$id"
  [ -n "$area" ] && san="$san,URI:urn:interop-hub:area:$area"
  issue "$id" "/O=$display/OU=$kind/CN=$id" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=$san"
  local areas="" scope_list=""
  [ -n "$area" ] && areas="\"$area\""
  [ -n "$scopes" ] && scope_list="\"${scopes//,/\",\"}\""
  seed+=("    {\"id\": \"$id\", \"kind\": \"$kind\", \"displayName\": \"$display\", \"areas\": [$areas], \"scopes\": [$scope_list], \"certificate\": \"$id.crt\"}")
}

partner kemensos-pusdatin steward "Kementerian Sosial - Pusdatin" registry.read,registry.write,registry.steward,disbursement.issue,audit.read,partners.admin
partner dukcapil civil-registry "Ditjen Dukcapil Kemendagri" registry.read,registry.write,civil.verify
partner dinsos-kota-bandung local-government "Dinas Sosial Kota Bandung" registry.read,registry.write 32.73
partner bri bank "PT Bank Rakyat Indonesia" disbursement.confirm
partner bni bank "PT Bank Negara Indonesia" disbursement.confirm
partner bpk auditor "Badan Pemeriksa Keuangan" registry.read,audit.read
partner bnpb disaster-responder "Badan Nasional Penanggulangan Bencana" registry.read
partner ui-peneliti researcher "Tim Peneliti Universitas Indonesia" registry.read

{
  echo '{'
  echo '  "partners": ['
  for index in "${!seed[@]}"; do
    [ "$index" -gt 0 ] && echo ','
    printf '%s' "${seed[$index]}"
  done
  echo
  echo '  ]'
  echo '}'
} > partners.json

# The CA's revocation list, partners.crl (PEM), which the hub reads (--Hub:PartnerCrl) and reloads when it changes.
if [ ! -f ca.cnf ]; then
  cat > ca.cnf <<CNF
[ ca ]
default_ca = partner_ca
[ partner_ca ]
database = index.txt
crlnumber = crlnumber
certificate = ca.crt
private_key = ca.key
default_md = sha256
default_crl_days = 30
CNF
  : > index.txt
  echo 1000 > crlnumber
fi

if [ -n "$revoke" ]; then
  [ -f "$revoke.crt" ] || { echo "no certificate $out/$revoke.crt" >&2; exit 1; }
  openssl ca -config ca.cnf -revoke "$revoke.crt" -crl_reason keyCompromise
  # Written beside, then moved: a hub never reads a half-written list.
  openssl ca -config ca.cnf -gencrl -out partners.crl.new && mv partners.crl.new partners.crl
  echo "Revoked $revoke (serial $(openssl x509 -in "$revoke.crt" -noout -serial | cut -d= -f2)); $out/partners.crl published"
  exit 0
fi

[ -f partners.crl ] || { openssl ca -config ca.cnf -gencrl -out partners.crl.new 2>/dev/null && mv partners.crl.new partners.crl; }

echo "Development PKI in $out: ca.crt, hub.crt/.key, partners.crl and partner certificates" \
  "kemensos-pusdatin, dukcapil, dinsos-kota-bandung, bri, bpk, bnpb, ui-peneliti (.crt/.key), and partners.json, the hub's partner seed"
