import {
  admissionLimit,
  type BreakerConfig,
  type BucketState,
  type Endpoint,
  type Entry,
  type LiveReads,
  type LiveStateAtOnce,
  type LiveStateShape,
  limitsOf,
  type ReserveOptions,
  reservationOf,
  type StateUnavailable,
  withAtOnce,
  withNow,
} from "@switchyard/core"
import * as Effect from "effect/Effect"
import { bucketOf, type RedisCapacityParts, refusalOf, reserveOp, utilizationOfBucket } from "./capacity.js"
import type { Connection } from "./connection.js"
import { healthEntryOf, healthViewOfEntry, permitOf } from "./health.js"
import type { Keys } from "./keys.js"
import type { Leases } from "./lease.js"
import type { NewsFeed } from "./news.js"
import { num, type Shared } from "./shared.js"
import { STATE_FIELDS, type StateFields } from "./state.js"
import type { RedisStats } from "./stats.js"

/**
 * The request gates on Redis. `read`: the stats (fleet summaries, cached) and every candidate's state
 * hash (bucket and Health) in one call (`syRead`; on a Redis Cluster one HMGET per endpoint, one round
 * trip per node), with the conversation's affinity entry (`GETEX`)
 * sent in the same tick: one round trip. The state hashes are kept for `snapshotCacheMs` and the plans
 * in that time are made from them (their health and predictions computed at each request's own `now`):
 * no round trip for the snapshot at all, but for the affinity entry when the request names one. Once the entries are
 * half that old, the next plan starts reading them again in the background (and is made from the cache), so under
 * steady traffic no plan waits for the read and none is made from entries older than `snapshotCacheMs`; the requests
 * that find the entries stale (traffic after a pause) share one read in flight. A cooldown or failure this replica
 * reports (or another replica's, through the news feed), and an admission Redis refused, drop the endpoint's entry
 * and end its lease, and a read sent before such news is not cached.
 * `admit`: from this replica's lease on the endpoint when it holds one that covers the charge (no round trip; see
 * `lease.ts`), else one operation of the endpoint's `syBatch` that runs the Health acquire and the bucket reserve atomically
 * on the endpoint's hash (giving a half-open probe back if the bucket refuses): one round trip, shared with the
 * endpoint's other admissions and bookkeeping of the same turn (see `Shared`). A
 * fail-closed store answers `StateUnavailable` when Redis does not answer; a fail-open one, the
 * replica's local gates.
 */
const NO_AFFINITY: Promise<undefined> = Promise.resolve(undefined)

/** A state hash as a read returned it, decoded, and the `now` of that read. */
interface Cached {
  readonly bucket: BucketState
  readonly health: ReturnType<typeof healthEntryOf>
  readonly at: number
  /** A background read of it is in flight (see `cached`). */
  renewing: boolean
}

/** An at-once answer (`readAt`, `admitAt`) as the effect the gate's own shape returns. */
const asEffect = <A, E>(a: A | Effect.Effect<A, E>): Effect.Effect<A, E> => (Effect.isEffect(a) ? a : Effect.succeed(a))

export const makeRedisLiveState = (
  conn: Connection,
  shared: Shared,
  keys: Keys,
  parts: {
    readonly stats: RedisStats
    /** The capacity store's: reservation ids, and the reservations Redis admitted. */
    readonly capacity: RedisCapacityParts
    readonly breaker: BreakerConfig
    /** One endpoint's state hash (HMGET). */
    readonly state: (endpointId: string) => Promise<StateFields>
    /** The conversation's affinity entry (`GETEX`, sent in the same tick as the state reads). */
    readonly affinity: (key: string) => Promise<string | undefined>
    /** This replica's admission leases, and the news other replicas report (one Redis; none on a cluster). */
    readonly leases: Leases
    readonly feed: NewsFeed | undefined
  },
  local: LiveStateShape,
): LiveStateShape => {
  const cacheMs = conn.options.snapshotCacheMs
  const cache = new Map<string, Cached>()
  const leases = parts.leases
  /**
   * Every endpoint's state hash. One Redis: one `syRead` script for them all. A Redis Cluster runs a
   * command only on keys of one slot, and each endpoint's keys have their own: one HMGET per endpoint, sent
   * in the same tick — auto-pipelined into one write per node, so one round trip per node, in parallel.
   */
  const readStates: (ids: ReadonlyArray<string>) => Promise<ReadonlyArray<StateFields>> = conn.cluster
    ? (ids) => Promise.all(ids.map(parts.state))
    : (ids) => {
        const n = ids.length
        const stateKeys = new Array<string>(n)
        for (let i = 0; i < n; i++) stateKeys[i] = keys.state(ids[i]!)
        return conn.script("syRead", n, ...stateKeys, ...STATE_FIELDS) as Promise<ReadonlyArray<StateFields>>
      }
  /**
   * The snapshot reads in flight, by candidate set, decoded: the requests that find the cache stale in the same moment
   * (at concurrency 64, every request of the turn the cache expires in) share one read and its decoding instead of
   * sending and decoding one each.
   */
  const inflight = new Map<string, Promise<Array<Cached>>>()
  /** Counts the news: a read sent before the last news is not cached (it does not hold the news). */
  let generation = 0
  /** What this replica learnt of an endpoint that its plans should not miss: the next plan reads it again. */
  const stale = (id: string) => {
    cache.delete(id)
    generation++
    // a read sent before the news does not hold it either
    inflight.clear()
    leases.revoke(id)
  }
  shared.onNews = stale
  /** The latest instant a plan was made at (see `readAlong`). */
  let latest = 0
  /**
   * The bookkeeping that leaves together (`bookkeepingMs` after the first of it was queued, under traffic every
   * `bookkeepingMs` or so) reads along the cached hashes past a quarter of their life and not being read (one Redis):
   * they are renewed by that call, as of the latest plan's instant, instead of by a read of their own once half their
   * life has passed — one call instead of two. An entry past its life is not read along (the next plan reads it).
   */
  const readsAlong = !conn.cluster && cacheMs > 0
  if (readsAlong)
    shared.readAlong = () => {
      const t = latest
      const ids: Array<string> = []
      const renewing: Array<Cached> = []
      for (const [id, c] of cache) {
        const age = t - c.at
        if (c.renewing || age <= cacheMs / 4 || age > cacheMs) continue
        c.renewing = true
        ids.push(id)
        renewing.push(c)
      }
      if (ids.length === 0) return undefined
      const renewed = () => {
        for (const c of renewing) c.renewing = false
      }
      const issued = generation
      return {
        keys: ids.map((id) => keys.state(id)),
        fields: STATE_FIELDS,
        read: (reply) => {
          renewed()
          remember(ids, reply as ReadonlyArray<StateFields>, t, issued)
        },
        failed: renewed,
      }
    }
  // another replica's news: the same (this replica's own was applied when sent; the feed skips its echo)
  if (parts.feed !== undefined) parts.feed.onNews = stale
  /** Every endpoint's cached state when each is at most `cacheMs` old at `t`, else undefined. */
  const cached = (ids: ReadonlyArray<string>, t: number): Array<Cached> | undefined => {
    if (cacheMs <= 0) return undefined
    const out = new Array<Cached>(ids.length)
    let oldest = t
    let renewing = true
    for (let i = 0; i < ids.length; i++) {
      const c = cache.get(ids[i]!)
      if (c === undefined || t - c.at > cacheMs || t < c.at) return undefined
      if (c.at < oldest) oldest = c.at
      if (!c.renewing) renewing = false
      out[i] = c
    }
    // past half its life: read it again in the background (unless every entry's read is in flight already), so that
    // under steady traffic no plan waits for the read
    if (t - oldest > cacheMs / 2 && !renewing) refresh(ids, out, t)
    return out
  }
  /**
   * The hashes of `ids` read at `t` and decoded (cached unless news came since the read was sent), or the read of them
   * in flight (decoded at its own `t`: each plan computes health and predictions at its own `now`).
   */
  const readFresh = (ids: ReadonlyArray<string>, t: number, key = ids.join("\n")): Promise<Array<Cached>> => {
    if (cacheMs <= 0) return readStates(ids).then((fields) => remember(ids, fields, t, generation))
    let p = inflight.get(key)
    if (p === undefined) {
      const issued = generation
      const read = readStates(ids).then((fields) => remember(ids, fields, t, issued))
      const done = () => {
        if (inflight.get(key) === read) inflight.delete(key)
      }
      read.then(done, done)
      inflight.set(key, read)
      p = read
    }
    return p
  }
  /** The hashes of `ids` (cached as `entries`) read again without anyone waiting; the entries say so meanwhile. */
  const refresh = (ids: ReadonlyArray<string>, entries: ReadonlyArray<Cached>, t: number): void => {
    // the bookkeeping queued leaves now and reads them along (`readAlong`): one call instead of two
    if (readsAlong && shared.sendBookkeeping() && entries.every((c) => c.renewing)) return
    for (const c of entries) c.renewing = true
    const renewed = () => {
      for (const c of entries) c.renewing = false
    }
    const key = ids.join("\n")
    const reading = inflight.get(key)
    if (reading !== undefined) {
      reading.then(renewed, renewed)
      return
    }
    readFresh(ids, t, key).then(renewed, (error: unknown) => {
      renewed()
      conn.failed(error)
    })
  }
  /** Decode a read of `ids` made at `t` (sent at news `issued`), and cache it unless news came meanwhile. */
  const remember = (
    ids: ReadonlyArray<string>,
    fields: ReadonlyArray<StateFields>,
    t: number,
    issued: number,
  ): Array<Cached> => {
    const keep = cacheMs > 0 && issued === generation
    const n = ids.length
    const v = new Array<Cached>(n)
    for (let i = 0; i < n; i++) {
      const f = fields[i]!
      v[i] = { bucket: bucketOf(f, t), health: healthEntryOf(f), at: t, renewing: false }
      // nor kept over a later read that landed first (on a cluster, reads of several nodes answer in any order)
      const c = cache.get(ids[i]!)
      if (keep && (c === undefined || c.at <= t)) cache.set(ids[i]!, v[i]!)
    }
    return v
  }
  /** The plan's reads at `t`: at once from the cached state hashes and the fleet's cached stats, else their effect. */
  const readAt = (
    endpoints: ReadonlyArray<Endpoint>,
    charges: ReadonlyArray<number>,
    t: number,
    affinityKey: string | undefined,
  ): LiveReads | Effect.Effect<LiveReads, StateUnavailable> => {
    const n = endpoints.length
    const ids = new Array<string>(n)
    for (let i = 0; i < n; i++) ids[i] = endpoints[i]!.id
    if (t > latest) latest = t
    const reads = (stats: LiveReads["stats"], v: ReadonlyArray<Cached>, sticky: string | undefined) => ({
      stats,
      health: v.map((s) => healthViewOfEntry(parts.breaker, s.health, t)),
      predicted: v.map((s, i) => utilizationOfBucket(endpoints[i]!, s.bucket, t, charges[i]!)),
      affinity: sticky,
    })
    /** The reads once the stats are known: the cached state hashes, else one read (with the affinity entry). */
    const withStats = (stats: LiveReads["stats"]) => {
      const known = conn.ok ? cached(ids, t) : undefined
      if (known !== undefined && affinityKey === undefined) return reads(stats, known, undefined)
      return shared.gate(
        () => {
          // the affinity entry is issued in the same tick as the state reads: both in flight, one round trip
          const affinity = affinityKey === undefined ? NO_AFFINITY : parts.affinity(affinityKey)
          if (known !== undefined) return affinity.then((sticky): LiveReads => reads(stats, known, sticky))
          return Promise.all([readFresh(ids, t), affinity]).then(([v, sticky]): LiveReads => reads(stats, v, sticky))
        },
        local.read(endpoints, charges, t, affinityKey),
      )
    }
    // the fleet's stats cached (the common case): taken at once, not through a Stats effect
    const fleet = conn.ok ? parts.stats.fleetOnly(ids, t) : undefined
    if (fleet !== undefined) return withStats(fleet)
    return Effect.flatMap(parts.stats.readMany(ids, t), (stats) => asEffect(withStats(stats)))
  }
  /** The admission at `t`: at once from this replica's lease, else its effect (the endpoint's `syBatch`, or local). */
  const admitAt = (
    endpoint: Endpoint,
    charge: number,
    options: ReserveOptions,
    t: number,
  ): Entry | Effect.Effect<Entry, StateUnavailable> => {
    const id = parts.capacity.reservationId()
    const limit = admissionLimit(options)
    if (!conn.ok) leases.drop()
    else if (leases.take(endpoint.id, id, charge, limit, t)) {
      // from this replica's lease: a reservation of its own, no round trip
      parts.capacity.opened(endpoint.id, id, t)
      return { _tag: "Admitted", probe: false, reservation: reservationOf(endpoint, charge, options, id) }
    }
    const limits = limitsOf(endpoint)
    const asking = leases.ask(endpoint.id, t)
    const issued = generation
    const op = reserveOp("A", charge, options, t)
    if (asking) {
      op[0] = "L"
      op.push(String(leases.share))
    }
    return shared.decideGate(
      endpoint.id,
      limits,
      op,
      (r): Entry => {
        if (asking) leases.answered(endpoint.id)
        // refused on state the plan did not know of: the next plans read it again
        if (r[0] === "R") {
          stale(endpoint.id)
          return refusalOf(r)
        }
        const permit = permitOf(r)
        if (permit._tag === "Blocked") {
          stale(endpoint.id)
          return permit
        }
        parts.capacity.opened(endpoint.id, id, t)
        // a lease beside it: held, or given back at once if news came since it was asked for
        if (r.length > 2) leases.give(endpoint.id, limits, num(r[2])!, num(r[3])!, limit, t, issued !== generation)
        return { _tag: "Admitted", probe: permit.probe, reservation: reservationOf(endpoint, charge, options, id) }
      },
      () => {
        if (asking) leases.answered(endpoint.id)
        return local.admit(endpoint, charge, options, t)
      },
    )
  }
  const atOnce: LiveStateAtOnce = { read: readAt, admit: admitAt }
  // the router runs these at once (`withAtOnce`), and the effect they answer with only when one is needed
  return withAtOnce<LiveStateShape, LiveStateAtOnce>(
    {
      status: () => conn.status(),
      read: (endpoints, charges, now, affinityKey) =>
        withNow(now, (t) => asEffect(readAt(endpoints, charges, t, affinityKey))),
      admit: (endpoint, charge, options, now) => withNow(now, (t) => asEffect(admitAt(endpoint, charge, options, t))),
    },
    atOnce,
  )
}
