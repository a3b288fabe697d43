import { configStruct } from "@switchyard/core"
import * as Schema from "effect/Schema"
import { HttpUrl } from "../http/base-url.js"
import { TimeoutsOptions } from "../http/timeouts.js"
import { SecretInput } from "../secrets/secret.js"

/**
 * Options of `kind: "azure-openai"`. Each catalog endpoint's `upstreamModel` is the deployment name
 * (standard or provisioned/PTU deployment of the same resource).
 * ```json
 * { "resourceUrl": "https://my-resource.openai.azure.com", "apiVersion": "2024-10-21",
 *   "apiKey": { "env": "AZURE_OPENAI_API_KEY" } }
 * ```
 */
export const AzureOpenAiOptions = configStruct({
  /** `https://{resource}.openai.azure.com` (or an APIM front door). One of resourceUrl / endpoint is required. */
  resourceUrl: Schema.optionalKey(HttpUrl),
  /** Alias of resourceUrl (the name Azure's portal uses). */
  endpoint: Schema.optionalKey(HttpUrl),
  apiVersion: Schema.optionalKey(Schema.NonEmptyString),
  /** Sent as the `api-key` header. Omit when `headers` carries an `Authorization: Bearer` (Entra ID) token. */
  apiKey: Schema.optionalKey(SecretInput),
  headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  timeouts: Schema.optionalKey(TimeoutsOptions),
  connections: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  streamUsage: Schema.optionalKey(Schema.Boolean),
  /**
   * Per-request `x-ms-spillover-deployment` (Azure-side PTU→standard spillover). Off by default: Switchyard
   * routes the PTU 429 itself, which keeps the fallback visible in the trace.
   */
  spilloverDeployment: Schema.optionalKey(Schema.NonEmptyString),
})
export type AzureOpenAiOptions = typeof AzureOpenAiOptions.Type

export const defaultAzureApiVersion = "2024-10-21"
