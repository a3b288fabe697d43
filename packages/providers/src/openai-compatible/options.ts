import { configStruct } from "@switchyard/core"
import * as Schema from "effect/Schema"
import { HttpUrl } from "../http/base-url.js"
import { TimeoutsOptions } from "../http/timeouts.js"
import { SecretInput } from "../secrets/secret.js"

/**
 * Options of `kind: "openai-compatible"` (OpenAI, DeepSeek, Groq, xAI, Mistral, Together, vLLM, …).
 * ```json
 * { "baseUrl": "https://api.openai.com/v1", "apiKey": { "env": "OPENAI_API_KEY" },
 *   "headers": { "OpenAI-Organization": "org-1" }, "timeouts": { "connectMs": 5000, "headersMs": 120000, "bodyMs": 60000 } }
 * ```
 */
export const OpenAiCompatibleOptions = configStruct({
  /** Base URL up to and excluding `/chat/completions`, e.g. `https://api.groq.com/openai/v1`. */
  baseUrl: HttpUrl,
  /** Sent as `Authorization: Bearer <key>`; omit for keyless local servers. */
  apiKey: Schema.optionalKey(SecretInput),
  /** Extra request headers (they override the defaults). */
  headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  timeouts: Schema.optionalKey(TimeoutsOptions),
  /** Max sockets per origin. */
  connections: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /** Ask for `stream_options.include_usage` when streaming (default true; turn off for hosts that reject it). */
  streamUsage: Schema.optionalKey(Schema.Boolean),
})
export type OpenAiCompatibleOptions = typeof OpenAiCompatibleOptions.Type
