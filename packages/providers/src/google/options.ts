import { configStruct } from "@switchyard/core"
import * as Schema from "effect/Schema"
import { HttpUrl } from "../http/base-url.js"
import { TimeoutsOptions } from "../http/timeouts.js"
import { SecretInput } from "../secrets/secret.js"

/** Extra request headers (they override the defaults). */
const Headers = Schema.Record(Schema.String, Schema.String)
/** Max sockets per origin. */
const Connections = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * Options of the `google` provider (Gemini API, pay-as-you-go):
 * `apiKey` (literal or `{ env }`, sent as `x-goog-api-key`), `baseUrl` (default
 * `https://generativelanguage.googleapis.com`), extra `headers`, socket `timeouts`, `connections`.
 * ```json
 * { "apiKey": { "env": "GEMINI_API_KEY" }, "timeouts": { "headersMs": 120000 } }
 * ```
 */
export const GoogleOptions = configStruct({
  apiKey: SecretInput,
  baseUrl: Schema.optionalKey(HttpUrl),
  headers: Schema.optionalKey(Headers),
  timeouts: Schema.optionalKey(TimeoutsOptions),
  connections: Schema.optionalKey(Connections),
})
export type GoogleOptions = typeof GoogleOptions.Type

/** Returns a fresh OAuth access token (e.g. from google-auth-library); called once per upstream request. */
export type AccessTokenFunction = () => string | PromiseLike<string>

const AccessTokenFunction = Schema.declare((u: unknown): u is AccessTokenFunction => typeof u === "function", {
  expected: "a function returning an access token",
})

/**
 * Options of the `google-vertex` provider (Vertex AI, standard or Provisioned Throughput endpoints):
 * `project`, `location` (`us-central1`, …, or `global`), `accessToken` (literal, `{ env }`, or — in code —
 * a function returning a token; sent as `Authorization: Bearer`), `apiVersion` (`v1` default, or `v1beta1`),
 * `baseUrl` to replace `https://{location}-aiplatform.googleapis.com` (proxies, tests), extra `headers`,
 * socket `timeouts`, `connections`.
 * ```json
 * { "project": "acme-prod", "location": "us-central1", "accessToken": { "env": "VERTEX_ACCESS_TOKEN" } }
 * ```
 */
export const VertexOptions = configStruct({
  project: Schema.NonEmptyString,
  location: Schema.NonEmptyString,
  accessToken: Schema.Union([SecretInput, AccessTokenFunction]),
  apiVersion: Schema.optionalKey(Schema.Literals(["v1", "v1beta1"])),
  baseUrl: Schema.optionalKey(HttpUrl),
  headers: Schema.optionalKey(Headers),
  timeouts: Schema.optionalKey(TimeoutsOptions),
  connections: Schema.optionalKey(Connections),
})
export type VertexOptions = typeof VertexOptions.Type
