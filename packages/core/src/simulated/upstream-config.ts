import * as Schema from "effect/Schema"
import { DataPolicy } from "../catalog/config.js"
import { configStruct } from "../schema/closed-struct.js"
import { Distribution } from "./distribution.js"

const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const Rate = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))

/**
 * A window `[startMs, endMs)` (relative to the upstream's start time) in which the upstream is down:
 * `unavailable` answers 503, `connect` refuses the connection, `hang` never answers (the caller's
 * timeout decides).
 */
export const OutageWindow = configStruct({
  startMs: NonNegative,
  endMs: NonNegative,
  kind: Schema.optionalKey(Schema.Literals(["unavailable", "connect", "hang"])),
}).check(Schema.makeFilter((w) => w.endMs > w.startMs || { path: ["endMs"], issue: "endMs must be > startMs" }))
export type OutageWindow = typeof OutageWindow.Type

/** The upstream's real capacity (what its meter enforces), per endpoint. */
export const SimulatedCapacity = configStruct({
  tokensPerMinute: Schema.optionalKey(PositiveInt),
  requestsPerMinute: Schema.optionalKey(PositiveInt),
  /** Bucket size as time at full drain rate (Azure meters per minute, Vertex Gemini per 30 s). Default 60 000. */
  windowMs: Schema.optionalKey(PositiveInt),
})
export type SimulatedCapacity = typeof SimulatedCapacity.Type

/**
 * The endpoint's prompt cache: a prompt whose prefix this endpoint served within `ttlMs` (refreshed by
 * every hit) has that prefix read from the cache — reported as `cached_tokens` and billed at the cache-read
 * price; with `writes` (Anthropic-style explicit caching) the rest of a cacheable prompt is reported as
 * written (`cache_write_tokens`). Prompts under `minTokens` are not cached. A prefix is the conversation of
 * the simulation hint's `session` (the whole prompt of its previous turn here), else the request's leading
 * messages (the longest that a previous request of this endpoint sent as its whole prompt).
 */
export const SimulatedPromptCache = configStruct({
  /** Default 300,000 (5 minutes). */
  ttlMs: Schema.optionalKey(PositiveInt),
  /** Default 1,024 (OpenAI's and Anthropic's minimum). */
  minTokens: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  /** Report cache writes (explicit caching); default false (implicit caching: writes cost nothing extra). */
  writes: Schema.optionalKey(Schema.Boolean),
  /** Prefixes kept per endpoint at most (least recently used go first); default 100,000. */
  maxEntries: Schema.optionalKey(PositiveInt),
})
export type SimulatedPromptCache = typeof SimulatedPromptCache.Type

/** Everything that can be set per endpoint (and, as defaults, for the whole provider). */
const behaviourFields = {
  /** Time to first token, milliseconds. Default lognormal median 400, p90 1 000. */
  latency: Schema.optionalKey(Distribution),
  /** Output tokens per second once generation started. Default lognormal median 60, p90 100. */
  throughput: Schema.optionalKey(Distribution),
  /** Completion length when the request does not fix it (capped by max_tokens). Default lognormal median 250, p90 700. */
  outputTokens: Schema.optionalKey(Distribution),
  /** Real capacity. Absent: the catalog endpoint's `capacity`; neither: unlimited. */
  capacity: Schema.optionalKey(SimulatedCapacity),
  /** Output tokens weigh this much in the meter. Default: the catalog endpoint's `outputWeight`. */
  outputWeight: Schema.optionalKey(NonNegative),
  /** Share of admitted requests that fail with a 500 after the time to first token. */
  errorRate: Schema.optionalKey(Rate),
  /** Share of streams cut (connection reset) after a uniformly chosen number of content chunks. */
  midStreamFailureRate: Schema.optionalKey(Rate),
  outages: Schema.optionalKey(Schema.Array(OutageWindow)),
  /** Round trip before any answer (429, 503, headers), milliseconds. Default 0. */
  overheadMs: Schema.optionalKey(NonNegative),
  /** Tokens per streamed content chunk. Default 4. */
  streamChunkTokens: Schema.optionalKey(PositiveInt),
  /** Informational: what this upstream does with prompts (the catalog's `dataPolicy` is what routing reads). */
  dataPolicy: Schema.optionalKey(DataPolicy),
  /** A prompt cache (absent: none, every prompt token uncached). */
  cache: Schema.optionalKey(SimulatedPromptCache),
}

export const SimulatedEndpointOptions = configStruct(behaviourFields)
export type SimulatedEndpointOptions = typeof SimulatedEndpointOptions.Type

/**
 * Options of the `simulated` provider. Provider-level fields are defaults; `endpoints` overrides
 * them per endpoint, keyed by the endpoint's full slug (`sim-vertex/pt`) or id (`model@slug`).
 */
export const SimulatedUpstreamOptions = configStruct({
  ...behaviourFields,
  endpoints: Schema.optionalKey(Schema.Record(Schema.String, SimulatedEndpointOptions)),
  /** Seed of this upstream's own random stream; absent: the caller's `Random` service at creation. */
  seed: Schema.optionalKey(Schema.Union([Schema.String, Schema.Finite])),
  /** Epoch ms outage windows are relative to; absent: the clock when the upstream is made. */
  startAt: Schema.optionalKey(Schema.Finite),
})
export type SimulatedUpstreamOptions = typeof SimulatedUpstreamOptions.Type

export const upstreamDefaults = {
  latency: { type: "lognormal", median: 400, p90: 1000 },
  throughput: { type: "lognormal", median: 60, p90: 100 },
  outputTokens: { type: "lognormal", median: 250, p90: 700 },
  streamChunkTokens: 4,
} as const satisfies Partial<SimulatedEndpointOptions>
