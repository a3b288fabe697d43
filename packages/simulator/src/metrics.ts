import { OUTCOME_CODE, OUTCOMES, type Outcome, PENDING } from "./outcome.js"
import { type Quantiles, quantilesInPlace } from "./quantiles.js"

/** One request's end, as the engine observed it. */
export interface RequestEnd {
  readonly outcome: Outcome
  /** Virtual time the client got its final answer (end of stream for streams). */
  readonly endedAt: number
  /** Virtual time of the first content chunk (streams only). */
  readonly firstTokenAt: number | undefined
  /** USD, from the router's trace (0 when nothing was served). */
  readonly cost: number
  /** USD prompt caching saved (from the router's trace: cache reads' savings less cache writes' premium). */
  readonly cacheSavings: number
  readonly promptTokens: number
  readonly completionTokens: number
  /** Prompt tokens read from the provider's prompt cache. */
  readonly cachedTokens: number
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
  /** The same per traffic class (class name → series), when the run has more than one class. */
  readonly classAvailability: Readonly<Record<string, ReadonlyArray<number>>>
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

/** What one group of requests (a whole policy run, one traffic class, one priority) got. */
export interface GroupResult {
  readonly requests: number
  readonly successes: number
  /** Successes within the deadline / requests. */
  readonly availability: number
  readonly outcomes: Readonly<Record<Outcome, number>>
  readonly client429s: number
  /** End-to-end latency of successes, ms (arrival → last byte). */
  readonly latency: Quantiles
  /** Arrival → first content chunk of successful streams, ms (undefined without streams). */
  readonly ttft: Quantiles | undefined
  readonly promptTokens: number
  readonly completionTokens: number
  /** Prompt tokens read from providers' prompt caches. */
  readonly cachedTokens: number
  /** cachedTokens ÷ promptTokens (NaN without prompt tokens). */
  readonly cacheHitShare: number
  /** USD of per-token spend: the sum of the router's per-request costs (reservations are not in it). */
  readonly cost: number
  /** USD prompt caching saved against every prompt token at the prompt price (net of cache-write premiums). */
  readonly cacheSavings: number
  /** Per-token spend per million tokens served. */
  readonly costPerMTokens: number
  readonly escalations: number
  /** Upstream attempts the router made (over every client call), per request. */
  readonly attemptsPerRequest: number
  /** (router attempts − 1 per call) + client retries, per request. */
  readonly retriesPerRequest: number
  readonly routerRetriesPerRequest: number
  readonly clientRetriesPerRequest: number
  /** Requests served per endpoint slug. */
  readonly servedBy: Readonly<Record<string, number>>
  /** Share of the group's successes each endpoint served (slug → 0..1, every metered endpoint listed). */
  readonly servedShare: Readonly<Record<string, number>>
}

/** One traffic class or one priority of a policy run. */
export interface NamedGroupResult extends GroupResult {
  readonly name: string
  /** For a class: its requests' effective priority. For a priority: the same as `name`. */
  readonly priority: string
}

export interface PolicyResult extends GroupResult {
  readonly name: string
  readonly kind: string
  /** Requests that never ended (must be 0). */
  readonly lost: number
  /** The same tokens at the scenario's list price, per million. */
  readonly listCostPerMTokens: number
  /** USD of reserved capacity over the run (units × price per unit-hour × hours), paid whether used or not. */
  readonly reservedCost: number
  /** Per-token spend + reservations. */
  readonly totalCost: number
  /** totalCost per million tokens served. */
  readonly effectiveCostPerMTokens: number
  /** totalCost / list cost − 1 (−0.3 = 30% below list). */
  readonly costVsList: number
  /** Tokens charged on provisioned endpoints / their capacity over the run (undefined without PT). */
  readonly ptUtilization: number | undefined
  /** Per traffic class, in scenario order. */
  readonly classes: ReadonlyArray<NamedGroupResult>
  /** Per effective priority (critical, default, batch — those present). */
  readonly priorities: ReadonlyArray<NamedGroupResult>
  readonly series: PolicySeries
}

/** The traffic classes of a run as the recorder groups requests: name and effective priority, per class index. */
export interface RecordedClass {
  readonly name: string
  readonly priority: string
}

const PRIORITY_ORDER = ["critical", "default", "batch"]

/**
 * Per-request columns for one policy run, and the summary computed from them. Costs are summed
 * from the per-request costs (never estimated separately).
 */
export class PolicyRecorder {
  readonly outcome: Uint8Array
  readonly latency: Float64Array
  readonly ttft: Float64Array
  readonly cost: Float64Array
  readonly cacheSavings: Float64Array
  readonly promptTokens: Float64Array
  readonly completionTokens: Float64Array
  readonly cachedTokens: Float64Array
  readonly listCost: Float64Array
  readonly servedBy: Int16Array
  /** Upstream attempts the router made for the request, over all its client calls. */
  readonly attempts: Uint16Array
  /** Calls the client made to the router. */
  readonly calls: Uint16Array
  readonly client429: Uint16Array
  readonly escalated: Uint8Array
  private readonly slugIndex: Map<string, number>
  /** Cumulative charged tokens per metered endpoint at each bucket boundary. */
  private readonly charged: Array<Array<number>> = []

  constructor(
    readonly arrivals: Float64Array,
    /** Class index per request (into `classes`). */
    readonly klass: Uint8Array,
    readonly classes: ReadonlyArray<RecordedClass>,
    readonly durationMs: number,
    readonly bucketMs: number,
    readonly endpoints: ReadonlyArray<MeteredEndpoint>,
    readonly listPrice: { readonly prompt: number; readonly completion: number },
    /** USD of reservations over the run (reported apart from per-token spend). */
    readonly reservedCost = 0,
  ) {
    const n = arrivals.length
    this.outcome = new Uint8Array(n).fill(PENDING)
    this.latency = new Float64Array(n).fill(Number.NaN)
    this.ttft = new Float64Array(n).fill(Number.NaN)
    this.cost = new Float64Array(n)
    this.cacheSavings = new Float64Array(n)
    this.promptTokens = new Float64Array(n)
    this.completionTokens = new Float64Array(n)
    this.cachedTokens = new Float64Array(n)
    this.listCost = new Float64Array(n)
    this.servedBy = new Int16Array(n).fill(-1)
    this.attempts = new Uint16Array(n)
    this.calls = new Uint16Array(n)
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
    this.cacheSavings[i] = end.cacheSavings
    this.promptTokens[i] = end.promptTokens
    this.completionTokens[i] = end.completionTokens
    this.cachedTokens[i] = end.cachedTokens
    this.listCost[i] =
      (end.promptTokens * this.listPrice.prompt + end.completionTokens * this.listPrice.completion) / 1e6
    if (end.servedBy !== undefined) this.servedBy[i] = this.slugIndex.get(end.servedBy) ?? -1
    this.attempts[i] = end.routerAttempts
    this.calls[i] = end.clientCalls
    this.client429[i] = end.client429s
    this.escalated[i] = end.escalated ? 1 : 0
  }

  /** Call at each bucket boundary (k = 0 … buckets) with the cumulative charged tokens per endpoint slug. */
  sampleCharged(charged: ReadonlyMap<string, number>): void {
    this.charged.push(this.endpoints.map((e) => charged.get(e.slug) ?? 0))
  }

  /** Add request `i` to `g` (requests are added in index order, so every sum adds in the same order). */
  private add(g: GroupSums, i: number): void {
    g.requests++
    const o = this.outcome[i]!
    if (o !== PENDING) g.outcomes[o]!++
    g.cost += this.cost[i]!
    g.cacheSavings += this.cacheSavings[i]!
    g.listCost += this.listCost[i]!
    g.promptTokens += this.promptTokens[i]!
    g.completionTokens += this.completionTokens[i]!
    g.cachedTokens += this.cachedTokens[i]!
    g.client429s += this.client429[i]!
    g.escalations += this.escalated[i]!
    const calls = Math.max(1, this.calls[i]!)
    g.attempts += this.attempts[i]!
    g.routerRetries += Math.max(0, this.attempts[i]! - calls)
    g.clientRetries += calls - 1
    const k = this.servedBy[i]!
    if (k >= 0) g.served[k]!++
    if (!Number.isNaN(this.latency[i]!)) g.latencies[g.nLatencies++] = this.latency[i]!
    if (!Number.isNaN(this.ttft[i]!)) g.ttfts[g.nTtfts++] = this.ttft[i]!
  }

  /** The numbers of a group's requests. */
  private result(g: GroupSums): GroupResult & { readonly listCost: number } {
    const { requests, promptTokens, completionTokens, cost } = g
    const outcomes = Object.fromEntries(OUTCOMES.map((o, k) => [o, g.outcomes[k]!])) as Record<Outcome, number>
    const tokens = promptTokens + completionTokens
    const ok = outcomes.ok
    const perRequest = (x: number) => (requests === 0 ? 0 : x / requests)
    return {
      requests,
      successes: ok,
      availability: requests === 0 ? Number.NaN : ok / requests,
      outcomes,
      client429s: g.client429s,
      latency: quantilesInPlace(g.latencies.subarray(0, g.nLatencies)),
      ttft: g.nTtfts > 0 ? quantilesInPlace(g.ttfts.subarray(0, g.nTtfts)) : undefined,
      promptTokens,
      completionTokens,
      cachedTokens: g.cachedTokens,
      cacheHitShare: promptTokens > 0 ? g.cachedTokens / promptTokens : Number.NaN,
      cost,
      cacheSavings: g.cacheSavings,
      listCost: g.listCost,
      costPerMTokens: tokens > 0 ? (cost / tokens) * 1e6 : Number.NaN,
      escalations: g.escalations,
      attemptsPerRequest: perRequest(g.attempts),
      retriesPerRequest: perRequest(g.routerRetries + g.clientRetries),
      routerRetriesPerRequest: perRequest(g.routerRetries),
      clientRetriesPerRequest: perRequest(g.clientRetries),
      servedBy: Object.fromEntries(
        this.endpoints.flatMap((e, k) => (g.served[k]! > 0 ? [[e.slug, g.served[k]!]] : [])),
      ),
      servedShare: Object.fromEntries(this.endpoints.map((e, k) => [e.slug, ok === 0 ? 0 : g.served[k]! / ok])),
    }
  }

  private named(name: string, priority: string, g: GroupSums): NamedGroupResult {
    const { listCost: _, ...r } = this.result(g)
    return { name, priority, ...r }
  }

  summarize(name: string, kind: string): PolicyResult {
    // one pass over the requests: each is added to the whole run's sums, its class's and its priority's
    const n = this.arrivals.length
    const klass = this.klass
    const priorityNames = [...new Set(this.classes.map((c) => c.priority))].sort(
      (a, b) => PRIORITY_ORDER.indexOf(a) - PRIORITY_ORDER.indexOf(b),
    )
    const priorityOf = this.classes.map((c) => priorityNames.indexOf(c.priority))
    const classSizes = new Array<number>(this.classes.length).fill(0)
    for (let i = 0; i < n; i++) classSizes[klass[i]!]!++
    const prioritySizes = priorityNames.map((_, p) =>
      classSizes.reduce((sum, size, k) => (priorityOf[k] === p ? sum + size : sum), 0),
    )
    const endpoints = this.endpoints.length
    const whole = new GroupSums(n, endpoints)
    const byClass = classSizes.map((size) => new GroupSums(size, endpoints))
    const byPriority = prioritySizes.map((size) => new GroupSums(size, endpoints))
    for (let i = 0; i < n; i++) {
      const k = klass[i]!
      this.add(whole, i)
      this.add(byClass[k]!, i)
      this.add(byPriority[priorityOf[k]!]!, i)
    }
    const { listCost, ...all } = this.result(whole)
    let lost = 0
    for (let i = 0; i < this.outcome.length; i++) if (this.outcome[i] === PENDING) lost++
    const tokens = all.promptTokens + all.completionTokens
    const totalCost = all.cost + this.reservedCost
    const pt = this.endpoints.map((e, k) => ({ e, k })).filter(({ e }) => e.pool === "provisioned" && e.tokensPerMinute)
    const last = this.charged.at(-1)
    const ptCapacity = pt.reduce((s, { e }) => s + (e.tokensPerMinute! * this.durationMs) / 60_000, 0)
    const ptCharged = last ? pt.reduce((s, { k }) => s + last[k]!, 0) : 0
    const classes = this.classes.map((c, k) => this.named(c.name, c.priority, byClass[k]!))
    const priorities = priorityNames.map((p, k) => this.named(p, p, byPriority[k]!))
    return {
      name,
      kind,
      ...all,
      lost,
      listCostPerMTokens: tokens > 0 ? (listCost / tokens) * 1e6 : Number.NaN,
      reservedCost: this.reservedCost,
      totalCost,
      effectiveCostPerMTokens: tokens > 0 ? (totalCost / tokens) * 1e6 : Number.NaN,
      costVsList: listCost > 0 ? totalCost / listCost - 1 : Number.NaN,
      ptUtilization: ptCapacity > 0 ? ptCharged / ptCapacity : undefined,
      classes,
      priorities,
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
    const C = this.classes.length
    const classArrivals = new Array<number>(B * C).fill(0)
    const classOk = new Array<number>(B * C).fill(0)
    for (let i = 0; i < n; i++) {
      const b = bucketOf(i)
      const bc = b * C + this.klass[i]!
      arrivals[b]!++
      classArrivals[bc]!++
      if (this.outcome[i] === OUTCOME_CODE.ok) {
        ok[b]!++
        okCount[b]!++
        classOk[bc]!++
      }
      r429[b]! += this.client429[i]!
      cost[b]! += this.cost[i]!
      tokens[b]! += this.promptTokens[i]! + this.completionTokens[i]!
    }
    // latencies grouped by bucket (counting sort), then quantiles per segment
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
      const q = quantilesInPlace(grouped.subarray(offsets[b]!, offsets[b + 1]!))
      p50.push(q.p50)
      p90.push(q.p90)
      p99.push(q.p99)
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
      classAvailability:
        C < 2
          ? {}
          : Object.fromEntries(
              this.classes.map((c, k) => [
                c.name,
                Array.from({ length: B }, (_, b) => {
                  const a = classArrivals[b * C + k]!
                  return a === 0 ? Number.NaN : classOk[b * C + k]! / a
                }),
              ]),
            ),
      client429s: r429,
      cost,
      costPerMTokens: cost.map((c, b) => (tokens[b]! > 0 ? (c / tokens[b]!) * 1e6 : Number.NaN)),
      latency: { p50, p90, p99 },
      utilization,
    }
  }
}

/** Running sums of one group of requests (the whole run, a class, a priority), filled by `PolicyRecorder.add`. */
class GroupSums {
  requests = 0
  cost = 0
  cacheSavings = 0
  listCost = 0
  promptTokens = 0
  completionTokens = 0
  cachedTokens = 0
  client429s = 0
  escalations = 0
  attempts = 0
  routerRetries = 0
  clientRetries = 0
  nLatencies = 0
  nTtfts = 0
  /** Count per outcome code (`OUTCOMES` order). */
  readonly outcomes: Array<number> = new Array<number>(OUTCOMES.length).fill(0)
  /** Requests served per metered endpoint index. */
  readonly served: Array<number>
  readonly latencies: Float64Array
  readonly ttfts: Float64Array

  constructor(size: number, endpoints: number) {
    this.served = new Array<number>(endpoints).fill(0)
    this.latencies = new Float64Array(size)
    this.ttfts = new Float64Array(size)
  }
}
