import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { RoutingDefaults } from "../catalog/catalog.js"
import type { Endpoint } from "../catalog/endpoint.js"
import { RandomSeeded } from "../random/seeded.js"
import {
  Affinity,
  type AffinityOptions,
  type AffinityShape,
  type AffinityTwin,
  makeMemoryAffinity,
  type ResolvedAffinityOptions,
  resolveAffinityOptions,
} from "./affinity/service.js"
import {
  type CapacityTwin,
  type MemoryCapacityOptions,
  makeMemoryCapacity,
  type ResolvedCapacityOptions,
  resolveCapacityOptions,
} from "./capacity/memory.js"
import { CapacityMeter, type CapacityShape, type Reservation, type ReserveOptions } from "./capacity/service.js"
import type { StateUnavailable } from "./errors.js"
import {
  Health,
  type HealthOptions,
  type HealthReport,
  type HealthShape,
  type HealthTwin,
  type HealthView,
  makeMemoryHealth,
  type ResolvedHealthOptions,
  resolveHealthOptions,
} from "./health/service.js"
import { atNow } from "./now.js"
import {
  makeMemoryRetryBudget,
  type ResolvedRetryBudgetOptions,
  RetryBudget,
  type RetryBudgetOptions,
  type RetryBudgetShape,
  resolveRetryBudgetOptions,
} from "./retry-budget/service.js"
import {
  makeMemoryStats,
  resolveStatsOptions,
  Stats,
  type StatsOptions,
  type StatsShape,
  type StatsTwin,
} from "./stats/service.js"
import type { StatsSummary, WindowOptions } from "./stats/window.js"
import { twinOf, withTwin } from "./twin.js"

/**
 * # Live state: the services, their failure contract, and the one place they are wired
 *
 * Everything the router learns at run time lives behind six services: `CapacityMeter` (leaky
 * buckets), `Health` (cooldowns, breaker), `Stats` (latency/throughput windows, cache-hit shares),
 * `RetryBudget` (retries and hedges as a share of traffic), `Affinity` (which endpoint served each
 * conversation's last turn) and `LiveState` (the request gates below, plus the store's status).
 * `liveStateLayer` builds all six; the Promise façade, the gateway runtime and the simulator all get
 * them from it (through `routerLayer`).
 *
 * ## Failure contract (a network store such as Redis)
 * - `CapacityMeter`, `Health`, `Stats`, `RetryBudget` and `Affinity` never fail (`E = never`). A network store
 *   answers from the replica's local in-memory copy of the same service when the network does not
 *   answer within its timeout (documented in-layer fallback), and bookkeeping (`settle`, `release`,
 *   `record`, `observe`, `recordRequest`, `refund`) is best effort: what cannot be written is lost
 *   to the shared view, never to the request; shared reservations carry a TTL so nothing leaks.
 * - The two request gates on `LiveState` — `read` (the snapshot the policy plans on) and `admit`
 *   (Health permit + capacity reservation before an upstream call) — may fail with
 *   `StateUnavailable`. A store raises it only when configured to fail closed; the router turns it
 *   into a `503` for the client. Fail-open stores and the in-memory store never raise it.
 * - `status()` says which store runs and whether it is degraded (answering locally), with a count of
 *   backend errors (`/healthz` "state", `switchyard_state_backend_errors_total`).
 *
 * ## Substituting a store
 * A `LiveStateBackend` is a layer that provides the five services given `LocalLiveState` (the
 * in-memory services and the resolved options, so a shared store uses the same breaker config,
 * windows and floors, and falls back to the very same local state). Pass it as `backend`.
 */

/** Which store serves the live state, and whether it currently answers from local state. */
export interface StateStatus {
  /** `memory`, or the shared store's name (`redis`). */
  readonly backend: string
  /** `degraded`: the shared store is unreachable; this replica runs on its local state. */
  readonly state: "ok" | "degraded"
  /** Backend errors so far (timeouts, connection errors): `switchyard_state_backend_errors_total`. */
  readonly errors: number
}

/** The snapshot reads of one request: each array is indexed like the endpoints asked for. */
export interface LiveReads {
  readonly stats: ReadonlyArray<StatsSummary>
  readonly health: ReadonlyArray<HealthView>
  /** Predicted utilization with each endpoint's charge; undefined for untracked endpoints. */
  readonly predicted: ReadonlyArray<number | undefined>
  /** The endpoint id that served the conversation's last turn (`Affinity.lookup` of the affinity key), if any. */
  readonly affinity: string | undefined
}

/** The outcome of `LiveState.admit`. */
export type Entry =
  /** Health permit and reservation taken: call the upstream, then settle or release, and record. */
  | { readonly _tag: "Admitted"; readonly reservation: Reservation; readonly probe: boolean }
  /** Health refused (nothing was reserved). */
  | { readonly _tag: "Blocked"; readonly reason: "cooldown" | "breaker_open"; readonly untilMs: number | undefined }
  /** The CapacityMeter refused (the Health permit, a half-open probe included, was given back). */
  | { readonly _tag: "Refused"; readonly reason: "full" | "blocked" | "too_large"; readonly waitMs: number }

/**
 * The request gates, as single operations so a network store answers each in one round trip (the
 * in-memory store composes the services' own operations). See the module comment for the failure
 * contract.
 */
export interface LiveStateShape {
  readonly status: () => StateStatus
  /**
   * Stats, Health and predicted utilization (with `charges[i]`) of each endpoint, and the affinity
   * entry of `affinityKey` (when given), at one instant.
   */
  readonly read: (
    endpoints: ReadonlyArray<Endpoint>,
    charges: ReadonlyArray<number>,
    now?: number,
    affinityKey?: string,
  ) => Effect.Effect<LiveReads, StateUnavailable>
  /** `Health.acquire`, then `CapacityMeter.reserve` if allowed (giving the permit back if refused). */
  readonly admit: (
    endpoint: Endpoint,
    charge: number,
    options: ReserveOptions,
    now?: number,
  ) => Effect.Effect<Entry, StateUnavailable>
}

export class LiveState extends Context.Service<LiveState, LiveStateShape>()("@switchyard/core/LiveState") {}

/** Every live-state service the router reads. */
export type LiveStateServices = CapacityMeter | Health | Stats | RetryBudget | Affinity | LiveState

const ABANDONED: HealthReport = { _tag: "Abandoned" }
const MEMORY_STATUS: StateStatus = { backend: "memory", state: "ok", errors: 0 }

/**
 * The gates composed from the services' own operations (the in-memory store's `LiveState`). When all
 * four are the in-memory stores themselves (their `withTwin` twins are found), each gate runs their
 * operations synchronously in one effect at one instant — the same calls in the same order, without an
 * effect and a continuation per operation; otherwise (a wrapped service, a shared store's) it chains
 * their effects.
 */
export const composeLiveState = (
  capacity: CapacityShape,
  health: HealthShape,
  stats: StatsShape,
  affinity: AffinityShape,
  status: () => StateStatus = () => MEMORY_STATUS,
): LiveStateShape => {
  const c = twinOf<CapacityTwin>(capacity)
  const h = twinOf<HealthTwin>(health)
  const s = twinOf<StatsTwin>(stats)
  const a = twinOf<AffinityTwin>(affinity)
  return c === undefined || h === undefined || s === undefined || a === undefined
    ? composeEffects(capacity, health, stats, affinity, status)
    : composeTwins(c, h, s, a, status)
}

const idsOf = (endpoints: ReadonlyArray<Endpoint>): Array<string> => {
  const ids = new Array<string>(endpoints.length)
  for (let i = 0; i < endpoints.length; i++) ids[i] = endpoints[i]!.id
  return ids
}

/** The gates of the in-memory store, synchronous (`withTwin`): what its `read` and `admit` effects do at `now`. */
export interface LiveStateTwin {
  readonly read: (
    endpoints: ReadonlyArray<Endpoint>,
    charges: ReadonlyArray<number>,
    now: number,
    affinityKey: string | undefined,
  ) => LiveReads
  readonly admit: (endpoint: Endpoint, charge: number, options: ReserveOptions, now: number) => Entry
}

/**
 * The gates at once where they can be (`withAtOnce`; the in-memory store's twin is one that always is): each answers at
 * `now` with its value when it needs no round trip, else with the effect that gets it, already started (run it instead
 * of the gate's own effect, never both). A shared store answers a plan from its cached state and an admission from its
 * lease this way, without an effect step.
 */
export interface LiveStateAtOnce {
  readonly read: (
    endpoints: ReadonlyArray<Endpoint>,
    charges: ReadonlyArray<number>,
    now: number,
    affinityKey: string | undefined,
  ) => LiveReads | Effect.Effect<LiveReads, StateUnavailable>
  readonly admit: (
    endpoint: Endpoint,
    charge: number,
    options: ReserveOptions,
    now: number,
  ) => Entry | Effect.Effect<Entry, StateUnavailable>
}

/** The gates over the in-memory stores' twins: one effect per gate, and the gates' own twin. */
const composeTwins = (
  capacity: CapacityTwin,
  health: HealthTwin,
  stats: StatsTwin,
  affinity: AffinityTwin,
  status: () => StateStatus,
): LiveStateShape => {
  const twin: LiveStateTwin = {
    read: (endpoints, charges, now, affinityKey) => {
      const ids = idsOf(endpoints)
      const s = stats.readMany(ids, now)
      const h = health.readMany(ids, now)
      const p = capacity.predictMany(endpoints, charges, now)
      return {
        stats: s,
        health: h,
        predicted: p,
        affinity: affinityKey === undefined ? undefined : affinity.lookup(affinityKey, now),
      }
    },
    admit: (endpoint, charge, options, now) => {
      const permit = health.acquire(endpoint.id, now)
      if (permit._tag === "Blocked") return permit
      const admission = capacity.reserve(endpoint, charge, options, now)
      if (admission._tag !== "Refused")
        return { _tag: "Admitted", reservation: admission.reservation, probe: permit.probe }
      health.record(endpoint.id, ABANDONED, permit.probe, now)
      return admission
    },
  }
  return withTwin<LiveStateShape, LiveStateTwin>(
    {
      status,
      read: (endpoints, charges, at, affinityKey) =>
        atNow(at, (now) => twin.read(endpoints, charges, now, affinityKey)),
      admit: (endpoint, charge, options, at) => atNow(at, (now) => twin.admit(endpoint, charge, options, now)),
    },
    twin,
  )
}

/** The gates chaining the services' effects. */
const composeEffects = (
  capacity: CapacityShape,
  health: HealthShape,
  stats: StatsShape,
  affinity: AffinityShape,
  status: () => StateStatus,
): LiveStateShape => ({
  status,
  read: (endpoints, charges, now, affinityKey) => {
    const ids = idsOf(endpoints)
    return Effect.flatMap(stats.readMany(ids, now), (s) =>
      Effect.flatMap(health.readMany(ids, now), (h) =>
        Effect.flatMap(capacity.predictMany(endpoints, charges, now), (p) =>
          affinityKey === undefined
            ? Effect.succeed<LiveReads>({ stats: s, health: h, predicted: p, affinity: undefined })
            : Effect.map(
                affinity.lookup(affinityKey, now),
                (a): LiveReads => ({ stats: s, health: h, predicted: p, affinity: a }),
              ),
        ),
      ),
    )
  },
  admit: (endpoint, charge, options, now) =>
    Effect.flatMap(health.acquire(endpoint.id, now), (permit): Effect.Effect<Entry> => {
      if (permit._tag === "Blocked") return Effect.succeed(permit)
      return Effect.flatMap(capacity.reserve(endpoint, charge, options, now), (admission) =>
        admission._tag === "Refused"
          ? Effect.as(health.record(endpoint.id, ABANDONED, permit.probe, now), admission)
          : Effect.succeed<Entry>({ _tag: "Admitted", reservation: admission.reservation, probe: permit.probe }),
      )
    }),
})

/** Options of the live-state services (each defaulted as documented on its service). */
export interface LiveStateOptions {
  readonly stats?: StatsOptions | undefined
  readonly health?: HealthOptions | undefined
  readonly capacity?: MemoryCapacityOptions | undefined
  readonly retryBudget?: RetryBudgetOptions | undefined
  /** The affinity map: its TTL (default `routing.affinity.ttlMs`) and in-memory bound. */
  readonly affinity?: AffinityOptions | undefined
  /** Seed of the router's random source (load balancing, jitter): same seed, same decisions. */
  readonly seed?: string | number | undefined
  /** A shared store (e.g. `RedisState.layer(…)` from `@switchyard/redis`); default: in memory. */
  readonly backend?: LiveStateBackend | undefined
}

export interface ResolvedLiveStateOptions {
  readonly stats: WindowOptions
  readonly health: ResolvedHealthOptions
  readonly capacity: ResolvedCapacityOptions
  readonly retryBudget: ResolvedRetryBudgetOptions
  readonly affinity: ResolvedAffinityOptions
}

/** The in-memory services of this replica and the options they were built with. */
export interface LocalLiveStateShape {
  readonly capacity: CapacityShape
  readonly health: HealthShape
  readonly stats: StatsShape
  readonly retryBudget: RetryBudgetShape
  readonly affinity: AffinityShape
  readonly options: ResolvedLiveStateOptions
}

/** What a store layer is given: the local in-memory services (its fallback) and the resolved options. */
export class LocalLiveState extends Context.Service<LocalLiveState, LocalLiveStateShape>()(
  "@switchyard/core/LocalLiveState",
) {}

/** A store: the live-state services built over `LocalLiveState`. */
export type LiveStateBackend = Layer.Layer<LiveStateServices, never, LocalLiveState>

/** The services of a store as one context, its `LiveState` composed from the other four. */
export const liveStateContext = (
  s: Pick<LocalLiveStateShape, "capacity" | "health" | "stats" | "retryBudget" | "affinity">,
  status?: () => StateStatus,
): Context.Context<LiveStateServices> =>
  Context.make(CapacityMeter, s.capacity).pipe(
    Context.add(Health, s.health),
    Context.add(Stats, s.stats),
    Context.add(RetryBudget, s.retryBudget),
    Context.add(Affinity, s.affinity),
    Context.add(LiveState, composeLiveState(s.capacity, s.health, s.stats, s.affinity, status)),
  )

/** The in-memory store: the local services themselves. */
export const memoryLiveState: LiveStateBackend = Layer.effectContext(Effect.map(LocalLiveState, liveStateContext))

/** The routing settings the live state is built with (the stats window; the affinity TTL when set). */
export type LiveStateRouting = Pick<RoutingDefaults, "statsWindowMs"> & {
  readonly affinity?: Pick<RoutingDefaults["affinity"], "ttlMs"> | undefined
}

/**
 * Options with every default filled in; the stats window defaults to `routing.statsWindowMs`, the
 * affinity TTL to `routing.affinity.ttlMs`.
 */
export const resolveLiveStateOptions = (
  routing: LiveStateRouting,
  options: LiveStateOptions = {},
): ResolvedLiveStateOptions => ({
  stats: resolveStatsOptions({ windowMs: routing.statsWindowMs, ...options.stats }),
  health: resolveHealthOptions(options.health),
  capacity: resolveCapacityOptions(options.capacity),
  retryBudget: resolveRetryBudgetOptions(options.retryBudget),
  affinity: resolveAffinityOptions({ ttlMs: routing.affinity?.ttlMs, ...options.affinity }),
})

/**
 * THE layer builder of the live state: options in → `CapacityMeter`, `Health`, `Stats`,
 * `RetryBudget`, `Affinity`, `LiveState` (and the seeded `Random` when `seed` is set) out, on the in-memory
 * store or on `options.backend`. The stats window follows `routing.statsWindowMs` unless
 * `options.stats.windowMs` overrides it.
 */
export const liveStateLayer = (
  routing: LiveStateRouting,
  options: LiveStateOptions = {},
): Layer.Layer<LiveStateServices> => {
  const resolved = resolveLiveStateOptions(routing, options)
  const local = Layer.sync(
    LocalLiveState,
    (): LocalLiveStateShape => ({
      capacity: makeMemoryCapacity(resolved.capacity),
      health: makeMemoryHealth(resolved.health),
      stats: makeMemoryStats(resolved.stats),
      retryBudget: makeMemoryRetryBudget(resolved.retryBudget),
      affinity: makeMemoryAffinity(resolved.affinity),
      options: resolved,
    }),
  )
  const services = (options.backend ?? memoryLiveState).pipe(Layer.provide(local))
  return options.seed === undefined ? services : Layer.merge(services, RandomSeeded(options.seed))
}
