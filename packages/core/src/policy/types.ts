import type { Endpoint } from "../catalog/endpoint.js"
import type { ExcludedEndpoint, ExclusionReason } from "../errors.js"
import type { Priority, ProviderPreferences } from "../schema/provider-preferences.js"

export interface Percentiles {
  readonly p50: number
  readonly p75: number
  readonly p90: number
  readonly p99: number
}

/** Live numbers for one endpoint, as the policy reads them (built by the router from Stats/Health/Capacity). */
export interface EndpointLive {
  /** Time to first token, seconds; undefined when too few samples. */
  readonly latency: Percentiles | undefined
  /** Output tokens per second; undefined when too few samples. */
  readonly throughput: Percentiles | undefined
  /**
   * An outright outage: the breaker is not closed, or — while too few requests were judged to measure a
   * success rate — a failure within the outage window (30 s by default).
   */
  readonly recentOutage: boolean
  /**
   * Measured share of judged requests that succeeded (rate limits excluded) over the stats window;
   * undefined when too few samples. The policy prices an endpoint per successful request with it.
   */
  readonly successRate?: number | undefined
  /** Epoch ms until which the endpoint is cooling down after a 429 (undefined or past = none). */
  readonly cooldownUntil: number | undefined
  readonly breaker: "closed" | "open" | "half-open"
  /** Predicted utilization (0..1+) of the endpoint's capacity bucket if this request were admitted. */
  readonly predictedUtilization: number | undefined
  /** Measured shares of its prompt tokens read from / written to the provider's prompt cache; undefined without data. */
  readonly cacheShares?: CacheShares | undefined
}

/** Shares (0..1) of an endpoint's prompt tokens over the stats window, by prompt-cache part. */
export interface CacheShares {
  readonly read: number
  /** Written to the cache, 1-hour writes included. */
  readonly write: number
  /** Written to the cache for one hour. */
  readonly write1h: number
}

export interface Snapshot {
  /** Epoch ms (from Clock). */
  readonly now: number
  readonly endpoints: ReadonlyMap<string, EndpointLive>
  /** The endpoint id that served this conversation's previous turn (the Affinity entry), if any. */
  readonly affinity?: string | undefined
}

/** The request as the policy sees it: already decoded, defaults merged. */
export interface PlanRequest {
  /** Primary model then `models[]` fallbacks, canonical ids, in order. */
  readonly models: ReadonlyArray<string>
  readonly provider: ProviderPreferences
  readonly estimatedPromptTokens: number
  /** max_tokens / max_completion_tokens if the request set one. */
  readonly maxTokens: number | undefined
  /** Parameters the request uses (keys of the body that are endpoint parameters, e.g. `tools`, `temperature`). */
  readonly parameters: ReadonlyArray<string>
  readonly priority: Priority
}

export interface PlanOptions {
  /** Seeded uniform random in [0, 1) (from the Random service). */
  readonly random: () => number
  /**
   * Write the plan's explanation (each attempt's `reasons`, the `steps`); default true. False: both are empty,
   * every decision (attempts, their order, escalation, exclusions) the same — for callers that never read them.
   */
  readonly explain?: boolean | undefined
  /** Build the plan for escalation: provisioned endpoints become admissible. */
  readonly escalating: boolean
  /**
   * The request's parameters an endpoint's client cannot send (its plugin has no equivalent): with
   * `require_parameters` such an endpoint is excluded (`require_parameters`). Default: none.
   */
  readonly unmapped?: ((endpoint: Endpoint) => ReadonlyArray<string>) | undefined
  /**
   * How hard failures weigh in the price per successful request: `price ÷ successRate^(1 + failurePenalty)`
   * (`routing.failurePenalty`, default 1: the expected attempts, and as much again for the retry's delay).
   */
  readonly failurePenalty?: number | undefined
  /**
   * Affinity: the previous turn's endpoint (`Snapshot.affinity`) goes first while its price is at most
   * (1 + tolerance) × the cheapest comparable endpoint's (`routing.affinity.tolerance`, default 0.25).
   */
  readonly affinityTolerance?: number | undefined
}

export interface PlannedAttempt {
  readonly endpoint: Endpoint
  /** Why it is here and at this position, e.g. `order[0]`, `price-weighted pick`, `deprioritized: preferred_max_latency.p90`. */
  readonly reasons: ReadonlyArray<string>
}

export interface RoutePlan {
  /** Endpoints to try, in order. */
  readonly attempts: ReadonlyArray<PlannedAttempt>
  /**
   * Provisioned endpoints held back by the pool rule but otherwise admissible: the router appends
   * them when escalation applies (a standard attempt failed retryably — a 429 first of all — or every
   * standard endpoint is unavailable: predicted full, cooling down, or behind an open breaker).
   */
  readonly escalation: ReadonlyArray<PlannedAttempt>
  /** Every candidate not in `attempts` or `escalation`, with the rules that dropped it. */
  readonly excluded: ReadonlyArray<ExcludedEndpoint>
  /** Human-readable record of each planning step. */
  readonly steps: ReadonlyArray<string>
}

export type { ExclusionReason }
