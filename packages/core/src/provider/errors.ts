import * as Schema from "effect/Schema"

/**
 * What an upstream said about a client-side (4xx) error, kept so the gateway can relay it as the
 * upstream sent it (`type`, `code`, `param`, and extra fields such as Groq's `failed_generation`).
 * Every string in it went through the plugin's redactor; `extra` is bounded (see `error-body.ts`).
 */
export const UpstreamErrorDetail = Schema.Struct({
  type: Schema.optionalKey(Schema.String),
  code: Schema.optionalKey(Schema.String),
  param: Schema.optionalKey(Schema.String),
  /** Other members of the upstream's error object, by name. */
  extra: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
})
export type UpstreamErrorDetail = typeof UpstreamErrorDetail.Type

const fields = {
  /** Provider slug that produced the error. */
  provider: Schema.String,
  /** Upstream HTTP status, 0 when none was received. */
  status: Schema.Int,
  /** Human message; never contains an upstream key. */
  message: Schema.String,
  /** The upstream's request id (`x-request-id`, `request-id`, `apim-request-id`, …), for support tickets. */
  requestId: Schema.optionalKey(Schema.String),
}

/** Fields of the errors a client caused (4xx): the upstream's own description, relayed as sent. */
const clientFields = { ...fields, upstream: Schema.optionalKey(UpstreamErrorDetail) }

export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...fields,
  retryAfterMs: Schema.optionalKey(Schema.Finite),
  /** True for sticky quota exhaustion (per-day quota, insufficient_quota): do not retry soon. */
  quota: Schema.optionalKey(Schema.Boolean),
}) {}
export class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", {
  ...fields,
  retryAfterMs: Schema.optionalKey(Schema.Finite),
}) {}
export class UpstreamTimeout extends Schema.TaggedError<UpstreamTimeout>()("UpstreamTimeout", {
  ...fields,
  phase: Schema.Literals(["connect", "headers", "body", "first_token", "attempt"]),
}) {}
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  ...fields,
  /** `connect` (refused/DNS) or `reset` (socket closed/truncated body or stream). */
  kind: Schema.Literals(["connect", "reset"]),
}) {}
export class UpstreamServerError extends Schema.TaggedError<UpstreamServerError>()("UpstreamServerError", {
  ...fields,
  retryAfterMs: Schema.optionalKey(Schema.Finite),
}) {}
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  ...clientFields,
  param: Schema.optionalKey(Schema.String),
  code: Schema.optionalKey(Schema.String),
}) {}
export class AuthFailed extends Schema.TaggedError<AuthFailed>()("AuthFailed", clientFields) {}
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  ...clientFields,
  /** The upstream says this model does not exist or is not supported here: another model may serve. */
  modelNotSupported: Schema.optionalKey(Schema.Boolean),
}) {}
export class ContentFiltered extends Schema.TaggedError<ContentFiltered>()("ContentFiltered", clientFields) {}
export class ContextLengthExceeded extends Schema.TaggedError<ContextLengthExceeded>()(
  "ContextLengthExceeded",
  clientFields,
) {}
export class MalformedResponse extends Schema.TaggedError<MalformedResponse>()("MalformedResponse", fields) {}

/** The closed union every provider plugin fails with. */
export type ProviderError =
  | RateLimited
  | Overloaded
  | UpstreamTimeout
  | TransportError
  | UpstreamServerError
  | BadRequest
  | AuthFailed
  | NotFound
  | ContentFiltered
  | ContextLengthExceeded
  | MalformedResponse

export type ProviderErrorTag = ProviderError["_tag"]

const retryable: ReadonlySet<ProviderErrorTag> = new Set([
  "RateLimited",
  "Overloaded",
  "UpstreamTimeout",
  "TransportError",
  "UpstreamServerError",
  "MalformedResponse",
])

/** May the same request be sent to another endpoint of the same model? */
export const isRetryable = (e: ProviderError): boolean => retryable.has(e._tag)

/**
 * What a failure says is wrong, and so where the request may go next:
 * - `"endpoint"`: the endpoint failed — every retryable error (429, 5xx, overload, timeout, transport, a malformed
 *   answer) and the endpoint's own set-up (401/403: its key, account or region; 404: its model or deployment name).
 *   Any other endpoint may serve the request, this model's included.
 * - `"model"`: the model refused the request as it is (400, 413, 422, context length, content filter). This model's
 *   other endpoints would refuse it too and are skipped; the next model in `models[]` is tried (wire-facts §1: any
 *   error may trigger the next model).
 */
export const failureScope = (e: ProviderError): "endpoint" | "model" => {
  switch (e._tag) {
    case "BadRequest":
    case "ContextLengthExceeded":
    case "ContentFiltered":
      return "model"
    default:
      return "endpoint"
  }
}
