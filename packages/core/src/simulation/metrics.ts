import { OUTCOME_CODE, OUTCOMES, type Outcome, PENDING } from "./outcome.js"
import { type Quantiles, quantileSorted, quantilesOf } from "./quantiles.js"

/** One request's end, as the engine observed it. */
export interface RequestEnd {
  readonly outcome: Outcome
  /** Virtual time the client got its final answer (end of stream for streams). */
  readonly endedAt: number
  /** Virtual time of the first content chunk (streams only). */
  readonly firstTokenAt: number | undefined
  /** USD, from the router's trace (0 when nothing was served). */
  readonly cost: number
  readonly promptTokens: number
  readonly completionTokens: number
  /** Endpoint slug that served it. */
  readonly servedBy: string | undefined
  /** Upstream attempts the router made, over all client calls. */
  readonly routerAttempts: number
  /** Calls the client made to the router (1 + client retries). */
  readonly clientCalls: number
  /** 429 answers the client received (including ones it then retried). */
  readonly client429s: number
  readonly escalated: boolean
}

export interface MeteredEndpoint {
  readonly slug: string
  readonly pool: "standard" | "provisioned"
  /** Real capacity, tokens/min (undefined: unmetered). */
  readonly tokensPerMinute: number | undefined
}

export interface PolicySeries {
  readonly bucketMs: number
  /** Bucket start times, ms from the start of the run. */
  readonly t: ReadonlyArray<number>
  readonly arrivals: ReadonlyArray<number>
  /** Successes within the deadline / arrivals, by arrival bucket (NaN without arrivals). */
  readonly availability: ReadonlyArray<number>
  readonly client429s: ReadonlyArray<number>
  /** USD spent on requests arriving in the bucket. */
  readonly cost: ReadonlyArray<number>
  /** USD per million tokens served for requests arriving in the bucket. */
  readonly costPerMTokens: ReadonlyArray<number>
  /** Latency of successes (ms) by arrival bucket. */
  readonly latency: {
    readonly p50: ReadonlyArray<number>
    readonly p90: ReadonlyArray<number>
    readonly p99: ReadonlyArray<number>
  }
  /** Tokens charged / capacity per bucket, per pool (metered endpoints only). */
  readonly utilization: Readonly<Record<string, ReadonlyArray<number>>>
}

export interface PolicyResult {
  readonly name: string
  readonly kind: string
  readonly requests: number
  readonly successes: number
  /** Successes within the deadline / requests. */
  readonly availability: number
  readonly outcomes: Readonly<Record<Outcome, number>>
  /** Requests that never ended (must be 0). */
  readonly lost: number
  readonly client429s: number
  /** End-to-end latency of successes, ms (arrival → last byte). */
  readonly latency: Quantiles
  /** Arrival → first content chunk of successful streams, ms (undefined without streams). */
  readonly ttft: Quantiles | undefined
  readonly promptTokens: number
  readonly completionTokens: number
  /** USD, the sum of per-request costs. */
  readonly cost: number
  readonly costPerMTokens: number
  /** The same tokens at the scenario's list price. */
  readonly listCostPerMTokens: number
  /** cost / list cost − 1 (−0.3 = 30% below list). */
  readonly costVsList: number
  /** Tokens charged on provisioned endpoints / their capacity over the run (undefined without PT). */
  readonly ptUtilization: number | undefined
  readonly escalations: number
  /** (router attempts − 1 per call) + client retries, per request. */
  readonly retriesPerRequest: number
  readonly routerRetriesPerRequest: number
  readonly clientRetriesPerRequest: number
  readonly servedBy: Readonly<Record<string, number>>
  readonly series: PolicySeries
}

/**
 * Per-request columns for one policy run, and the summary computed from them. Costs are summed
 * from the per-request costs (never estimated separately).
 */
export class PolicyRecorder {
  readonly outcome: Uint8Array
  readonly latency: Float64Array
  readonly ttft: Float64Array
  readonly cost: Float64Array
  readonly promptTokens: Float64Array
  readonly completionTokens: Float64Array
  readonly listCost: Float64Array
  readonly servedBy: Int16Array
  readonly routerRetries: Uint16Array
  readonly clientRetries: Uint16Array
  readonly client429: Uint16Array
  readonly escalated: Uint8Array
  private readonly slugIndex: Map<string, number>
  /** Cumulative charged tokens per metered endpoint at each bucket boundary. */
  private readonly charged: Array<Array<number>> = []

  constructor(
    readonly arrivals: Float64Array,
    readonly durationMs: number,
    readonly bucketMs: number,
    readonly endpoints: ReadonlyArray<MeteredEndpoint>,
    readonly listPrice: { readonly prompt: number; readonly completion: number },
  ) {
    const n = arrivals.length
    this.outcome = new Uint8Array(n).fill(PENDING)
    this.latency = new Float64Array(n).fill(Number.NaN)
    this.ttft = new Float64Array(n).fill(Number.NaN)
    this.cost = new Float64Array(n)
    this.promptTokens = new Float64Array(n)
    this.completionTokens = new Float64Array(n)
    this.listCost = new Float64Array(n)
    this.servedBy = new Int16Array(n).fill(-1)
    this.routerRetries = new Uint16Array(n)
    this.clientRetries = new Uint16Array(n)
    this.client429 = new Uint16Array(n)
    this.escalated = new Uint8Array(n)
    this.slugIndex = new Map(endpoints.map((e, i) => [e.slug, i]))
  }

  get buckets(): number {
    return Math.ceil(this.durationMs / this.bucketMs)
  }

  slugAt(i: number): string | undefined {
    const k = this.servedBy[i]!
    return k < 0 ? undefined : this.endpoints[k]?.slug
  }

  record(i: number, end: RequestEnd): void {
    this.outcome[i] = OUTCOME_CODE[end.outcome]
    const arrived = this.arrivals[i]!
    if (end.outcome === "ok") {
      this.latency[i] = end.endedAt - arrived
      if (end.firstTokenAt !== undefined) this.ttft[i] = end.firstTokenAt - arrived
    }
    this.cost[i] = end.cost
    this.promptTokens[i] = end.promptTokens
    this.completionTokens[i] = end.completionTokens
    this.listCost[i] =
      (end.promptTokens * this.listPrice.prompt + end.completionTokens * this.listPrice.completion) / 1e6
    if (end.servedBy !== undefined) this.servedBy[i] = this.slugIndex.get(end.servedBy) ?? -1
    this.routerRetries[i] = Math.max(0, end.routerAttempts - end.clientCalls)
    this.clientRetries[i] = Math.max(0, end.clientCalls - 1)
    this.client429[i] = end.client429s
    this.escalated[i] = end.escalated ? 1 : 0
  }

  /** Call at each bucket boundary (k = 0 … buckets) with the cumulative charged tokens per endpoint slug. */
  sampleCharged(charged: ReadonlyMap<string, number>): void {
    this.charged.push(this.endpoints.map((e) => charged.get(e.slug) ?? 0))
  }

  summarize(name: string, kind: string): PolicyResult {
    const n = this.arrivals.length
    const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>
    let lost = 0
    let cost = 0
    let listCost = 0
    let promptTokens = 0
    let completionTokens = 0
    let client429s = 0
    let escalations = 0
    let routerRetries = 0
    let clientRetries = 0
    const served = new Map<string, number>()
    for (let i = 0; i < n; i++) {
      const o = this.outcome[i]!
      if (o === PENDING) lost++
      else outcomes[OUTCOMES[o]!]++
      cost += this.cost[i]!
      listCost += this.listCost[i]!
      promptTokens += this.promptTokens[i]!
      completionTokens += this.completionTokens[i]!
      client429s += this.client429[i]!
      escalations += this.escalated[i]!
      routerRetries += this.routerRetries[i]!
      clientRetries += this.clientRetries[i]!
      const slug = this.slugAt(i)
      if (slug !== undefined) served.set(slug, (served.get(slug) ?? 0) + 1)
    }
    const tokens = promptTokens + completionTokens
    const ok = outcomes.ok
    const lat = this.latency.filter((x) => !Number.isNaN(x))
    const ttfts = this.ttft.filter((x) => !Number.isNaN(x))
    const pt = this.endpoints.map((e, k) => ({ e, k })).filter(({ e }) => e.pool === "provisioned" && e.tokensPerMinute)
    const last = this.charged.at(-1)
    const ptCapacity = pt.reduce((s, { e }) => s + (e.tokensPerMinute! * this.durationMs) / 60_000, 0)
    const ptCharged = last ? pt.reduce((s, { k }) => s + last[k]!, 0) : 0
    return {
      name,
      kind,
      requests: n,
      successes: ok,
      availability: n === 0 ? Number.NaN : ok / n,
      outcomes,
      lost,
      client429s,
      latency: quantilesOf(lat),
      ttft: ttfts.length > 0 ? quantilesOf(ttfts) : undefined,
      promptTokens,
      completionTokens,
      cost,
      costPerMTokens: tokens > 0 ? (cost / tokens) * 1e6 : Number.NaN,
      listCostPerMTokens: tokens > 0 ? (listCost / tokens) * 1e6 : Number.NaN,
      costVsList: listCost > 0 ? cost / listCost - 1 : Number.NaN,
      ptUtilization: ptCapacity > 0 ? ptCharged / ptCapacity : undefined,
      escalations,
      retriesPerRequest: n === 0 ? 0 : (routerRetries + clientRetries) / n,
      routerRetriesPerRequest: n === 0 ? 0 : routerRetries / n,
      clientRetriesPerRequest: n === 0 ? 0 : clientRetries / n,
      servedBy: Object.fromEntries(served),
      series: this.series(),
    }
  }

  private series(): PolicySeries {
    const B = this.buckets
    const n = this.arrivals.length
    const bucketOf = (i: number) => Math.min(B - 1, Math.floor(this.arrivals[i]! / this.bucketMs))
    const arrivals = new Array<number>(B).fill(0)
    const ok = new Array<number>(B).fill(0)
    const r429 = new Array<number>(B).fill(0)
    const cost = new Array<number>(B).fill(0)
    const tokens = new Array<number>(B).fill(0)
    const okCount = new Array<number>(B).fill(0)
    for (let i = 0; i < n; i++) {
      const b = bucketOf(i)
      arrivals[b]!++
      if (this.outcome[i] === OUTCOME_CODE.ok) {
        ok[b]!++
        okCount[b]!++
      }
      r429[b]! += this.client429[i]!
      cost[b]! += this.cost[i]!
      tokens[b]! += this.promptTokens[i]! + this.completionTokens[i]!
    }
    // latencies grouped by bucket (counting sort), then each segment sorted
    const offsets = new Array<number>(B + 1).fill(0)
    for (let b = 0; b < B; b++) offsets[b + 1] = offsets[b]! + okCount[b]!
    const fill = offsets.slice()
    const grouped = new Float64Array(offsets[B]!)
    for (let i = 0; i < n; i++)
      if (this.outcome[i] === OUTCOME_CODE.ok) grouped[fill[bucketOf(i)]!++] = this.latency[i]!
    const p50: Array<number> = []
    const p90: Array<number> = []
    const p99: Array<number> = []
    for (let b = 0; b < B; b++) {
      const seg = grouped.subarray(offsets[b]!, offsets[b + 1]!).sort()
      p50.push(quantileSorted(seg, 0.5))
      p90.push(quantileSorted(seg, 0.9))
      p99.push(quantileSorted(seg, 0.99))
    }
    const utilization: Record<string, Array<number>> = {}
    for (const pool of ["standard", "provisioned"] as const) {
      const ks = this.endpoints.flatMap((e, k) => (e.pool === pool && e.tokensPerMinute ? [k] : []))
      if (ks.length === 0) continue
      const cap = ks.reduce((s, k) => s + (this.endpoints[k]!.tokensPerMinute! * this.bucketMs) / 60_000, 0)
      const series: Array<number> = []
      for (let b = 0; b < B; b++) {
        const from = this.charged[b]
        const to = this.charged[b + 1]
        series.push(from && to ? ks.reduce((s, k) => s + to[k]! - from[k]!, 0) / cap : Number.NaN)
      }
      utilization[pool] = series
    }
    return {
      bucketMs: this.bucketMs,
      t: Array.from({ length: B }, (_, b) => b * this.bucketMs),
      arrivals,
      availability: arrivals.map((a, b) => (a === 0 ? Number.NaN : ok[b]! / a)),
      client429s: r429,
      cost,
      costPerMTokens: cost.map((c, b) => (tokens[b]! > 0 ? (c / tokens[b]!) * 1e6 : Number.NaN)),
      latency: { p50, p90, p99 },
      utilization,
    }
  }
}
