import type { BreakerConfig } from "@switchyard/core"

/** What one endpoint's reports taught this replica lately. */
interface Learnt {
  /** The latest cooldown (a 429 or a failure with retry-after): its report's instant and its end. */
  cooldown: { readonly t: number; readonly until: number } | undefined
  /** The instants of the failures since the last success, the last `failureThreshold` of them. */
  readonly failures: Array<number>
  /** Some of its news did not reach Redis (`Shared.onNewsLost`): sent on the resumption. */
  lost: boolean
}

/**
 * The news a replica could not get to Redis — reported while degraded (`Shared.write` sends nothing then), or in a
 * call that failed — kept to send when Redis answers again: per endpoint, its latest cooldown and the failures in a
 * row that open the breaker. Bounded: one entry an endpoint (one cooldown and at most `failureThreshold` failure
 * instants), dropped once it holds nothing in force. `take` hands out, as `syBatch` `R` operations, what is still in
 * force at the resumption for the endpoints whose news was lost — a cooldown not yet ended, a run of failures long
 * enough to open the breaker whose first opening has not ended.
 */
export class HeldNews {
  private readonly learnt = new Map<string, Learnt>()

  constructor(private readonly config: BreakerConfig) {}

  private of(id: string): Learnt {
    let l = this.learnt.get(id)
    if (l === undefined) {
      l = { cooldown: undefined, failures: [], lost: false }
      this.learnt.set(id, l)
    }
    return l
  }

  cooldown(id: string, t: number, until: number): void {
    const l = this.of(id)
    if (l.cooldown === undefined || until >= l.cooldown.until) l.cooldown = { t, until }
  }

  failure(id: string, t: number): void {
    const f = this.of(id).failures
    f.push(t)
    if (f.length > this.config.failureThreshold) f.shift()
  }

  /** A success at `t` ends the run of failures; an entry with nothing left in force is dropped. */
  success(id: string, t: number): void {
    const l = this.learnt.get(id)
    if (l === undefined) return
    l.failures.length = 0
    if (!l.lost && (l.cooldown === undefined || l.cooldown.until <= t)) this.learnt.delete(id)
  }

  lost(id: string): void {
    this.of(id).lost = true
  }

  /** Per endpoint whose news was lost, the `R` operations (one after the other) still in force at `now`. */
  take(now: number): Array<readonly [endpointId: string, ops: Array<string>]> {
    const out: Array<readonly [string, Array<string>]> = []
    for (const [id, l] of this.learnt) {
      if (!l.lost) continue
      const ops: Array<string> = []
      const f = l.failures
      // a run that opened the breaker, still open now (its first open lasts openMs)
      if (f.length >= this.config.failureThreshold && f[f.length - 1]! + this.config.openMs > now)
        for (const t of f) ops.push("R", String(t), "F", "")
      if (l.cooldown !== undefined && l.cooldown.until > now)
        ops.push("R", String(l.cooldown.t), "", String(l.cooldown.until))
      if (ops.length > 0) out.push([id, ops])
      // sent now: a call that fails flags it again
      l.lost = false
    }
    return out
  }
}
