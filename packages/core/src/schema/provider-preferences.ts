import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { closedStruct } from "./closed-struct.js"
import { nullableKey } from "./nullable-key.js"

/*
 * wire-facts §1: the `provider` object and the objects in it are `additionalProperties: false` with every
 * field nullable. So each is a `closedStruct` (an unknown key is a 400 naming it, not a silent no-op that
 * changes routing) of `nullableKey`s (`null` decodes to the key being absent: routing code never sees it).
 */

/** Percentile cutoffs accepted by `preferred_max_latency` (seconds) and `preferred_min_throughput` (tokens/s). */
export const PercentileCutoffs = closedStruct({
  p50: nullableKey(Schema.Finite),
  p75: nullableKey(Schema.Finite),
  p90: nullableKey(Schema.Finite),
  p99: nullableKey(Schema.Finite),
})
export type PercentileCutoffs = typeof PercentileCutoffs.Type

/** A bare number applies to p50 (wire-facts §1). */
export const PreferredCutoff = Schema.Union([Schema.Finite, PercentileCutoffs])
export type PreferredCutoff = typeof PreferredCutoff.Type

export const SortBy = Schema.Literals(["price", "latency", "throughput"])
export type SortBy = typeof SortBy.Type

export const SortPartition = Schema.Literals(["model", "none"])
export type SortPartition = typeof SortPartition.Type

export const Sort = Schema.Union([SortBy, closedStruct({ by: SortBy, partition: nullableKey(SortPartition) })])
export type Sort = typeof Sort.Type

/** USD per million tokens for prompt/completion, per request for `request` (wire-facts §1). Strings are accepted as the OpenAPI types them. */
const PriceValue = Schema.Union([Schema.Finite, Schema.FiniteFromString])
export const MaxPrice = closedStruct({
  prompt: nullableKey(PriceValue),
  completion: nullableKey(PriceValue),
  request: nullableKey(PriceValue),
  image: nullableKey(PriceValue),
  audio: nullableKey(PriceValue),
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
export const ProviderPreferences = closedStruct({
  order: nullableKey(Schema.Array(Schema.String)),
  allow_fallbacks: nullableKey(Schema.Boolean),
  require_parameters: nullableKey(Schema.Boolean),
  data_collection: nullableKey(Schema.Literals(["allow", "deny"])),
  zdr: nullableKey(Schema.Boolean),
  /**
   * Accepted and ignored: wire-facts §1 lists it (only models whose author allows distillation), but the
   * catalog has no such flag to filter on. Declared so that OpenRouter clients sending it are not refused.
   */
  enforce_distillable_text: nullableKey(Schema.Boolean),
  only: nullableKey(Schema.Array(Schema.String)),
  ignore: nullableKey(Schema.Array(Schema.String)),
  quantizations: nullableKey(Schema.Array(Quantization)),
  sort: nullableKey(Sort),
  preferred_max_latency: nullableKey(PreferredCutoff),
  preferred_min_throughput: nullableKey(PreferredCutoff),
  max_price: nullableKey(MaxPrice),
  /** Switchyard: opt in to provisioned (PT) endpoints from the first attempt ("PT mode"). */
  high_availability: nullableKey(Schema.Boolean),
  /** Switchyard: may a rate-limited request escalate to PT? Default comes from config (and the gateway key). */
  escalation: nullableKey(Schema.Literals(["allow", "deny"])),
  /** Switchyard: priority class of the request. */
  priority: nullableKey(Priority),
  /** Switchyard: hedge the first attempt after its endpoint's p90 time to first token. */
  hedge: nullableKey(Schema.Boolean),
  /**
   * Switchyard: the longest this request may wait, in total, for rate-limited or full endpoints to free
   * up before the router answers 429 with `retry-after-ms` (default `routing.maxWaitMs`, 0: at once).
   */
  max_wait_ms: nullableKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 600_000 }))),
})
export type ProviderPreferences = typeof ProviderPreferences.Type

export const defaultAllowFallbacks = Effect.succeed(true)
