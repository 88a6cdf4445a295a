// Reads one household through interop.registry.v2 over mutual TLS, cut to a read mask, and prints it
// as JSON. An example of a partner client in another language, generated from protos/ (see
// docs/contracts.md and buf.gen.yaml here). Usage:
//   node clients/node/get-household.js <hub-url> <ca.crt> <partner.crt> <partner.key> <household-id> [path ...]
import { readFileSync } from "node:fs";
import { toJsonString } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { HouseholdSchema, RegistryService } from "./gen/interop/registry/v2/registry_service_pb.js";

const [baseUrl, ca, certificate, key, householdId, ...paths] = process.argv.slice(2);
const transport = createGrpcTransport({
  baseUrl,
  nodeOptions: { ca: readFileSync(ca), cert: readFileSync(certificate), key: readFileSync(key) },
});
const registry = createClient(RegistryService, transport);
try {
  const response = await registry.getHousehold({ householdId, readMask: { paths } });
  console.log(toJsonString(HouseholdSchema, response.household));
} catch (error) {
  console.error(`${error.code ?? "error"}: ${error.rawMessage ?? error.message}`);
  process.exitCode = 1;
}
