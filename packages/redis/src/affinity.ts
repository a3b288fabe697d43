import type { AffinityShape, ResolvedAffinityOptions } from "@switchyard/core"
import * as Effect from "effect/Effect"
import type { Connection } from "./connection.js"
import type { Keys } from "./keys.js"
import type { Shared } from "./shared.js"

/**
 * Affinity on Redis, fleet-wide: one string key per conversation (`<prefix>aff:<affinity key>` → endpoint
 * id) expiring `ttlMs` after its last use. A lookup is `GETEX … PX ttlMs` — it refreshes the TTL, so a
 * conversation that stays on its endpoint costs no write at all — and on the request path it is sent
 * with `LiveState.read`'s state reads in the same tick (both in flight together: the same round trip; see
 * `live-state.ts`). `remember` (the served endpoint changed) is a `SET … PX` sent without waiting for
 * the reply. Memory on Redis is bounded by the TTL. The replica's in-memory map answers while Redis
 * is down, and is kept up to date by every `remember`.
 */
export const makeRedisAffinity = (
  conn: Connection,
  shared: Shared,
  keys: Keys,
  local: AffinityShape,
  o: ResolvedAffinityOptions,
): AffinityShape & { readonly fetch: (key: string) => Promise<string | undefined> } => {
  const fetch = (key: string): Promise<string | undefined> =>
    conn.redis.getex(keys.affinity(key), "PX", o.ttlMs).then((v) => v ?? undefined)
  return {
    fetch,
    lookup: (key, now) => shared.read(() => fetch(key), local.lookup(key, now)),
    remember: (key, endpointId, now) =>
      Effect.tap(local.remember(key, endpointId, now), () =>
        Effect.sync(() => shared.send(() => conn.redis.set(keys.affinity(key), endpointId, "PX", o.ttlMs))),
      ),
  }
}
