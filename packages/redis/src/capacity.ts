import {
  admissionLimit,
  admit,
  atNow,
  type BucketState,
  bucketState,
  type CapacityBookkeeping,
  type CapacityShape,
  type CapacitySignals,
  type CapacityTwin,
  drain,
  drainedUtilization,
  type Endpoint,
  effectiveLimits,
  emptyBucket,
  hasCapacitySignals,
  isTracked,
  learnPrompt,
  limitsOf,
  makePromptScales,
  NO_LIMITS,
  type ObserveOptions,
  type Reservation,
  type ReserveOptions,
  reservationOf,
  settledCharge,
  twinOf,
  type Usage,
  withBookkeeping,
} from "@switchyard/core"
import * as Effect from "effect/Effect"
import type { Connection } from "./connection.js"
import type { Keys } from "./keys.js"
import type { Leases } from "./lease.js"
import { arg, num, type Shared } from "./shared.js"
import type { StateFields } from "./state.js"

/** A stored bucket as the pure functions take it (absent: empty at `now`). */
export const bucketOf = (v: StateFields, now: number): BucketState => {
  if (v[2] === null || v[2] === undefined) return emptyBucket(now)
  const lt = num(v[4])
  const lr = num(v[5])
  return bucketState(
    Number(v[0]),
    Number(v[1]),
    Number(v[2]),
    Number(v[3]),
    lt === undefined && lr === undefined ? NO_LIMITS : { tokensPerMinute: lt, requestsPerMinute: lr },
  )
}

/** Utilization of a stored bucket with `charge` more tokens (undefined: untracked), computed in TypeScript. */
export const utilizationOfFields = (endpoint: Endpoint, v: StateFields, now: number, charge: number) =>
  utilizationOfBucket(endpoint, bucketOf(v, now), now, charge)

/** `utilizationOfFields` of a bucket already decoded. */
export const utilizationOfBucket = (endpoint: Endpoint, state: BucketState, now: number, charge: number) => {
  const limits = effectiveLimits(limitsOf(endpoint), state)
  return isTracked(limits) ? drainedUtilization(state, limits, now, charge) : undefined
}

/**
 * A `syBatch` reservation: `V` (reserve) or `A` (Health acquire, then reserve); see `BATCH_LUA` in `lua/scripts.ts`
 * (the endpoint's limits and the TTL are the batch's).
 */
export const reserveOp = (code: "V" | "A", charge: number, o: ReserveOptions, now: number): Array<string> => [
  code,
  String(now),
  String(charge),
  String(admissionLimit(o)),
  o.admission ? "1" : "0",
]

export const refusalOf = (reply: ReadonlyArray<string>) => ({
  _tag: "Refused" as const,
  reason: reply[1] as "full" | "blocked" | "too_large",
  waitMs: num(reply[2]) ?? 0,
})

/** The reservations this replica took on one endpoint in Redis and has not closed: id → expiry (ms). */
interface Holding {
  readonly open: Map<string, number>
  /** The expiry of the last one taken. */
  last: number
}

/**
 * The CapacityMeter on Redis: the bucket of each endpoint in its state hash; reserve, settle/release and observe
 * as operations of the endpoint's `syBatch` (Lua ports of the pure bucket functions; reserve answered from the
 * batch's reply, the others sent without waiting), reads computed here from one HMGET. Each replica keeps the
 * reservations it took with their expiry (`reservationTtlMs`): settle/release act only on an open one (idempotent)
 * and adjust nothing once it expired — decided here, so Redis keeps no entry per reservation. What a replica holds
 * open on an endpoint goes with each of its calls into the endpoint's reservations hash (one field per replica: the
 * count and the last expiry), which `openReservations` reads fleet-wide; a replica that dies mid-request leaves its
 * field behind until its last reservation's TTL has passed (the charge itself drains from the bucket like any
 * other). Local fallback: the replica's in-memory meter, which also learns every upstream signal this replica sees.
 */
export const makeRedisCapacity = (
  conn: Connection,
  shared: Shared,
  keys: Keys,
  readState: (endpointId: string) => Promise<StateFields>,
  local: CapacityShape,
  fallbackBlockMs: number,
  /** This replica's admission leases: a reservation taken from one closes into it while it holds (`Leases.close`). */
  leases: Leases,
): CapacityShape & RedisCapacityParts => {
  const { redis, options } = conn
  const prefix = `${options.replicaId}:`
  let next = 0
  const reservationId = () => `${prefix}${++next}`
  const known = new Set<string>()
  const holdings = new Map<string, Holding>()
  /** A reservation Redis admitted at `t`: open until settled, released or `t + reservationTtlMs`. */
  const opened = (endpointId: string, id: string, t: number): void => {
    let h = holdings.get(endpointId)
    if (h === undefined) {
      h = { open: new Map(), last: 0 }
      holdings.set(endpointId, h)
    }
    const expires = t + options.reservationTtlMs
    h.open.set(id, expires)
    if (expires > h.last) h.last = expires
  }
  shared.held = (endpointId) => {
    const h = holdings.get(endpointId)
    if (h === undefined) return undefined
    // the oldest first: those past their TTL at the last admission (never closed) are dropped, once per call
    const latest = h.last - options.reservationTtlMs
    for (const [id, expires] of h.open) {
      if (expires > latest) break
      h.open.delete(id)
    }
    return { count: h.open.size, last: h.last }
  }
  // learnt from this replica's own settled requests (see core's prompt-scale.ts)
  const scales = makePromptScales()

  /** Taken in Redis (else in the local meter, while degraded: closed there). */
  const ours = (r: Reservation) => r.id.startsWith(prefix)
  /**
   * Close a reservation taken in Redis (settle or release), at `t`: once, and only an unexpired one adjusts — the lease
   * it was taken from while that lease holds, else the shared bucket.
   */
  const close = (r: Reservation, tokens: number, requests: number, t: number): void => {
    const open = holdings.get(r.endpointId)?.open
    const expires = open?.get(r.id)
    if (expires === undefined) return
    open!.delete(r.id)
    if (expires > t && !leases.close(r.endpointId, r.id, tokens, requests, t))
      shared.write(r.endpointId, r.limits, ["S", String(t), String(tokens), String(requests)])
  }

  const settleShared = (r: Reservation, usage: Usage, t: number): void => {
    learnPrompt(scales, r, usage)
    close(r, settledCharge(r, usage) - r.charge, 0, t)
  }
  const releaseShared = (r: Reservation, t: number): void => close(r, -r.charge, -1, t)
  const says = (signals: CapacitySignals, o: ObserveOptions | undefined): boolean =>
    o?.rateLimited === true || hasCapacitySignals(signals)
  /** An observation's news for the other replicas: sent now, not with the turn's other operations. */
  const observeShared = (
    endpoint: Endpoint,
    signals: CapacitySignals,
    o: ObserveOptions | undefined,
    t: number,
  ): void => {
    const rateLimited = o?.rateLimited === true
    shared.write(
      endpoint.id,
      limitsOf(endpoint),
      [
        "O",
        String(t),
        arg(signals.utilization),
        arg(signals.limitTokens),
        arg(signals.remainingTokens),
        arg(signals.limitRequests),
        arg(signals.remainingRequests),
        arg(signals.retryAfterMs),
        rateLimited ? "1" : "0",
        String(fallbackBlockMs),
      ],
      true,
      // a block (retry-after, or a 429 without limits) changes the plans; usage signals only predictions
      rateLimited || signals.retryAfterMs !== undefined,
    )
  }

  const predictOne = (endpoint: Endpoint, charge: number, now: number | undefined) =>
    Effect.clockWith((clock) => {
      const t = now ?? clock.currentTimeMillisUnsafe()
      return shared.read(
        () => readState(endpoint.id).then((v) => utilizationOfFields(endpoint, v, t, charge)),
        local.predict(endpoint, charge, t),
      )
    })

  const shape: CapacityShape & RedisCapacityParts = {
    reservationId,
    opened,
    reserve: (endpoint, charge, o, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        known.add(endpoint.id)
        const id = reservationId()
        return shared.decide(
          endpoint.id,
          limitsOf(endpoint),
          reserveOp("V", charge, o, t),
          (r) => {
            if (r[0] !== "A") return refusalOf(r)
            opened(endpoint.id, id, t)
            return { _tag: "Admitted" as const, reservation: reservationOf(endpoint, charge, o, id) }
          },
          () => local.reserve(endpoint, charge, o, t),
        )
      }),
    // one effect each on the request path (not a Clock read, a sync and the local meter's effect)
    settle: (r, usage, now) =>
      ours(r)
        ? atNow(now, (t) => settleShared(r, usage, t))
        : Effect.andThen(
            Effect.sync(() => learnPrompt(scales, r, usage)),
            local.settle(r, usage, now),
          ),
    release: (r, now) => (ours(r) ? atNow(now, (t) => releaseShared(r, t)) : local.release(r, now)),
    observe: (endpoint, signals, o, now) =>
      // nothing said: nothing changes (see core's `hasCapacitySignals`), in Redis or in the local meter
      !says(signals, o)
        ? Effect.void
        : Effect.clockWith((clock) => {
            const t = now ?? clock.currentTimeMillisUnsafe()
            observeShared(endpoint, signals, o, t)
            // The local meter learns it too: it is what this replica falls back to.
            return local.observe(endpoint, signals, o, t)
          }),
    predict: predictOne,
    predictMany: (endpoints, charges, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        return shared.read(
          () =>
            Promise.all(
              endpoints.map((e, i) => readState(e.id).then((v) => utilizationOfFields(e, v, t, charges[i]!))),
            ),
          local.predictMany(endpoints, charges, t),
        )
      }),
    utilization: (endpoint, now) => predictOne(endpoint, 0, now),
    availableIn: (endpoint, charge, o, now) =>
      // A read, not a reservation: the admission arithmetic on the stored bucket.
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        return shared.read(
          () => readState(endpoint.id).then((v) => waitFor(endpoint, bucketOf(v, t), charge, o, t)),
          local.availableIn(endpoint, charge, o, t),
        )
      }),
    promptScale: (endpoint) => scales.of(endpoint.id),
    openReservations: (endpointId) =>
      Effect.clockWith((clock) => {
        const t = clock.currentTimeMillisUnsafe()
        const ids = endpointId === undefined ? [...known] : [endpointId]
        // this replica's own, here (exact); the other replicas', as their last calls left them in Redis
        let mine = 0
        for (const id of ids) for (const expires of holdings.get(id)?.open.values() ?? []) if (expires > t) mine++
        return Effect.flatMap(local.openReservations(endpointId), (localOpen) =>
          shared.read(
            () =>
              Promise.all(ids.map((id) => redis.hgetall(keys.reservations(id)))).then((hashes) => {
                let others = 0
                for (const fields of hashes)
                  for (const [replica, value] of Object.entries(fields)) {
                    const [count, last] = value.split(":")
                    if (replica !== options.replicaId && Number(last) > t) others += Number(count)
                  }
                return localOpen + mine + others
              }),
            Effect.succeed(localOpen + mine),
          ),
        )
      }),
  }
  // Books (core) settles, releases and observes at once when an attempt ends, over the local meter's twin
  const twin = twinOf<CapacityTwin>(local)
  if (twin === undefined) return shape
  return withBookkeeping<typeof shape, CapacityBookkeeping>(shape, {
    settle: (r, usage, t) => {
      if (ours(r)) return settleShared(r, usage, t)
      learnPrompt(scales, r, usage)
      twin.settle(r, usage, t)
    },
    release: (r, t) => (ours(r) ? releaseShared(r, t) : twin.release(r, t)),
    observe: (endpoint, signals, o, t) => {
      if (!says(signals, o)) return
      observeShared(endpoint, signals, o, t)
      twin.observe(endpoint, signals, o, t)
    },
  })
}

/** What the live state's admission needs of the capacity store beyond its shape. */
export interface RedisCapacityParts {
  readonly reservationId: () => string
  /** Redis admitted reservation `id` on `endpointId` at `t`. */
  readonly opened: (endpointId: string, id: string, t: number) => void
}

const waitFor = (endpoint: Endpoint, state: BucketState, charge: number, o: ReserveOptions, now: number): number => {
  const configured = limitsOf(endpoint)
  const limits = effectiveLimits(configured, state)
  const drained = drain(state, limits, now)
  const result = admit(drained, limits, charge, admissionLimit(o), o.admission, now)
  return result._tag === "Admitted" ? 0 : result.waitMs
}
