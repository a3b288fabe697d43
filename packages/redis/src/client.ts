import { keepStringPrototypeFast } from "@switchyard/core"
import { Cluster, Redis } from "ioredis"
import type { ResolvedRedisOptions } from "./options.js"

/** Longest pause between two reconnection attempts, ms. */
export const MAX_RECONNECT_MS = 2_000

/** The commands the stores send: a single Redis and a Cluster have them alike (the Cluster routes each by its key). */
export type RedisCommands = Pick<Redis, "hmget" | "getex" | "set" | "hset" | "pexpire" | "hgetall" | "call" | "publish">

/**
 * The ioredis client of `options.server`: a `Redis` for one server, a `Cluster` for a Redis Cluster. The single
 * client writes each command at once (the stores send one `syBatch` per endpoint and turn, so there is little left
 * to pipeline, and Redis gets everything in issue order); the Cluster auto-pipelines (the commands of one tick bound
 * for one node go out as one write). Both never queue commands while disconnected and reconnect with backoff.
 * Nothing connects until `connect()`. Making one keeps `String.prototype` fast (`keepStringPrototypeFast`: ioredis
 * itself slows every string method call in the process).
 */
export const makeClient = (options: ResolvedRedisOptions): Redis | Cluster => {
  keepStringPrototypeFast()
  const reconnect = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), MAX_RECONNECT_MS)
  const connection = {
    // Callers bound their wait at timeoutMs themselves (see Shared); this only ends commands nobody waits for.
    commandTimeout: Math.max(1_000, options.timeoutMs * 10),
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(options.connectTimeoutMs, 100),
    connectionName: `switchyard:${options.replicaId}`,
  }
  const server = options.server
  if (server.kind === "single")
    return new Redis(server.url, {
      ...connection,
      enableOfflineQueue: false,
      // Not auto-pipelined: the stores batch themselves (one `syBatch` per endpoint and turn, see `Shared`), and
      // every command is written at once, so Redis gets them in issue order (see `Connection.scriptWith`).
      enableAutoPipelining: false,
      retryStrategy: reconnect,
      lazyConnect: true,
    })
  // The nodes discovered through CLUSTER SLOTS get the first node's credentials and TLS.
  const first = new URL(server.nodes[0]!)
  return new Cluster([...server.nodes], {
    // Cluster-level: fail fast while the cluster is not ready (each node's own queue only covers its lazy connect).
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    lazyConnect: true,
    clusterRetryStrategy: reconnect,
    scaleReads: "master",
    slotsRefreshTimeout: Math.max(options.connectTimeoutMs, 100),
    redisOptions: {
      ...connection,
      ...(first.username !== "" && { username: decodeURIComponent(first.username) }),
      ...(first.password !== "" && { password: decodeURIComponent(first.password) }),
      ...(first.protocol === "rediss:" && { tls: {} }),
    },
  })
}
