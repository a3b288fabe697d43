import * as Schema from "effect/Schema"
import { nullableKey } from "./nullable-key.js"
import { ProviderPreferences } from "./provider-preferences.js"

const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** A message as the hot path sees it: a role is required, the rest passes through untouched. */
const RoutedMessage = Schema.Struct({
  role: Schema.Literals(["system", "developer", "user", "assistant", "tool"]),
})

/**
 * The part of a chat request that routing needs. The gateway decodes only this on the hot
 * path and passes the rest of the body through as it came.
 */
export const RoutingRequest = Schema.Struct({
  model: Schema.optionalKey(Schema.String),
  /** Fallback models, tried in order after `model`; an empty name is a 400 (`models.0`), not an unknown model. */
  models: Schema.optionalKey(Schema.Array(Schema.NonEmptyString)),
  messages: Schema.Array(RoutedMessage).check(Schema.isMinLength(1)),
  stream: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  max_tokens: Schema.optionalKey(Schema.NullOr(NonNegativeInt)),
  max_completion_tokens: Schema.optionalKey(Schema.NullOr(NonNegativeInt)),
  tools: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  tool_choice: Schema.optionalKey(Schema.Unknown),
  response_format: Schema.optionalKey(Schema.Unknown),
  /** `null` is the same as no `provider` object (SDKs send unset fields as null). */
  provider: nullableKey(ProviderPreferences),
  /** The conversation, for affinity (OpenRouter's sticky-routing key; not forwarded upstream). */
  session_id: Schema.optionalKey(Schema.String),
  /** The end user (OpenAI's field, forwarded): an affinity key when there is no `session_id`. */
  user: Schema.optionalKey(Schema.String),
})
export type RoutingRequest = typeof RoutingRequest.Type

/** Fields Switchyard consumes and never forwards upstream. */
export const ROUTING_ONLY_FIELDS: ReadonlyArray<string> = ["models", "provider", "route", "session_id"]
