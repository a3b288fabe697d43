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
 * A `syBatch` reservation: `V` (reserve) or `A` (Health acquire, then reserve); see `BATCH_OPS` in `lua/scripts.ts`
 * (the endpoint's limits and the TTL are the batch's).
 */
export const reserveOp = (
  code: "V" | "A",
  charge: number,
  o: ReserveOptions,
  id: string,
  now: number,
): Array<string> => [code, String(now), String(charge), String(admissionLimit(o)), o.admission ? "1" : "0", id]

export const refusalOf = (reply: ReadonlyArray<string>) => ({
  _tag: "Refused" as const,
  reason: reply[1] as "full" | "blocked" | "too_large",
  waitMs: num(reply[2]) ?? 0,
})

/**
 * The CapacityMeter on Redis: the bucket of each endpoint in its state hash; reserve, settle/release and observe
 * as operations of the endpoint's `syBatch` (Lua ports of the pure bucket functions; reserve answered from the
 * batch's reply, the others sent without waiting), reads computed here from one HMGET. Reservations are members
 * of a sorted set scored by their expiry (`reservationTtlMs`): settle/release act only on an open one
 * (idempotent), and a replica that dies mid-request leaves nothing behind once its reservations expire (the
 * charge itself drains from the bucket like any other). Local fallback: the replica's in-memory meter, which
 * also learns every upstream signal this replica sees.
 */
export const makeRedisCapacity = (
  conn: Connection,
  shared: Shared,
  keys: Keys,
  readState: (endpointId: string) => Promise<StateFields>,
  local: CapacityShape,
  fallbackBlockMs: number,
): CapacityShape & { readonly reservationId: () => string } => {
  const { redis, options } = conn
  const prefix = `${options.replicaId}:`
  let next = 0
  const reservationId = () => `${prefix}${++next}`
  const known = new Set<string>()
  // learnt from this replica's own settled requests (see core's prompt-scale.ts)
  const scales = makePromptScales()

  /** Taken in Redis (else in the local meter, while degraded: closed there). */
  const ours = (r: Reservation) => r.id.startsWith(prefix)
  /** Close a reservation taken in Redis (settle or release), at `t`. */
  const close = (r: Reservation, tokens: number, requests: number, t: number): void =>
    shared.write(r.endpointId, r.limits, ["S", String(t), r.id, String(tokens), String(requests)])

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

  const shape: CapacityShape & { readonly reservationId: () => string } = {
    reservationId,
    reserve: (endpoint, charge, o, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        known.add(endpoint.id)
        const id = reservationId()
        return shared.decide(
          endpoint.id,
          limitsOf(endpoint),
          reserveOp("V", charge, o, id, t),
          (r) =>
            r[0] === "A"
              ? { _tag: "Admitted" as const, reservation: reservationOf(endpoint, charge, o, id) }
              : refusalOf(r),
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
        return Effect.flatMap(local.openReservations(endpointId), (localOpen) =>
          shared.read(
            () =>
              Promise.all(ids.map((id) => redis.zcount(keys.reservations(id), `(${t}`, "+inf"))).then(
                (counts) => localOpen + counts.reduce((a, b) => a + b, 0),
              ),
            Effect.succeed(localOpen),
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

const waitFor = (endpoint: Endpoint, state: BucketState, charge: number, o: ReserveOptions, now: number): number => {
  const configured = limitsOf(endpoint)
  const limits = effectiveLimits(configured, state)
  const drained = drain(state, limits, now)
  const result = admit(drained, limits, charge, admissionLimit(o), o.admission, now)
  return result._tag === "Admitted" ? 0 : result.waitMs
}
