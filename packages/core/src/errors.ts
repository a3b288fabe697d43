import * as Schema from "effect/Schema"

/** A client mistake in the request: becomes `400 invalid_request_error` with `param`. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String,
  /** Dotted path of the offending parameter, e.g. `provider.sort`; null when not tied to one. */
  param: Schema.NullOr(Schema.String),
  code: Schema.NullOr(Schema.String),
}) {}

/** Client input echoed in an error, cut to `max` characters (marked `…` when cut): the error must not grow with it. */
export const echoed = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text)

/**
 * A request that names no model (`model` absent or `""`, `models` absent or empty): the router's answer and the
 * gateway's own check before routing give this one error.
 */
export const missingModel = (): InvalidRequest =>
  new InvalidRequest({
    message: "Request must name a model: set `model` (or a non-empty `models` list)",
    param: "model",
    code: "missing_required_parameter",
  })

/** The requested model (or every model in `models`) is not in the catalog: `404 model_not_found`. */
export class ModelNotFound extends Schema.TaggedError<ModelNotFound>()("ModelNotFound", {
  model: Schema.String,
  message: Schema.String,
}) {}

/** Why one endpoint was excluded from a plan (vocabulary follows OpenRouter's `excluded_by`). */
export const ExclusionReason = Schema.Literals([
  "allowed_providers", // `only`
  "ignored_providers", // `ignore`
  "data_policy:training", // data_collection: deny
  "data_policy:zdr",
  "max_price",
  "quantization",
  "context_length",
  "max_tokens",
  "require_parameters",
  "tools_unsupported",
  "response_format_unsupported",
  "cooldown",
  "breaker_open",
  "pool:provisioned", // PT not opted in and not escalating
  "not_in_order", // allow_fallbacks: false
  "capacity", // PT pool cannot admit this request
])
export type ExclusionReason = typeof ExclusionReason.Type

export const ExcludedEndpoint = Schema.Struct({
  endpoint: Schema.String,
  model: Schema.String,
  reasons: Schema.Array(ExclusionReason),
})
export type ExcludedEndpoint = typeof ExcludedEndpoint.Type

/** No endpoint satisfies the routing constraints. Carries, per dropped endpoint, the rules that dropped it. */
export class NoEndpoint extends Schema.TaggedError<NoEndpoint>()("NoEndpoint", {
  model: Schema.String,
  message: Schema.String,
  excluded: Schema.Array(ExcludedEndpoint),
}) {}

/** A config file (catalog, scenario) failed validation; `path` is the dotted path of the first issue. */
export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", {
  message: Schema.String,
  path: Schema.NullOr(Schema.String),
  issues: Schema.Array(Schema.String),
}) {}
