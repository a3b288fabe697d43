/**
 * What `GET /dashboard/api/state` answers: everything the page draws, in one JSON document (the page
 * polls it once a second). Shared by the server (`dashboard-state.ts`) and the page (`client/`).
 */
import type { Counts } from "./minute-series.js"

export interface Pair {
  readonly p50: number
  readonly p90: number
}

export interface EndpointRow {
  readonly id: string
  readonly provider: string
  readonly pool: "standard" | "provisioned"
  /** USD per million prompt / completion tokens (effective). */
  readonly price: { readonly prompt: number; readonly completion: number }
  /** Seconds. */
  readonly ttft: Pair | null
  readonly latency: Pair | null
  /** Output tokens per second. */
  readonly throughput: Pair | null
  /** 0..1 */
  readonly uptime: number | null
  /** 0..1+ of the endpoint's capacity bucket; null when not metered. */
  readonly utilization: number | null
  readonly breaker: "closed" | "open" | "half-open"
  /** Epoch ms. */
  readonly cooldownUntil: number | null
}

export interface ModelRows {
  readonly id: string
  readonly endpoints: ReadonlyArray<EndpointRow>
}

export interface RecentRow {
  readonly id: string
  readonly requestId: string | null
  /** Epoch ms the request ended. */
  readonly at: number
  readonly model: string
  readonly servedBy: string | null
  readonly status: number
  readonly stream: boolean
  readonly escalated: boolean
  readonly latencyMs: number
  readonly cost: number | null
  /** Each attempt: endpoint slug and outcome, in start order. */
  readonly path: ReadonlyArray<{ readonly provider: string; readonly outcome: string; readonly pool: string }>
}

export interface Series {
  /** Epoch ms of each minute's start, oldest first (60). */
  readonly minute: ReadonlyArray<number>
  readonly requests: ReadonlyArray<number>
  readonly successes: ReadonlyArray<number>
  readonly rateLimitedUpstream: ReadonlyArray<number>
  readonly rateLimitedGateway: ReadonlyArray<number>
  readonly fallbacks: ReadonlyArray<number>
  readonly escalations: ReadonlyArray<number>
  readonly cost: ReadonlyArray<number>
  /** Highest sampled utilization of the pool that minute (null: no sample, or no metered endpoint). */
  readonly utilizationStandard: ReadonlyArray<number | null>
  readonly utilizationProvisioned: ReadonlyArray<number | null>
}

export interface DashboardView {
  /** Server time (epoch ms): the page counts cooldowns down from it. */
  readonly now: number
  /** Since the gateway started. */
  readonly totals: Readonly<Counts>
  readonly series: Series
  readonly models: ReadonlyArray<ModelRows>
  /** Current utilization per pool (null: nothing metered). */
  readonly pools: { readonly standard: number | null; readonly provisioned: number | null }
  readonly recent: ReadonlyArray<RecentRow>
}
