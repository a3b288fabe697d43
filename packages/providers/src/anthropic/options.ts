import { configStruct } from "@switchyard/core"
import * as Schema from "effect/Schema"
import { HttpUrl } from "../http/base-url.js"
import { TimeoutsOptions } from "../http/timeouts.js"
import { SecretInput } from "../secrets/secret.js"

/**
 * Options of the `anthropic` provider: `apiKey` (literal or `{ env }`, sent as `x-api-key`),
 * `baseUrl` (default `https://api.anthropic.com`), `version` (`anthropic-version`, default
 * `2023-06-01`), `beta` (`anthropic-beta` values), extra `headers`, socket `timeouts`, `connections`.
 * ```json
 * { "apiKey": { "env": "ANTHROPIC_API_KEY" }, "beta": ["prompt-caching-2024-07-31"] }
 * ```
 */
export const AnthropicOptions = configStruct({
  apiKey: SecretInput,
  baseUrl: Schema.optionalKey(HttpUrl),
  version: Schema.optionalKey(Schema.String),
  beta: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Extra request headers (they override the defaults). */
  headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  timeouts: Schema.optionalKey(TimeoutsOptions),
  /** Max sockets per origin. */
  connections: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
})
export type AnthropicOptions = typeof AnthropicOptions.Type
