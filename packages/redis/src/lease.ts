import type { BucketLimits } from "@switchyard/core"
import type { NewsFeed } from "./news.js"
import { arg, type Shared } from "./shared.js"

/** What is left of one lease. */
interface Lease {
  /** Tokens left (Infinity: the endpoint has no token limit). */
  tokens: number
  /** Requests left (Infinity: no request limit). */
  requests: number
  /** The admission limit (`admissionLimit`) it was given under: a request with a lower one asks Redis. */
  readonly limit: number
  /** The limits its charge was made with (the batch header of its return). */
  readonly limits: BucketLimits
  readonly until: number
  /** The news feed's epoch when it was given. */
  readonly epoch: number
  /** The latest instant it was used at: what is left goes back to the bucket as of then. */
  last: number
  readonly timer: ReturnType<typeof setTimeout>
  /** The reservations taken from it and not closed yet (see `Leases.close`). */
  readonly taken: Set<string>
  /** An admission in its last quarter asked Redis for the next lease (see `Leases.take`). */
  renewing: boolean
}

/**
 * The admission leases this replica holds, one per endpoint at most. Redis gives one beside an admission (the `L`
 * operation of `syBatch`, see `lua/scripts.ts`): up to `leaseShare` of each of the endpoint's limits more, charged to
 * the shared bucket at once, given only while the endpoint is healthy and the bucket with it stays at most half full.
 * The next admissions on the endpoint are taken from it here, with no round trip — each still a reservation of its
 * own (settled or released like one Redis admitted) — until it runs out, `leaseMs` have passed, the endpoint has
 * news (this replica's own, or another's through the news feed), or the feed's subscription is lost. What is left
 * then goes back to the bucket (a release of the rest, at the instant it was last used). The fleet never admits
 * more than its limits: a lease's tokens are in the bucket before any request uses them. What changes is when they
 * count: from the lease's start, up to `leaseMs` before the request they admit (see the README's "Leases").
 */
export class Leases {
  private readonly held = new Map<string, Lease>()
  /**
   * The endpoints a lease was asked for and not answered yet, and when: the admissions meanwhile do not ask again
   * (an ask whose answer never came — Redis failed — stops counting after `leaseMs`).
   */
  private readonly asked = new Map<string, number>()

  constructor(
    private readonly shared: Shared,
    private readonly feed: NewsFeed | undefined,
    private readonly ms: number,
    /** The most of each limit a lease takes (`leaseShare`). */
    readonly share: number,
  ) {}

  /**
   * Whether this admission on the endpoint asks for a lease: leasing is on, the news feed is subscribed, and no
   * other admission's ask is in flight there (then this one is marked as asking at `t`, until `answered`).
   */
  ask(endpointId: string, t: number): boolean {
    if (!(this.ms > 0 && this.share > 0 && this.feed?.live === true)) return false
    const at = this.asked.get(endpointId)
    if (at !== undefined && t >= at && t < at + this.ms) return false
    this.asked.set(endpointId, t)
    return true
  }

  /** The admission that asked on the endpoint was answered (by Redis, or locally). */
  answered(endpointId: string): void {
    this.asked.delete(endpointId)
  }

  /**
   * Admit `charge` at admission limit `limit` on the endpoint from its lease, at `t`: true when the lease is valid
   * and has room (its rest shrinks by the charge and one request); false when the admission must go to Redis (no
   * lease, not enough left, a lower limit, or the first admission in the lease's last quarter: it asks for the
   * next). An expired or unusable lease is ended on the way. `id`: the reservation it admits, so its settle or
   * release can go back into this lease (`close`).
   */
  take(endpointId: string, id: string, charge: number, limit: number, t: number): boolean {
    const l = this.held.get(endpointId)
    if (l === undefined) return false
    if (t >= l.until || t < l.until - this.ms || !this.current(l)) {
      this.end(endpointId, l, t >= l.until ? t : l.last)
      return false
    }
    if (limit < l.limit || l.tokens < charge || l.requests < 1) return false
    // in its last quarter, one admission asks Redis (with the next lease) while the others keep taking from this one:
    // under steady traffic the next lease is held before this one ends, and no admission waits for Redis in between
    if (!l.renewing && t >= l.until - this.ms / 4) {
      l.renewing = true
      return false
    }
    l.tokens -= charge
    l.requests -= 1
    if (t > l.last) l.last = t
    l.taken.add(id)
    return true
  }

  /**
   * A reservation closed at `t` (settled: `tokens` its usage less its charge, `requests` 0; released: minus its charge
   * and one request): true when it was taken from the endpoint's lease and that lease still holds at `t`, so the
   * adjustment is made to the lease's rest here — a refund can admit this replica's next requests, usage above the
   * charge is taken from the rest — instead of to the shared bucket (no operation for Redis). The lease's charge was
   * in the bucket before the reservation used it, and what is left of it goes back when the lease ends, as any rest:
   * the bounds stay those of the lease. False (the caller adjusts the bucket as for any reservation): not taken from
   * it, the lease ended or was replaced (its rest already went back), or usage above the charge the rest cannot hold.
   */
  close(endpointId: string, id: string, tokens: number, requests: number, t: number): boolean {
    const l = this.held.get(endpointId)
    if (l === undefined || !l.taken.delete(id)) return false
    if (t >= l.until || t < l.until - this.ms || !this.current(l)) return false
    const restTokens = l.tokens - tokens
    const restRequests = l.requests - requests
    if (!(restTokens >= 0 && restRequests >= 0)) return false
    l.tokens = restTokens
    l.requests = restRequests
    return true
  }

  /**
   * Redis gave a lease of `tokens` and `requests` beside an admission at `t`: held (replacing the endpoint's
   * previous one, whose rest goes back), or given back at once when `stale` (news came while it was asked for).
   */
  give(
    endpointId: string,
    limits: BucketLimits,
    tokens: number,
    requests: number,
    limit: number,
    t: number,
    stale: boolean,
  ): void {
    const before = this.held.get(endpointId)
    if (before !== undefined) this.end(endpointId, before, Math.max(t, before.last))
    const epoch = this.feed?.epoch ?? 0
    if (stale || this.feed === undefined || !this.feed.live) {
      this.giveBack(endpointId, limits, tokens, requests, t, t)
      return
    }
    const timer = setTimeout(() => this.revoke(endpointId), this.ms)
    timer.unref()
    this.held.set(endpointId, {
      tokens,
      requests,
      limit,
      limits,
      until: t + this.ms,
      epoch,
      last: t,
      timer,
      taken: new Set(),
      renewing: false,
    })
  }

  /**
   * News on the endpoint, or `leaseMs` passed (its timer): its lease (if any) ends, the rest going back as of the last
   * time it was used (what drained after that is not known here: at most `leaseMs` of it).
   */
  revoke(endpointId: string): void {
    const l = this.held.get(endpointId)
    if (l !== undefined) this.end(endpointId, l, l.last)
  }

  /** Shutting down: every lease ends, the rests going back. */
  endAll(): void {
    for (const [endpointId, l] of this.held) this.end(endpointId, l, l.last)
  }

  /** Redis is unreachable: every lease is dropped (what is left drains from the bucket like any charge). */
  drop(): void {
    for (const l of this.held.values()) clearTimeout(l.timer)
    this.held.clear()
    this.asked.clear()
  }

  private current(l: Lease): boolean {
    return this.feed?.live === true && this.feed.epoch === l.epoch
  }

  /** The lease ends at `t`: its rest goes back. */
  private end(endpointId: string, l: Lease, t: number): void {
    clearTimeout(l.timer)
    this.held.delete(endpointId)
    this.giveBack(endpointId, l.limits, l.tokens, l.requests, l.until - this.ms, t)
  }

  /**
   * `G` (see `lua/scripts.ts`): the rest of a lease that began at `start`, given back at `t` — less what the bucket
   * drained since `start`, so a rest given back late (after a long pause, a frozen process) takes nothing the bucket
   * no longer holds.
   */
  private giveBack(
    endpointId: string,
    limits: BucketLimits,
    tokens: number,
    requests: number,
    start: number,
    t: number,
  ): void {
    const dt = Number.isFinite(tokens) ? tokens : 0
    const dr = Number.isFinite(requests) ? requests : 0
    if (dt > 0 || dr > 0) this.shared.write(endpointId, limits, ["G", String(t), String(start), arg(dt), arg(dr)])
  }
}
