import type { Pool, RouteTrace } from "@switchyard/core"

const MINUTE = 60_000

/** What is counted, per minute and since start. */
export interface Counts {
  requests: number
  successes: number
  /** Attempts rate-limited by an upstream (429) / refused by Switchyard's capacity prediction. */
  rateLimitedUpstream: number
  rateLimitedGateway: number
  /** Attempts after a request's first one. */
  fallbacks: number
  /** Attempts on a provisioned endpoint because of PT escalation. */
  escalations: number
  /** USD of the requests served. */
  cost: number
}

/** One minute of traffic. */
export interface MinuteBucket extends Counts {
  /** Epoch ms the minute starts. */
  readonly minute: number
  /** Highest utilization sampled this minute, per pool (capacity-weighted over its endpoints). */
  readonly utilization: Partial<Record<Pool, number>>
}

const zero = (): Counts => ({
  requests: 0,
  successes: 0,
  rateLimitedUpstream: 0,
  rateLimitedGateway: 0,
  fallbacks: 0,
  escalations: 0,
  cost: 0,
})

const emptyBucket = (minute: number): MinuteBucket => ({ minute, ...zero(), utilization: {} })

const add = (to: Counts, from: Counts): void => {
  to.requests += from.requests
  to.successes += from.successes
  to.rateLimitedUpstream += from.rateLimitedUpstream
  to.rateLimitedGateway += from.rateLimitedGateway
  to.fallbacks += from.fallbacks
  to.escalations += from.escalations
  to.cost += from.cost
}

/** What one routed request adds. */
const countsOf = (trace: RouteTrace, status: number): Counts => {
  const c = zero()
  c.requests = 1
  if (status < 400) c.successes = 1
  const attempts = trace.attempts
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i]!
    if (a.outcome === "rate_limited") c.rateLimitedUpstream++
    else if (a.outcome === "refused_capacity") c.rateLimitedGateway++
    if (i > 0) c.fallbacks++
    if (a.escalation !== undefined && a.pool === "provisioned") c.escalations++
  }
  if (trace.cost !== undefined && trace.servedBy !== undefined) c.cost = trace.cost
  return c
}

/**
 * The last hour of traffic as per-minute buckets: a ring of `minutes` (60) buckets, so memory stays
 * the same whatever the traffic. Counts come from each request's RouteTrace; utilization from the
 * endpoint monitor's samples.
 */
export class MinuteSeries {
  private readonly ring: Array<MinuteBucket | undefined>
  /** Since the gateway started. */
  readonly totals: Counts = zero()

  constructor(readonly minutes = 60) {
    this.ring = new Array<MinuteBucket | undefined>(minutes).fill(undefined)
  }

  private slot(minute: number): number {
    return Math.floor(minute / MINUTE) % this.minutes
  }

  private bucket(at: number): MinuteBucket {
    const minute = at - (at % MINUTE)
    const slot = this.slot(minute)
    let b = this.ring[slot]
    if (b === undefined || b.minute !== minute) {
      b = emptyBucket(minute)
      this.ring[slot] = b
    }
    return b
  }

  /** A routed request finished with `status` (below 400: served). */
  route(trace: RouteTrace, status: number): void {
    const counts = countsOf(trace, status)
    add(this.bucket(trace.endedAt), counts)
    add(this.totals, counts)
  }

  /** A request answered before routing (bad input, unknown key or model). */
  rejected(at: number): void {
    this.bucket(at).requests++
    this.totals.requests++
  }

  /** A utilization sample of one pool. */
  utilization(pool: Pool, value: number, at: number): void {
    const u = this.bucket(at).utilization
    u[pool] = Math.max(u[pool] ?? 0, value)
  }

  /** The buckets of the last `minutes` minutes up to `now`, oldest first (empty minutes as zeros). */
  window(now: number): Array<MinuteBucket> {
    const current = now - (now % MINUTE)
    const out: Array<MinuteBucket> = []
    for (let i = this.minutes - 1; i >= 0; i--) {
      const minute = current - i * MINUTE
      const b = this.ring[this.slot(minute)]
      out.push(b !== undefined && b.minute === minute ? b : emptyBucket(minute))
    }
    return out
  }
}
