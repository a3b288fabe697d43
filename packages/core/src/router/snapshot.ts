import * as Effect from "effect/Effect"
import type { RoutingDefaults } from "../catalog/catalog.js"
import type { CacheShares, EndpointLive, Snapshot } from "../policy/types.js"
import { estimateCharge } from "../services/capacity/charge.js"
import type { StateUnavailable } from "../services/errors.js"
import type { LiveReads, LiveStateAtOnce } from "../services/live-state.js"
import type { CacheCounts } from "../services/stats/window.js"
import type { RouterServices } from "./context.js"
import type { Prepared } from "./prepare.js"

/**
 * Live numbers for every candidate, as the policy reads them: TTFT and throughput percentiles and
 * the last failure (Stats), breaker and cooldown (Health), predicted utilization with this request's
 * charge (CapacityMeter, `estimateCharge` with the endpoint's learnt prompt scale). `recentOutage`: the breaker is not closed, or a failure within
 * `routing.outageWindowMs`. One `LiveState.read` (one round trip on a shared store), at `now` (the
 * router's Clock read for this request).
 */
export const buildSnapshot = (
  services: RouterServices,
  routing: RoutingDefaults,
  prepared: Prepared,
  now: number,
): Effect.Effect<Snapshot, StateUnavailable> =>
  Effect.map(
    services.live.read(prepared.candidates, chargesOf(services, prepared), now, prepared.affinityKey),
    (reads) => snapshotOf(routing, prepared, now, reads),
  )

/**
 * `buildSnapshot` over the gates at once (`LiveStateAtOnce`): the same reads, at once when they need no round trip
 * (always over the in-memory store), else the effect that reads them.
 */
export const readSnapshot = (
  gates: LiveStateAtOnce,
  services: RouterServices,
  routing: RoutingDefaults,
  prepared: Prepared,
  now: number,
): Snapshot | Effect.Effect<Snapshot, StateUnavailable> => {
  const reads = gates.read(prepared.candidates, chargesOf(services, prepared), now, prepared.affinityKey)
  return Effect.isEffect(reads)
    ? Effect.map(reads, (r) => snapshotOf(routing, prepared, now, r))
    : snapshotOf(routing, prepared, now, reads)
}

/** This request's estimated charge on each candidate. */
const chargesOf = (services: RouterServices, prepared: Prepared): Array<number> => {
  const candidates = prepared.candidates
  const { estimatedPromptTokens, maxTokens } = prepared.planRequest
  const n = candidates.length
  const charges = new Array<number>(n)
  const capacity = services.capacity
  for (let i = 0; i < n; i++) {
    const e = candidates[i]!
    charges[i] = estimateCharge(e, estimatedPromptTokens, maxTokens, capacity.promptScale(e))
  }
  return charges
}

const snapshotOf = (routing: RoutingDefaults, prepared: Prepared, now: number, reads: LiveReads): Snapshot => {
  const candidates = prepared.candidates
  const n = candidates.length
  const endpoints = new Map<string, EndpointLive>()
  for (let i = 0; i < n; i++) {
    const si = reads.stats[i]!
    const hi = reads.health[i]!
    endpoints.set(candidates[i]!.id, {
      latency: si.ttft,
      throughput: si.throughput,
      // an outright outage is the breaker's call; a measured endpoint's sporadic failures price it instead
      recentOutage:
        hi.breaker !== "closed" ||
        (si.uptime === undefined && si.lastFailureAt !== undefined && now - si.lastFailureAt < routing.outageWindowMs),
      successRate: si.uptime,
      cooldownUntil: hi.cooldownUntil,
      breaker: hi.breaker,
      predictedUtilization: reads.predicted[i],
      cacheShares: sharesOf(si.cache),
    })
  }
  return { now, endpoints, affinity: reads.affinity }
}

/**
 * Cache-hit shares of the prompt tokens counted; undefined while Stats has none, or saw no cache read or
 * write (the effective price would be the list price: it applies as such, and the trace names no price).
 */
const sharesOf = (c: CacheCounts): CacheShares | undefined =>
  c.promptTokens === 0 || (c.cacheReadTokens === 0 && c.cacheWriteTokens === 0)
    ? undefined
    : {
        read: c.cacheReadTokens / c.promptTokens,
        write: c.cacheWriteTokens / c.promptTokens,
        write1h: c.cacheWrite1hTokens / c.promptTokens,
      }
