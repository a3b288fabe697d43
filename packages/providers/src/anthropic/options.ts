import { Schema } from "effect"
import { TimeoutsOptions } from "../http/timeouts.js"
import { SecretInput } from "../secrets/secret.js"

/**
 * Options of the `anthropic` provider: `apiKey` (literal or `{ env }`, sent as `x-api-key`),
 * `baseUrl` (default `https://api.anthropic.com`), `version` (`anthropic-version`, default
 * `2023-06-01`), `beta` (`anthropic-beta` values), extra `headers`, socket `timeouts`.
 */
export const AnthropicOptions = Schema.Struct({
  apiKey: SecretInput,
  baseUrl: Schema.optionalKey(Schema.String),
  version: Schema.optionalKey(Schema.String),
  beta: Schema.optionalKey(Schema.Array(Schema.String)),
  headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  timeouts: Schema.optionalKey(TimeoutsOptions),
})
export type AnthropicOptions = typeof AnthropicOptions.Type
