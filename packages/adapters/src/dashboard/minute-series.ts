import type { Pool, RouteTrace } from "@switchyard/core"

const MINUTE = 60_000

/** One minute of traffic. */
export interface MinuteBucket {
  /** Epoch ms the minute starts. */
  minute: number
  requests: number
  successes: number
  /** Attempts rate-limited by an upstream (429) / refused by Switchyard's capacity prediction. */
  rateLimitedUpstream: number
  rateLimitedGateway: number
  /** Attempts after a request's first one. */
  fallbacks: number
  /** Attempts on a provisioned endpoint because of PT escalation. */
  escalations: number
  /** USD of the requests served this minute. */
  cost: number
  /** Highest utilization sampled this minute, per pool (capacity-weighted over its endpoints). */
  utilization: Partial<Record<Pool, number>>
}

export interface Totals {
  requests: number
  successes: number
  rateLimitedUpstream: number
  rateLimitedGateway: number
  fallbacks: number
  escalations: number
  cost: number
}

const emptyTotals = (): Totals => ({
  requests: 0,
  successes: 0,
  rateLimitedUpstream: 0,
  rateLimitedGateway: 0,
  fallbacks: 0,
  escalations: 0,
  cost: 0,
})

/**
 * The last hour of traffic as per-minute buckets: a ring of `minutes` (60) buckets, so memory stays
 * the same whatever the traffic. Counts come from each request's RouteTrace; utilization from the
 * endpoint monitor's samples.
 */
export class MinuteSeries {
  private readonly ring: Array<MinuteBucket | undefined>
  /** Since the gateway started. */
  readonly totals: Totals = emptyTotals()

  constructor(readonly minutes = 60) {
    this.ring = new Array<MinuteBucket | undefined>(minutes).fill(undefined)
  }

  private bucket(at: number): MinuteBucket {
    const minute = at - (at % MINUTE)
    const slot = Math.floor(minute / MINUTE) % this.minutes
    let b = this.ring[slot]
    if (b === undefined || b.minute !== minute) {
      b = {
        minute,
        requests: 0,
        successes: 0,
        rateLimitedUpstream: 0,
        rateLimitedGateway: 0,
        fallbacks: 0,
        escalations: 0,
        cost: 0,
        utilization: {},
      }
      this.ring[slot] = b
    }
    return b
  }

  /** A routed request finished with `status` (200: served). */
  route(trace: RouteTrace, status: number): void {
    const b = this.bucket(trace.endedAt)
    const t = this.totals
    b.requests++
    t.requests++
    if (status < 400) {
      b.successes++
      t.successes++
    }
    const attempts = trace.attempts
    for (let i = 0; i < attempts.length; i++) {
      const a = attempts[i]!
      if (a.outcome === "rate_limited") {
        b.rateLimitedUpstream++
        t.rateLimitedUpstream++
      } else if (a.outcome === "refused_capacity") {
        b.rateLimitedGateway++
        t.rateLimitedGateway++
      }
      if (i > 0) {
        b.fallbacks++
        t.fallbacks++
      }
      if (a.escalation !== undefined && a.pool === "provisioned") {
        b.escalations++
        t.escalations++
      }
    }
    if (trace.cost !== undefined && trace.servedBy !== undefined) {
      b.cost += trace.cost
      t.cost += trace.cost
    }
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
      const b = this.ring[Math.floor(minute / MINUTE) % this.minutes]
      out.push(
        b !== undefined && b.minute === minute
          ? b
          : {
              minute,
              requests: 0,
              successes: 0,
              rateLimitedUpstream: 0,
              rateLimitedGateway: 0,
              fallbacks: 0,
              escalations: 0,
              cost: 0,
              utilization: {},
            },
      )
    }
    return out
  }
}
