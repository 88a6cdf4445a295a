// Reads one household through interop.registry.v2 over mutual TLS, cut to a read mask, and prints it
// as JSON. First it obtains an access token from the hub's token endpoint with the same certificate
// (OAuth2 client_credentials, tls_client_auth: the client_id is the partner id the certificate names,
// no secret); the token is bound to that certificate. An example of a partner client in another language, generated from protos/ (see
// docs/contracts.md and buf.gen.yaml here). A read of personal data names its purpose (metadata
// x-interop-purpose, docs/partners.md): here from the environment variable INTEROP_PURPOSE. Usage:
//   INTEROP_PURPOSE=<purpose> node clients/node/get-household.js <hub-url> <ca.crt> <partner.crt> <partner.key> <household-id> [path ...]
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { X509Certificate } from "node:crypto";
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

// The partner id from the certificate's urn:interop-hub:partner:<kind>:<id> URI.
function partnerId(pem) {
  const uri = new X509Certificate(pem).subjectAltName?.split(", ").find((name) => name.startsWith("URI:urn:interop-hub:partner:"));
  return uri?.split(":").at(-1);
}

function accessToken() {
  const body = new URLSearchParams({ grant_type: "client_credentials", client_id: partnerId(readFileSync(certificate)) }).toString();
  return new Promise((resolve, reject) => {
    const call = request(new URL("/connect/token", baseUrl), {
      method: "POST",
      ca: readFileSync(ca), cert: readFileSync(certificate), key: readFileSync(key),
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) },
    }, (response) => {
      let text = "";
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => {
        let answer;
        try {
          answer = JSON.parse(text);
        } catch {
          reject(new Error(`token endpoint answered HTTP ${response.statusCode}, not OAuth2 JSON`));
          return;
        }
        if (answer.access_token) resolve(answer.access_token);
        else reject(new Error(`token endpoint: ${answer.error}: ${answer.error_description}`));
      });
    });
    call.on("error", reject);
    call.end(body);
  });
}

try {
  const token = await accessToken();
  const headers = { authorization: `Bearer ${token}` };
  if (process.env.INTEROP_PURPOSE) headers["x-interop-purpose"] = process.env.INTEROP_PURPOSE;
  const response = await registry.getHousehold({ householdId, readMask: { paths } }, { headers });
  console.log(toJsonString(HouseholdSchema, response.household));
} catch (error) {
  console.error(`${error.code ?? "error"}: ${error.rawMessage ?? error.message}`);
  process.exitCode = 1;
}
