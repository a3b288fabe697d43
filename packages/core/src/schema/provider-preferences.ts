import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** Percentile cutoffs accepted by `preferred_max_latency` (seconds) and `preferred_min_throughput` (tokens/s). */
export const PercentileCutoffs = Schema.Struct({
  p50: Schema.optionalKey(Schema.Finite),
  p75: Schema.optionalKey(Schema.Finite),
  p90: Schema.optionalKey(Schema.Finite),
  p99: Schema.optionalKey(Schema.Finite),
})
export type PercentileCutoffs = typeof PercentileCutoffs.Type

/** A bare number applies to p50 (wire-facts §1). */
export const PreferredCutoff = Schema.Union([Schema.Finite, PercentileCutoffs])
export type PreferredCutoff = typeof PreferredCutoff.Type

export const SortBy = Schema.Literals(["price", "latency", "throughput"])
export type SortBy = typeof SortBy.Type

export const SortPartition = Schema.Literals(["model", "none"])
export type SortPartition = typeof SortPartition.Type

export const Sort = Schema.Union([SortBy, Schema.Struct({ by: SortBy, partition: Schema.optionalKey(SortPartition) })])
export type Sort = typeof Sort.Type

/** USD per million tokens for prompt/completion, per request for `request` (wire-facts §1). Strings are accepted as the OpenAPI types them. */
const PriceValue = Schema.Union([Schema.Finite, Schema.FiniteFromString])
export const MaxPrice = Schema.Struct({
  prompt: Schema.optionalKey(PriceValue),
  completion: Schema.optionalKey(PriceValue),
  request: Schema.optionalKey(PriceValue),
  image: Schema.optionalKey(PriceValue),
  audio: Schema.optionalKey(PriceValue),
})
export type MaxPrice = typeof MaxPrice.Type

export const Quantization = Schema.Literals([
  "int4",
  "int8",
  "fp4",
  "mxfp4",
  "nvfp4",
  "fp6",
  "fp8",
  "mxfp8",
  "fp16",
  "bf16",
  "fp32",
  "unknown",
])
export type Quantization = typeof Quantization.Type

/** Request priority class (Switchyard extension). `critical` may use PT headroom; `batch` never escalates. */
export const Priority = Schema.Literals(["critical", "default", "batch"])
export type Priority = typeof Priority.Type

/**
 * The `provider` object of a chat request: OpenRouter-style provider routing (wire-facts §1)
 * plus Switchyard's extensions (`high_availability`, `escalation`, `priority`, `hedge`).
 */
export const ProviderPreferences = Schema.Struct({
  order: Schema.optionalKey(Schema.Array(Schema.String)),
  allow_fallbacks: Schema.optionalKey(Schema.Boolean),
  require_parameters: Schema.optionalKey(Schema.Boolean),
  data_collection: Schema.optionalKey(Schema.Literals(["allow", "deny"])),
  zdr: Schema.optionalKey(Schema.Boolean),
  only: Schema.optionalKey(Schema.Array(Schema.String)),
  ignore: Schema.optionalKey(Schema.Array(Schema.String)),
  quantizations: Schema.optionalKey(Schema.Array(Quantization)),
  sort: Schema.optionalKey(Sort),
  preferred_max_latency: Schema.optionalKey(PreferredCutoff),
  preferred_min_throughput: Schema.optionalKey(PreferredCutoff),
  max_price: Schema.optionalKey(MaxPrice),
  /** Switchyard: opt in to provisioned (PT) endpoints from the first attempt ("PT mode"). */
  high_availability: Schema.optionalKey(Schema.Boolean),
  /** Switchyard: may a rate-limited request escalate to PT? Default comes from config (and the gateway key). */
  escalation: Schema.optionalKey(Schema.Literals(["allow", "deny"])),
  /** Switchyard: priority class of the request. */
  priority: Schema.optionalKey(Priority),
  /** Switchyard: hedge the first attempt after its endpoint's p90 time to first token. */
  hedge: Schema.optionalKey(Schema.Boolean),
  /**
   * Switchyard: the longest this request may wait, in total, for rate-limited or full endpoints to free
   * up before the router answers 429 with `retry-after-ms` (default `routing.maxWaitMs`, 0: at once).
   */
  max_wait_ms: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 600_000 }))),
})
export type ProviderPreferences = typeof ProviderPreferences.Type

export const defaultAllowFallbacks = Effect.succeed(true)
