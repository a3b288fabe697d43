import * as Schema from "effect/Schema"
import { configStruct } from "../schema/closed-struct.js"
import { Priority, ProviderPreferences, Quantization } from "../schema/provider-preferences.js"

const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

export const Pool = Schema.Literals(["standard", "provisioned"])
export type Pool = typeof Pool.Type

/**
 * USD per million tokens; `discount` is a fraction (0.2 = 20% off list). The cache prices (prompt tokens
 * read from the provider's prompt cache, and written to it — Anthropic's 5-minute and 1-hour writes) default
 * per provider kind (`cache-prices.ts`, documented in the README); set them for exact costs.
 */
export const Price = configStruct({
  prompt: NonNegative,
  completion: NonNegative,
  /** Prompt tokens read from the provider's prompt cache. */
  cacheRead: Schema.optionalKey(NonNegative),
  /** Prompt tokens written to the cache (Anthropic: a 5-minute write). */
  cacheWrite: Schema.optionalKey(NonNegative),
  /** Prompt tokens written to the cache for one hour (Anthropic `cache_control.ttl: "1h"`). */
  cacheWrite1h: Schema.optionalKey(NonNegative),
  request: Schema.optionalKey(NonNegative),
  discount: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
})
export type Price = typeof Price.Type

export const DataPolicy = configStruct({
  /** The provider stores or trains on prompts (excluded by `data_collection: "deny"`). */
  collects: Schema.Boolean,
  /** Zero data retention (required by `zdr: true`). */
  zdr: Schema.Boolean,
})
export type DataPolicy = typeof DataPolicy.Type

/** Capacity of an endpoint as a PT meter sees it. Absent: tracked by observed 429s only. */
/**
 * What the provider's limiter counts against `tokensPerMinute`: `usage` (what the answer used: prompt + output ×
 * `outputWeight`, as PT meters and Gemini/Anthropic count) or `prompt+max_tokens` (prompt + the requested
 * `max_tokens` at admission, whatever the answer uses, as OpenAI and Azure OpenAI count).
 */
export const CapacityCounts = Schema.Literals(["usage", "prompt+max_tokens"])
export type CapacityCounts = typeof CapacityCounts.Type

export const Capacity = configStruct({
  tokensPerMinute: Schema.optionalKey(PositiveInt),
  requestsPerMinute: Schema.optionalKey(PositiveInt),
  /** Default by provider kind: `prompt+max_tokens` for `openai-compatible` and `azure-openai`, else `usage`. */
  counts: Schema.optionalKey(CapacityCounts),
})
export type Capacity = typeof Capacity.Type

export const EndpointConfig = configStruct({
  /** Provider slug, as declared under `providers`. */
  provider: Schema.String,
  /** Variant: the endpoint's full slug becomes `provider/variant` (e.g. `google-vertex/pt`). */
  variant: Schema.optionalKey(Schema.String),
  /** Service-tier endpoints are not matched by their base slug (wire-facts §1). */
  serviceTier: Schema.optionalKey(Schema.Boolean),
  /** Model id the upstream expects; defaults to the model id. */
  upstreamModel: Schema.optionalKey(Schema.String),
  price: Price,
  contextLength: PositiveInt,
  maxOutput: Schema.optionalKey(PositiveInt),
  /** Default expected output when a request sets no max_tokens (capacity metering). */
  defaultMaxTokens: Schema.optionalKey(PositiveInt),
  supportedParameters: Schema.optionalKey(Schema.Array(Schema.String)),
  quantization: Schema.optionalKey(Quantization),
  dataPolicy: Schema.optionalKey(DataPolicy),
  pool: Schema.optionalKey(Pool),
  capacity: Schema.optionalKey(Capacity),
  /** Output tokens count N× input in the capacity meter (PT burndown rate). */
  outputWeight: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))),
})
export type EndpointConfig = typeof EndpointConfig.Type

export const ModelConfig = configStruct({
  id: Schema.NonEmptyString,
  name: Schema.optionalKey(Schema.String),
  aliases: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Per-model defaults merged under the request's own fields. */
  defaults: Schema.optionalKey(
    configStruct({
      max_tokens: Schema.optionalKey(PositiveInt),
      provider: Schema.optionalKey(ProviderPreferences),
    }),
  ),
  endpoints: Schema.Array(EndpointConfig).check(Schema.isMinLength(1)),
})
export type ModelConfig = typeof ModelConfig.Type

export const ProviderConfig = configStruct({
  slug: Schema.NonEmptyString,
  /** Plugin kind: `openai-compatible`, `azure-openai`, `google`, `google-vertex`, `anthropic`, `simulated`, or a user plugin. */
  kind: Schema.NonEmptyString,
  name: Schema.optionalKey(Schema.String),
  /** Plugin-specific options, validated by the plugin's own schema. */
  options: Schema.optionalKey(Schema.Unknown),
})
export type ProviderConfig = typeof ProviderConfig.Type

/**
 * Conversation affinity (prompt caching): a conversation's next turn prefers the endpoint that served its
 * previous one while that endpoint is admissible, healthy and within `tolerance` of the cheapest price.
 */
export const AffinityConfig = configStruct({
  /** Default true; false turns affinity off. */
  enabled: Schema.optionalKey(Schema.Boolean),
  /** The sticky endpoint may cost up to this share more than the cheapest (0.25 = 25%); default 0.25. */
  tolerance: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 10 }))),
  /** An entry lives this long after the conversation's last turn, ms; default 300,000 (5 minutes, the cache lifetime). */
  ttlMs: Schema.optionalKey(PositiveInt),
  /**
   * Opt-in: a request without `session_id`, `x-session-id` or `user` is keyed by a hash of its first
   * `prefixMessages` messages (the system prompt and the conversation's opening); default 0 (off).
   */
  prefixMessages: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 64 }))),
})
export type AffinityConfig = typeof AffinityConfig.Type

/** Router-wide defaults (all optional; see `RoutingDefaults` for the resolved values). */
export const RoutingConfig = configStruct({
  /** Escalation to PT after a rate limit: allowed unless a request or key says otherwise. */
  escalation: Schema.optionalKey(Schema.Literals(["allow", "deny"])),
  /** Share of PT capacity (0..1) kept free for `critical` requests. */
  criticalHeadroom: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  defaultPriority: Schema.optionalKey(Priority),
  maxAttempts: Schema.optionalKey(PositiveInt),
  requestTimeoutMs: Schema.optionalKey(PositiveInt),
  attemptTimeoutMs: Schema.optionalKey(PositiveInt),
  firstTokenTimeoutMs: Schema.optionalKey(PositiveInt),
  /**
   * An attempt's time-to-first-byte limit is at most this many times its endpoint's measured p99 time to
   * first token (never below `attemptTimeoutFloorMs`); 0 turns the measured limit off.
   */
  attemptTimeoutMultiplier: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 100 }))),
  attemptTimeoutFloorMs: Schema.optionalKey(PositiveInt),
  /** Share of the time left that an attempt leaves for a fallback, when one could follow. */
  fallbackReserve: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 0.9 }))),
  /**
   * Longest a request may wait, in total, for rate-limited or full endpoints to free up (the default of
   * `provider.max_wait_ms`); 0: answer 429 with retry-after at once.
   */
  maxWaitMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  /** Retries allowed as a share of recent requests (0.2 = at most 20% extra load). */
  retryBudget: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 10 }))),
  /** Longest the router sleeps for a lone endpoint's retry-after before giving up. */
  maxRetrySleepMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  /**
   * How hard measured failures weigh in load balancing: an endpoint is priced `price ÷ successRate^(1 +
   * failurePenalty)` per successful request (0: just the expected attempts).
   */
  failurePenalty: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 10 }))),
  /** Reject requests the capacity meter predicts would exceed 100% (PT pools always do). */
  admission: Schema.optionalKey(Schema.Boolean),
  hedge: Schema.optionalKey(Schema.Boolean),
  hedgeBudget: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  statsWindowMs: Schema.optionalKey(PositiveInt),
  outageWindowMs: Schema.optionalKey(PositiveInt),
  affinity: Schema.optionalKey(AffinityConfig),
})
export type RoutingConfig = typeof RoutingConfig.Type

export const CatalogConfig = Schema.Struct({
  providers: Schema.Array(ProviderConfig),
  models: Schema.Array(ModelConfig),
  routing: Schema.optionalKey(RoutingConfig),
})
export type CatalogConfig = typeof CatalogConfig.Type
