import { Effect } from "effect"
import type { Endpoint } from "../../catalog/endpoint.js"
import {
  adjust,
  admit,
  type BucketLimits,
  type BucketState,
  drain,
  effectiveLimits,
  emptyBucket,
  isTracked,
  utilizationOf,
} from "./bucket.js"
import { usageCharge } from "./charge.js"
import type { Admission, CapacityShape, Reservation, ReserveOptions } from "./service.js"
import { applySignals } from "./signals.js"

export interface MemoryCapacityOptions {
  /** How long an untracked endpoint is blocked after a 429 without retry-after (default 1 000 ms). */
  readonly fallbackBlockMs?: number
}

const NO_LIMITS: BucketLimits = { tokensPerMinute: undefined, requestsPerMinute: undefined }

const limitsOf = (endpoint: Endpoint): BucketLimits =>
  endpoint.capacity === undefined
    ? NO_LIMITS
    : { tokensPerMinute: endpoint.capacity.tokensPerMinute, requestsPerMinute: endpoint.capacity.requestsPerMinute }

/**
 * The in-memory CapacityMeter store: a Map of bucket states keyed by endpoint id. Each operation reads
 * the clock, then runs synchronously (atomic within the process).
 */
export const makeMemoryCapacity = (options: MemoryCapacityOptions = {}): CapacityShape => {
  const fallbackBlockMs = options.fallbackBlockMs ?? 1_000
  const buckets = new Map<string, BucketState>()
  const open = new Map<string, string>() // reservation id → endpoint id
  let nextId = 0

  /** The endpoint's bucket drained to `now` (created empty on first use). */
  const current = (id: string, configured: BucketLimits, now: number): BucketState => {
    const state = buckets.get(id)
    if (state === undefined) return emptyBucket(now)
    return drain(state, effectiveLimits(configured, state), now)
  }

  // `clockWith` + a completed effect: the cheapest way to read `now` on the router's hot path.
  const withNow = <A>(f: (now: number) => A): Effect.Effect<A> =>
    Effect.clockWith((clock) => Effect.succeed(f(clock.currentTimeMillisUnsafe())))

  const limitFor = (o: ReserveOptions): number => 1 - Math.min(Math.max(o.headroom, 0), 1)

  const reserve = (endpoint: Endpoint, charge: number, o: ReserveOptions): Effect.Effect<Admission> =>
    withNow((now) => {
      const configured = limitsOf(endpoint)
      const state = current(endpoint.id, configured, now)
      const limits = effectiveLimits(configured, state)
      const result = admit(state, limits, charge, limitFor(o), o.admission, now)
      if (result._tag === "Refused") {
        buckets.set(endpoint.id, state)
        return result
      }
      buckets.set(endpoint.id, result.state)
      const reservation: Reservation = {
        id: `r${++nextId}`,
        endpointId: endpoint.id,
        charge,
        outputWeight: endpoint.outputWeight,
        limits: configured,
      }
      open.set(reservation.id, endpoint.id)
      return { _tag: "Admitted", reservation }
    })

  const close = (reservation: Reservation, tokens: number, requests: number) =>
    withNow((now) => {
      if (!open.delete(reservation.id)) return
      const state = current(reservation.endpointId, reservation.limits, now)
      buckets.set(reservation.endpointId, adjust(state, tokens, requests))
    })

  return {
    reserve,
    settle: (reservation, usage) =>
      close(reservation, usageCharge(reservation.outputWeight, usage) - reservation.charge, 0),
    release: (reservation) => close(reservation, -reservation.charge, -1),
    observe: (endpoint, signals, o) =>
      withNow((now) => {
        const configured = limitsOf(endpoint)
        const state = current(endpoint.id, configured, now)
        buckets.set(
          endpoint.id,
          applySignals(state, configured, signals, o?.rateLimited ?? false, now, fallbackBlockMs),
        )
      }),
    predict: (endpoint, charge) =>
      withNow((now) => {
        const configured = limitsOf(endpoint)
        const state = current(endpoint.id, configured, now)
        const limits = effectiveLimits(configured, state)
        return isTracked(limits) ? utilizationOf(state, limits, now, charge) : undefined
      }),
    utilization: (endpoint) =>
      withNow((now) => {
        const configured = limitsOf(endpoint)
        const state = current(endpoint.id, configured, now)
        const limits = effectiveLimits(configured, state)
        return isTracked(limits) ? utilizationOf(state, limits, now) : undefined
      }),
    availableIn: (endpoint, charge, o) =>
      withNow((now) => {
        const configured = limitsOf(endpoint)
        const state = current(endpoint.id, configured, now)
        const result = admit(state, effectiveLimits(configured, state), charge, limitFor(o), o.admission, now)
        return result._tag === "Admitted" ? 0 : result.waitMs
      }),
    openReservations: (endpointId) =>
      Effect.sync(() => {
        if (endpointId === undefined) return open.size
        let n = 0
        for (const id of open.values()) if (id === endpointId) n++
        return n
      }),
  }
}
