import * as Effect from "effect/Effect"
import type { Endpoint } from "../catalog/endpoint.js"
import type { RequestContext } from "./context.js"

/**
 * After a turn was served: the conversation's affinity now points at `endpoint`. Written only when it
 * changed (a first turn, or a turn served elsewhere) — a turn that stayed put refreshed the entry's TTL
 * when it was looked up — so a conversation that stays on its endpoint costs no write.
 */
export const rememberAffinity = (ctx: RequestContext, endpoint: Endpoint, now: number): Effect.Effect<void> => {
  const key = ctx.prepared.affinityKey
  if (key === undefined || ctx.snapshot.affinity === endpoint.id) return Effect.void
  return ctx.services.affinity.remember(key, endpoint.id, now)
}
