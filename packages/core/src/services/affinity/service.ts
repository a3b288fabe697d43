import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { atNow } from "../now.js"
import { withTwin } from "../twin.js"

/**
 * Affinity: which endpoint served each conversation's last turn, so the next turn can go back to the
 * provider whose prompt cache holds its prefix. Keyed by the router's affinity key (the model and the
 * conversation: `session_id`, `x-session-id`, `user`, or opt-in a hash of the leading messages; see
 * `router/affinity-key.ts`). An entry lives `ttlMs` after it was last used (`remember`ed or looked up
 * by a new turn) — a provider's cache lifetime, refreshed by every hit. Shared like the other
 * live-state services (the Redis store keeps it fleet-wide, its lookup joins `LiveState.read`'s round
 * trip). Never fails; best effort (a lost entry costs one cache miss).
 */
export interface AffinityShape {
  /** The endpoint id that served `key`'s last turn, if still within its TTL; the lookup refreshes the TTL. */
  readonly lookup: (key: string, now?: number) => Effect.Effect<string | undefined>
  /** `endpointId` served `key` (called when it is not the endpoint `lookup` gave): kept for `ttlMs`. */
  readonly remember: (key: string, endpointId: string, now?: number) => Effect.Effect<void>
}

export interface AffinityOptions {
  /** How long an entry lives after its last use, ms (default 5 minutes: Anthropic's cache lifetime; OpenAI's is 5–10 minutes). */
  readonly ttlMs?: number | undefined
  /** Entries kept in memory at most (default 100,000); the least recently used go first. */
  readonly maxEntries?: number | undefined
}

export interface ResolvedAffinityOptions {
  readonly ttlMs: number
  readonly maxEntries: number
}

export const resolveAffinityOptions = (o: AffinityOptions = {}): ResolvedAffinityOptions => ({
  ttlMs: o.ttlMs ?? 300_000,
  maxEntries: Math.max(1, o.maxEntries ?? 100_000),
})

interface Entry {
  endpointId: string
  expiresAt: number
}

/**
 * The in-memory Affinity: a `Map` in least-recently-used order (a used entry is moved to the end), at
 * most `maxEntries` long — the oldest entry makes room — and expired entries dropped when met. Memory
 * is bounded by `maxEntries` whatever the traffic.
 */
export const makeMemoryAffinity = (options: AffinityOptions = {}): AffinityShape => {
  const o = resolveAffinityOptions(options)
  const entries = new Map<string, Entry>()
  const lookup = (key: string, now: number): string | undefined => {
    const entry = entries.get(key)
    if (entry === undefined) return undefined
    entries.delete(key)
    if (entry.expiresAt <= now) return undefined
    entry.expiresAt = now + o.ttlMs
    entries.set(key, entry)
    return entry.endpointId
  }
  return withTwin<AffinityShape, AffinityTwin>(
    {
      lookup: (key, at) => atNow(at, (now) => lookup(key, now)),
      remember: (key, endpointId, at) =>
        atNow(at, (now) => {
          entries.delete(key)
          if (entries.size >= o.maxEntries) {
            const oldest = entries.keys().next()
            if (oldest.done !== true) entries.delete(oldest.value)
          }
          entries.set(key, { endpointId, expiresAt: now + o.ttlMs })
        }),
    },
    { lookup },
  )
}

/** The in-memory Affinity's lookup, run synchronously by the request gates (`withTwin`, `composeLiveState`). */
export interface AffinityTwin {
  readonly lookup: (key: string, now: number) => string | undefined
}

export class Affinity extends Context.Service<Affinity, AffinityShape>()("@switchyard/core/Affinity") {
  static readonly layer: Layer.Layer<Affinity> = Layer.sync(Affinity, () => makeMemoryAffinity())
}
