import {
  Affinity,
  CapacityMeter,
  composeLiveState,
  Health,
  LiveState,
  type LiveStateBackend,
  LocalLiveState,
  RetryBudget,
  Stats,
} from "@switchyard/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { makeRedisAffinity } from "./affinity.js"
import { makeRedisCapacity } from "./capacity.js"
import { Connection } from "./connection.js"
import { breakerArgs, makeRedisHealth } from "./health.js"
import { makeKeys } from "./keys.js"
import { Leases } from "./lease.js"
import { makeRedisLiveState } from "./live-state.js"
import { NewsFeed } from "./news.js"
import { type RedisStateOptions, resolveRedisOptions } from "./options.js"
import { makeRedisRetryBudget } from "./retry-budget.js"
import { Shared } from "./shared.js"
import { STATE_FIELDS, type StateFields } from "./state.js"
import { makeRedisStats } from "./stats.js"

/** The gateway config's `state` section, secrets resolved (structurally `StateConfig` of `@switchyard/adapters`). */
export interface StateSectionConfig {
  readonly redis?: RedisStateOptions | undefined
}

/**
 * The live state on Redis, shared by every replica that points at the same Redis (or Redis Cluster) and
 * prefix: `RedisState.layer({ url })` or `RedisState.layer({ cluster: { nodes: [url, …] } })`. Give it
 * to the layer builder as `backend` (`createRouter({ …, backend: RedisState.layer({ url }) })`,
 * `makeGatewayRuntime(deployment, { backend })`), or let `gatewayFromConfig` build it from the config's
 * `state.redis` section with `makeState: RedisState.fromConfig`. The connection opens when the layer
 * is built (waiting up to `connectTimeoutMs`; a Redis that is not there yet leaves the store degraded
 * until it is) and closes with the runtime.
 */
export const RedisState = {
  /** Throws at once on options that name no server (`url` or `cluster.nodes`) or both. */
  layer: (options: RedisStateOptions): LiveStateBackend => {
    const o = resolveRedisOptions(options)
    return Layer.effectContext(
      Effect.gen(function* () {
        const local = yield* LocalLiveState
        const context = yield* Effect.context<never>()
        const conn = yield* Effect.acquireRelease(
          Effect.promise(() => {
            const c = new Connection(o, context)
            return c.start().then(() => c)
          }),
          (c) => Effect.promise(() => c.close()),
        )
        const keys = makeKeys(o.prefix)
        const resolved = local.options
        const shared = new Shared(conn, keys, breakerArgs(resolved.health.breaker))
        // leases need every replica's news at once: a subscription on one Redis (a cluster decides every admission)
        const feed =
          o.leaseMs > 0 && o.leaseShare > 0 && o.server.kind === "single"
            ? yield* Effect.acquireRelease(
                Effect.promise(() => {
                  const f = new NewsFeed(o, keys.news, context)
                  // a Redis that is not there yet was waited for already: the feed subscribes once it is
                  return f.start(conn.ok ? o.connectTimeoutMs : 0).then(() => f)
                }),
                (f) => Effect.promise(() => f.close()),
              )
            : undefined
        if (feed !== undefined) {
          shared.newsChannel = keys.news
          // a refused publish means no news feed, not a store failure
          shared.onPublishFailed = (error) => feed.publishFailed(error)
        }
        const leases = new Leases(shared, feed, o.leaseMs, o.leaseShare)
        // one endpoint's state hash (HMGET of every field)
        const state = (endpointId: string): Promise<StateFields> =>
          conn.redis.hmget(keys.state(endpointId), ...STATE_FIELDS)
        const capacity = makeRedisCapacity(
          conn,
          shared,
          keys,
          state,
          local.capacity,
          resolved.capacity.fallbackBlockMs,
          leases,
        )
        const health = makeRedisHealth(conn, shared, keys, state, local.health, resolved.health)
        const stats = makeRedisStats(conn, shared, keys, local.stats, resolved.stats)
        const retryBudget = makeRedisRetryBudget(conn, shared, keys, local.retryBudget, resolved.retryBudget)
        const affinity = makeRedisAffinity(conn, shared, keys, local.affinity, resolved.affinity)
        // Runs before the connection closes: the last stats slices, budget counts, lease rests and bookkeeping go out.
        yield* Effect.addFinalizer(() =>
          Effect.promise(() => {
            retryBudget.close()
            leases.endAll()
            shared.flush()
            return stats.close()
          }),
        )
        const live = makeRedisLiveState(
          conn,
          shared,
          keys,
          {
            stats,
            capacity,
            breaker: resolved.health.breaker,
            state,
            affinity: affinity.fetch,
            leases,
            feed,
          },
          composeLiveState(local.capacity, local.health, local.stats, local.affinity),
        )
        return Context.make(CapacityMeter, capacity as typeof capacity).pipe(
          Context.add(Health, health),
          Context.add(Stats, stats),
          Context.add(RetryBudget, retryBudget),
          Context.add(Affinity, affinity),
          Context.add(LiveState, live),
        )
      }),
    )
  },
  /** `makeState` for `gatewayFromConfig`: the `state.redis` section → this store. */
  fromConfig: (state: StateSectionConfig): LiveStateBackend => {
    if (state.redis === undefined) throw new Error("RedisState.fromConfig: the config has no state.redis section")
    return RedisState.layer(state.redis)
  },
}
