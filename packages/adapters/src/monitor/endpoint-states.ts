import type { EndpointStatus } from "@switchyard/core"
import * as Effect from "effect/Effect"

interface Seen {
  readonly breaker: EndpointStatus["breaker"]
  readonly cooldownUntil: number | undefined
}

const HEALTHY: Seen = { breaker: "closed", cooldownUntil: undefined }

/**
 * Turns successive samples of the endpoints' live state into one log line per change: a breaker that
 * opened (warn), went half-open or closed (info); a cooldown that started (warn, with its end) or ended
 * (info). Memory: one entry per endpoint id seen.
 */
export class EndpointStates {
  private readonly seen = new Map<string, Seen>()

  /** The log lines for what changed since the previous sample (read at `now`). */
  changes(statuses: ReadonlyArray<EndpointStatus>, now: number): Array<Effect.Effect<void>> {
    const lines: Array<Effect.Effect<void>> = []
    for (const s of statuses) {
      const id = s.endpoint.id
      const before = this.seen.get(id) ?? HEALTHY
      const fields = { endpoint: id, provider: s.endpoint.slug, pool: s.endpoint.pool }
      if (s.breaker !== before.breaker) {
        if (s.breaker === "open") lines.push(Effect.logWarning("breaker opened", { ...fields, from: before.breaker }))
        else lines.push(Effect.logInfo(`breaker ${s.breaker}`, { ...fields, from: before.breaker }))
      }
      if (s.cooldownUntil !== undefined && before.cooldownUntil === undefined)
        lines.push(
          Effect.logWarning("cooldown started", {
            ...fields,
            until: new Date(s.cooldownUntil).toISOString(),
            for_ms: Math.max(0, s.cooldownUntil - now),
          }),
        )
      else if (s.cooldownUntil === undefined && before.cooldownUntil !== undefined)
        lines.push(Effect.logInfo("cooldown ended", fields))
      if (s.breaker !== before.breaker || s.cooldownUntil !== before.cooldownUntil)
        this.seen.set(id, { breaker: s.breaker, cooldownUntil: s.cooldownUntil })
    }
    return lines
  }
}
