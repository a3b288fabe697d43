import * as Effect from "effect/Effect"
import type { Endpoint } from "../../catalog/endpoint.js"
import type { CapacitySignals, Usage } from "../../provider/usage.js"
import { atNow, eachAt } from "../now.js"
import { withTwin } from "../twin.js"
import {
  adjust,
  admit,
  type BucketLimits,
  type BucketState,
  drain,
  drainedUtilization,
  effectiveLimits,
  emptyBucket,
  isTracked,
  NO_LIMITS,
} from "./bucket.js"
import { settledCharge } from "./charge.js"
import { learnPrompt, makePromptScales } from "./prompt-scale.js"
import type { Admission, CapacityShape, ObserveOptions, Reservation, ReserveOptions } from "./shape.js"
import { applySignals, hasCapacitySignals } from "./signals.js"

export interface MemoryCapacityOptions {
  /** How long an untracked endpoint is blocked after a 429 without retry-after (default 1 000 ms). */
  readonly fallbackBlockMs?: number
}

export interface ResolvedCapacityOptions {
  readonly fallbackBlockMs: number
}

export const resolveCapacityOptions = (o: MemoryCapacityOptions = {}): ResolvedCapacityOptions => ({
  fallbackBlockMs: o.fallbackBlockMs ?? 1_000,
})

/** Configured limits of each endpoint (catalog endpoints are immutable), built once per endpoint. */
const configuredLimits = new WeakMap<Endpoint, BucketLimits>()

/** The endpoint's configured limits (one object per endpoint, built once). */
export const limitsOf = (endpoint: Endpoint): BucketLimits => {
  const capacity = endpoint.capacity
  if (capacity === undefined) return NO_LIMITS
  let limits = configuredLimits.get(endpoint)
  if (limits === undefined) {
    limits = { tokensPerMinute: capacity.tokensPerMinute, requestsPerMinute: capacity.requestsPerMinute }
    configuredLimits.set(endpoint, limits)
  }
  return limits
}

/** The reservation of `charge` on `endpoint` taken under `id`, with the endpoint's configured `limits`. */
export const reservationOf = (
  endpoint: Endpoint,
  charge: number,
  o: ReserveOptions,
  id: string,
  limits: BucketLimits = limitsOf(endpoint),
): Reservation => ({
  id,
  endpointId: endpoint.id,
  charge,
  outputWeight: endpoint.outputWeight,
  counts: endpoint.counts,
  output: o.output ?? 0,
  prompt: o.prompt ?? 0,
  limits,
})

/** The fraction of capacity (0..1) a charge may fill the bucket to: `1 - headroom`. */
export const admissionLimit = (o: ReserveOptions): number => 1 - Math.min(Math.max(o.headroom, 0), 1)

/**
 * The in-memory CapacityMeter store: a Map of bucket states keyed by endpoint id. Each operation reads
 * the clock (unless the caller passed `now`), then runs synchronously (atomic within the process).
 */
export const makeMemoryCapacity = (options: MemoryCapacityOptions = {}): CapacityShape => {
  const { fallbackBlockMs } = resolveCapacityOptions(options)
  const buckets = new Map<string, BucketState>()
  const open = new Map<string, string>() // reservation id → endpoint id
  const scales = makePromptScales()
  let nextId = 0

  /** The endpoint's bucket drained to `now` (created empty on first use). */
  const current = (id: string, configured: BucketLimits, now: number): BucketState => {
    const state = buckets.get(id)
    if (state === undefined) return emptyBucket(now)
    return drain(state, effectiveLimits(configured, state), now)
  }

  /** Utilization of the endpoint's bucket drained to `now`, with `charge` more tokens; undefined if untracked. */
  const utilizationAt = (endpoint: Endpoint, now: number, charge: number): number | undefined => {
    const configured = limitsOf(endpoint)
    const state = buckets.get(endpoint.id) ?? emptyBucket(now)
    const limits = effectiveLimits(configured, state)
    return isTracked(limits) ? drainedUtilization(state, limits, now, charge) : undefined
  }

  const reserve = (endpoint: Endpoint, charge: number, o: ReserveOptions, now: number): Admission => {
    const configured = limitsOf(endpoint)
    const state = current(endpoint.id, configured, now)
    const limits = effectiveLimits(configured, state)
    const result = admit(state, limits, charge, admissionLimit(o), o.admission, now)
    if (result._tag === "Refused") {
      buckets.set(endpoint.id, state)
      return result
    }
    buckets.set(endpoint.id, result.state)
    const reservation = reservationOf(endpoint, charge, o, `r${++nextId}`, configured)
    open.set(reservation.id, endpoint.id)
    return { _tag: "Admitted", reservation }
  }
  const predictMany = (
    endpoints: ReadonlyArray<Endpoint>,
    charges: ReadonlyArray<number>,
    now: number,
  ): ReadonlyArray<number | undefined> =>
    eachAt(endpoints, now, (endpoint, t, i) => utilizationAt(endpoint, t, charges[i]!))

  const close = (reservation: Reservation, tokens: number, requests: number, now: number, settled?: () => void) => {
    if (!open.delete(reservation.id)) return
    settled?.()
    const state = current(reservation.endpointId, reservation.limits, now)
    buckets.set(reservation.endpointId, adjust(state, tokens, requests))
  }
  const settle = (reservation: Reservation, usage: Usage, now: number): void =>
    close(reservation, settledCharge(reservation, usage) - reservation.charge, 0, now, () =>
      learnPrompt(scales, reservation, usage),
    )
  const release = (reservation: Reservation, now: number): void => close(reservation, -reservation.charge, -1, now)
  const observe = (endpoint: Endpoint, signals: CapacitySignals, o: ObserveOptions | undefined, now: number): void => {
    const rateLimited = o?.rateLimited ?? false
    // nothing said: the bucket stays as it is (it drains when read)
    if (!rateLimited && !hasCapacitySignals(signals)) return
    const configured = limitsOf(endpoint)
    const state = current(endpoint.id, configured, now)
    buckets.set(endpoint.id, applySignals(state, configured, signals, rateLimited, now, fallbackBlockMs))
  }

  return withTwin<CapacityShape, CapacityTwin>(
    {
      reserve: (endpoint, charge, o, at) => atNow(at, (now) => reserve(endpoint, charge, o, now)),
      settle: (reservation, usage, at) => atNow(at, (now) => settle(reservation, usage, now)),
      release: (reservation, at) => atNow(at, (now) => release(reservation, now)),
      observe: (endpoint, signals, o, at) => atNow(at, (now) => observe(endpoint, signals, o, now)),
      predict: (endpoint, charge, at) => atNow(at, (now) => utilizationAt(endpoint, now, charge)),
      predictMany: (endpoints, charges, at) => atNow(at, (now) => predictMany(endpoints, charges, now)),
      utilization: (endpoint, at) => atNow(at, (now) => utilizationAt(endpoint, now, 0)),
      availableIn: (endpoint, charge, o, at) =>
        atNow(at, (now) => {
          const configured = limitsOf(endpoint)
          const state = current(endpoint.id, configured, now)
          const result = admit(state, effectiveLimits(configured, state), charge, admissionLimit(o), o.admission, now)
          return result._tag === "Admitted" ? 0 : result.waitMs
        }),
      promptScale: (endpoint) => scales.of(endpoint.id),
      openReservations: (endpointId) =>
        Effect.sync(() => {
          if (endpointId === undefined) return open.size
          let n = 0
          for (const id of open.values()) if (id === endpointId) n++
          return n
        }),
    },
    { reserve, predictMany, settle, release, observe },
  )
}

/** The in-memory meter's operations run synchronously by the request gates and the bookkeeping (`withTwin`; `composeLiveState`, `Books`). */
export interface CapacityTwin {
  readonly reserve: (endpoint: Endpoint, charge: number, options: ReserveOptions, now: number) => Admission
  readonly settle: (reservation: Reservation, usage: Usage, now: number) => void
  readonly release: (reservation: Reservation, now: number) => void
  readonly observe: (
    endpoint: Endpoint,
    signals: CapacitySignals,
    options: ObserveOptions | undefined,
    now: number,
  ) => void
  readonly predictMany: (
    endpoints: ReadonlyArray<Endpoint>,
    charges: ReadonlyArray<number>,
    now: number,
  ) => ReadonlyArray<number | undefined>
}
