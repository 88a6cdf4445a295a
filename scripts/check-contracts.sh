#!/usr/bin/env bash
# The contract gate, run by scripts/test.sh: lint, build, and no breaking change against any
# released contract version (the baselines in contracts/baselines, one image per released version;
# see docs/contracts.md). Then it proves the gate itself: a copy of the contracts with a field
# removed from a released message, and one with a field renamed, must each be refused.
set -euo pipefail
cd "$(dirname "$0")/.."

npx --no-install buf lint
npx --no-install buf build -o /dev/null
for baseline in contracts/baselines/*.binpb; do
  echo "buf breaking against $baseline"
  npx --no-install buf breaking protos --against "$baseline"
done

scratch=$(mktemp -d /tmp/interop-contract-gate-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
must_be_refused() {
  local what=$1 edit=$2
  rm -rf "$scratch/workspace" && mkdir -p "$scratch/workspace"
  cp -r buf.yaml protos third_party "$scratch/workspace/"
  sed -i "$edit" "$scratch/workspace/protos/interop/registry/v1/household.proto"
  if (cd "$scratch/workspace" && npx --prefix "$OLDPWD" --no-install buf breaking protos --against "$OLDPWD/contracts/baselines/v1.binpb" >"$scratch/out" 2>&1); then
    echo "contract gate FAILED to refuse: $what" >&2
    exit 1
  fi
  grep -q "$3" "$scratch/out" || { echo "contract gate refused $what for another reason:" >&2; cat "$scratch/out" >&2; exit 1; }
  echo "contract gate refuses: $what"
}
must_be_refused "a field removed from interop.registry.v1.Member" '/string full_name = 2 /d' "deleted"
must_be_refused "a field renamed in interop.registry.v1.Member" 's/string full_name = 2 /string name = 2 /' "changed name"
