import {
  configStruct,
  DataPolicy,
  Pool,
  Price,
  Priority,
  ProviderPreferences,
  Quantization,
  RoutingConfig,
  Simulated,
} from "@switchyard/core"
import * as Schema from "effect/Schema"
import { DurationMs, formatDuration } from "./duration.js"

const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const Positive = Schema.Finite.check(Schema.isGreaterThan(0))
const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
/** Time buckets per run (duration ÷ bucket, rounded up): the report's series and charts hold one value per bucket. */
export const MAX_BUCKETS = 2_000
/** Traffic classes per scenario: the trace holds a request's class in a byte (`ArrivalTrace.klass`), as a replay does. */
export const MAX_CLASSES = 255
/** Surges per scenario: the thinning peak is O(surges²), `rateAt` O(surges) per candidate arrival. */
export const MAX_SURGES = 1_000
const Share = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))

/** `[start, end)` of the run. */
const windowCheck = Schema.makeFilter(
  (w: { readonly start: number; readonly end: number }) =>
    w.end > w.start || { path: ["end"], issue: "end must be after start" },
)

export const ScenarioOutage = configStruct({
  start: DurationMs,
  end: DurationMs,
  /** `unavailable` (503, default), `connect` (connection refused) or `hang` (no answer; timeouts decide). */
  kind: Schema.optionalKey(Schema.Literals(["unavailable", "connect", "hang"])),
}).check(windowCheck)
export type ScenarioOutage = typeof ScenarioOutage.Type

/**
 * Provisioned throughput bought by the unit and paid per unit-hour whether used or not (Vertex GSUs,
 * Azure PTUs): the endpoint's capacity is `units × unitTokensPerMinute`, its cost
 * `units × pricePerUnitHour × hours` of the run, reported apart from per-token spend.
 */
export const Reserved = configStruct({
  /** Tokens per minute one unit buys (as the endpoint's meter counts them, output × `outputWeight`). */
  unitTokensPerMinute: PositiveInt,
  /** USD per unit per hour. */
  pricePerUnitHour: NonNegative,
  units: PositiveInt,
})
export type Reserved = typeof Reserved.Type

/** One endpoint of the scenario's model: what the catalog says about it and how its simulated upstream behaves. */
export const ScenarioEndpoint = configStruct({
  /** Provider slug (one simulated provider per slug). */
  provider: Schema.NonEmptyString,
  /** Variant: the endpoint slug becomes `provider/variant` (e.g. `google-vertex/pt`). */
  variant: Schema.optionalKey(Schema.NonEmptyString),
  pool: Schema.optionalKey(Pool),
  /** USD per million tokens. Optional with `reserved` (default 0: the reservation is the price). */
  price: Schema.optionalKey(Price),
  /** Reserved capacity priced per unit-hour; sets `capacity.tokensPerMinute`. */
  reserved: Schema.optionalKey(Reserved),
  contextLength: Schema.optionalKey(PositiveInt),
  quantization: Schema.optionalKey(Quantization),
  dataPolicy: Schema.optionalKey(DataPolicy),
  /** The upstream's real capacity (its meter). */
  capacity: Schema.optionalKey(Simulated.SimulatedCapacity),
  /** Tell the router this capacity (catalog `capacity`). Default: true for provisioned, false for standard pools. */
  advertiseCapacity: Schema.optionalKey(Schema.Boolean),
  /** Output tokens count this many times in the meter (PT burndown). Default 1. */
  outputWeight: Schema.optionalKey(NonNegative),
  /** Time to first token, ms. */
  latency: Schema.optionalKey(Simulated.Distribution),
  /** Output tokens per second. */
  throughput: Schema.optionalKey(Simulated.Distribution),
  errorRate: Schema.optionalKey(Share),
  midStreamFailureRate: Schema.optionalKey(Share),
  overheadMs: Schema.optionalKey(NonNegative),
  outages: Schema.optionalKey(Schema.Array(ScenarioOutage)),
  /**
   * The endpoint's prompt cache (`ttlMs`, `minTokens`, `writes`, `maxEntries`): a conversation's turn that
   * reaches the endpoint which served its previous turn within `ttlMs` has that prefix read from the cache.
   * Absent: no cache. Price its reads and writes with `price.cacheRead` / `cacheWrite` (else the
   * simulated kind's defaults: 0.1× and 1.25× the prompt price).
   */
  cache: Schema.optionalKey(Simulated.SimulatedPromptCache),
})
export type ScenarioEndpoint = typeof ScenarioEndpoint.Type

/** A traffic class: its share of requests, priority and routing parameters (the `provider` object). */
export const TrafficClass = configStruct({
  name: Schema.NonEmptyString,
  share: NonNegative,
  priority: Schema.optionalKey(Priority),
  provider: Schema.optionalKey(ProviderPreferences),
})
export type TrafficClass = typeof TrafficClass.Type

export const Surge = configStruct({ start: DurationMs, end: DurationMs, multiplier: NonNegative }).check(windowCheck)
export type Surge = typeof Surge.Type

export const Diurnal = configStruct({
  /** Relative swing around the base rate: 0.3 → rate × (1 ± 0.3) over the day. */
  amplitude: Share,
  /** Time of day (from the start of the run) when traffic peaks. Default 14h. */
  peakAt: Schema.optionalKey(DurationMs),
  /** Default 24h. */
  period: Schema.optionalKey(DurationMs),
})
export type Diurnal = typeof Diurnal.Type

/**
 * Conversations: arrivals that are turns of multi-turn chats, each turn's prompt the previous turn's
 * prompt + its answer + a new message (a growing shared prefix, what prompt caches serve).
 */
export const Sessions = configStruct({
  /** Share of arrivals that are conversation turns (the rest are one-off requests). Default 1. */
  share: Schema.optionalKey(Share),
  /** Turns per conversation. Default lognormal median 6, p90 16. */
  turns: Schema.optionalKey(Simulated.Distribution),
  /** Gap between a conversation's turns, ms. Default lognormal median 20 s, p90 90 s. */
  gap: Schema.optionalKey(Simulated.Distribution),
  /** The conversation's stable opening (system prompt, documents), tokens. Default lognormal median 3,000, p90 8,000. */
  systemTokens: Schema.optionalKey(Simulated.Distribution),
  /** Each new user message, tokens. Default lognormal median 120, p90 500. */
  messageTokens: Schema.optionalKey(Simulated.Distribution),
})
export type Sessions = typeof Sessions.Type

export const Traffic = configStruct({
  /** Mean arrivals per second before diurnal curve and surges (Poisson). */
  ratePerSecond: Positive,
  diurnal: Schema.optionalKey(Diurnal),
  /** At most 1 000 (the thinning peak tries every surge boundary against every surge). */
  surges: Schema.optionalKey(Schema.Array(Surge).check(Schema.isMaxLength(MAX_SURGES))),
  /** Prompt tokens per request. Default lognormal median 800, p90 3 000. */
  promptTokens: Schema.optionalKey(Simulated.Distribution),
  /** Output tokens per request (capped by maxTokens). Default lognormal median 250, p90 700. */
  outputTokens: Schema.optionalKey(Simulated.Distribution),
  /** `max_tokens` every request sends (what meters charge at admission). Default 1 024; null: none sent. */
  maxTokens: Schema.optionalKey(Schema.NullOr(PositiveInt)),
  /** Share of requests that stream. Default 0. */
  streamingShare: Schema.optionalKey(Share),
  /** Multi-turn conversations (with `promptTokens` for the one-off requests). Absent: every request stands alone. */
  sessions: Schema.optionalKey(Sessions),
  /** Default: one class `default` with share 1. Shares are normalized. At most 255 (a byte per request in the trace). */
  classes: Schema.optionalKey(
    Schema.Array(TrafficClass)
      .check(Schema.isMinLength(1), Schema.isMaxLength(MAX_CLASSES))
      .check(Schema.makeFilter((cs) => cs.some((c) => c.share > 0) || "at least one class needs a share > 0")),
  ),
})
export type Traffic = typeof Traffic.Type

export const PolicyKind = Schema.Literals([
  /** Only one provider (`target`), no router fallback; the client retries like the OpenAI SDK. */
  "single-provider",
  /** Router fallback across standard endpoints; never PT (escalation denied). */
  "cost-mode",
  /** Every request names the PT endpoints first (`provider.order`), falling back to standard. */
  "pt-first",
  /** Standard first; escalate to PT after an upstream 429 (no capacity prediction). */
  "escalate-on-429",
  /** Standard first; predicted-full endpoints are skipped and PT is used when standard is (or gets) full. */
  "capacity-aware-escalation",
  /** The reference description's Python: one cost-mode call, then up to `retries` PT-ordered calls with retry-after sleeps. */
  "client-smart-retry",
])
export type PolicyKind = typeof PolicyKind.Type

export const ScenarioPolicy = configStruct({
  name: Schema.NonEmptyString,
  kind: PolicyKind,
  /** Router settings for this policy, over the scenario's `routing`. */
  routing: Schema.optionalKey(RoutingConfig),
  /** Merged into every request's `provider` object (over the traffic class's). */
  provider: Schema.optionalKey(ProviderPreferences),
  /** Client retries (single-provider: default 2, like the OpenAI SDK; client-smart-retry: default 3). */
  retries: Schema.optionalKey(NonNegativeInt),
  /** single-provider: the endpoint slug used. Default: the cheapest standard endpoint (prompt + completion, after discount). */
  target: Schema.optionalKey(Schema.NonEmptyString),
  /** pt-first / client-smart-retry: the `provider.order` sent. Default: every provisioned endpoint slug. */
  ptOrder: Schema.optionalKey(Schema.Array(Schema.NonEmptyString)),
})
export type ScenarioPolicy = typeof ScenarioPolicy.Type

const ScenarioFields = configStruct({
  name: Schema.NonEmptyString,
  description: Schema.optionalKey(Schema.String),
  seed: Schema.Union([Schema.String, Schema.Finite]),
  duration: DurationMs.check(Schema.makeFilter((d) => d > 0 || "must be > 0")),
  /**
   * A request counts as available only if it succeeds within this time of its arrival: a whole number
   * of ms > 0 (it is also the router's `requestTimeoutMs`). Default 60s.
   */
  deadline: Schema.optionalKey(
    DurationMs.check(
      Schema.makeFilter((d) => (Number.isInteger(d) && d > 0) || "must be a whole number of milliseconds > 0"),
    ),
  ),
  /** Width of the report's time buckets, > 0, at most `MAX_BUCKETS` in the run. Default: duration / 96. */
  bucket: Schema.optionalKey(DurationMs.check(Schema.makeFilter((d) => d > 0 || "must be > 0"))),
  /** Model id (catalog). Default `google/gemini-2.5-pro`. */
  model: Schema.optionalKey(Schema.NonEmptyString),
  /** USD per million tokens the costs are compared with. Default: the first standard endpoint's list price. */
  listPrice: Schema.optionalKey(configStruct({ prompt: NonNegative, completion: NonNegative })),
  endpoints: Schema.Array(ScenarioEndpoint).check(Schema.isMinLength(1)),
  traffic: Traffic,
  /** Router settings shared by every policy. */
  routing: Schema.optionalKey(RoutingConfig),
  policies: Schema.Array(ScenarioPolicy).check(Schema.isMinLength(1)),
  /** Tokens per streamed chunk in the simulated upstreams. Default 64 (fewer events, same timing). */
  streamChunkTokens: Schema.optionalKey(PositiveInt),
})

const slugOf = (e: ScenarioEndpoint): string => (e.variant ? `${e.provider}/${e.variant}` : e.provider)

/** Cross-field rules, each reported at its own path. */
const crossChecks = Schema.makeFilter((s: typeof ScenarioFields.Type) => {
  const issues: Array<{ path: ReadonlyArray<PropertyKey>; issue: string }> = []
  const slugs = new Set<string>()
  s.endpoints.forEach((e, i) => {
    const slug = slugOf(e)
    if (slugs.has(slug)) issues.push({ path: ["endpoints", i], issue: `duplicate endpoint slug "${slug}"` })
    slugs.add(slug)
    if (e.price === undefined && e.reserved === undefined)
      issues.push({ path: ["endpoints", i, "price"], issue: "price is required unless the endpoint is reserved" })
    if (e.reserved !== undefined && e.capacity?.tokensPerMinute !== undefined)
      issues.push({
        path: ["endpoints", i, "capacity", "tokensPerMinute"],
        issue: "set by reserved (units × unitTokensPerMinute); leave it out",
      })
  })
  s.policies.forEach((p, i) => {
    if (p.target !== undefined && !slugs.has(p.target))
      issues.push({ path: ["policies", i, "target"], issue: `unknown endpoint slug "${p.target}"` })
    p.ptOrder?.forEach((slug, j) => {
      if (!slugs.has(slug))
        issues.push({ path: ["policies", i, "ptOrder", j], issue: `unknown endpoint slug "${slug}"` })
    })
  })
  if (s.bucket !== undefined && s.bucket > 0 && Math.ceil(s.duration / s.bucket) > MAX_BUCKETS)
    issues.push({
      path: ["bucket"],
      issue: `${Math.ceil(s.duration / s.bucket)} buckets in the run; at most ${MAX_BUCKETS} (a bucket of at least ${formatDuration(Math.ceil(s.duration / MAX_BUCKETS / 1_000) * 1_000)})`,
    })
  const names = new Set<string>()
  s.policies.forEach((p, i) => {
    if (names.has(p.name)) issues.push({ path: ["policies", i, "name"], issue: `duplicate policy name "${p.name}"` })
    names.add(p.name)
  })
  return issues
})

/** A what-if scenario: endpoints (pools, prices, capacities, latencies, outages), traffic, and the policies to compare. */
export const Scenario = ScenarioFields.check(crossChecks)
export type Scenario = typeof Scenario.Type

export { slugOf as scenarioEndpointSlug }
