import { randomUUID } from "node:crypto"

/** A Redis Cluster to keep the state on. */
export interface RedisClusterOptions {
  /**
   * `redis://[user:password@]host:port` or `rediss://…` (TLS) of one or more of its nodes; the others are
   * discovered (`CLUSTER SLOTS`). The first node's user and password (and TLS) are used for every node.
   */
  readonly nodes: ReadonlyArray<string>
}

/** Where the state lives: one Redis (`url`) or a Redis Cluster (`cluster`), exactly one of them. */
export type RedisServerOptions =
  | {
      /** `redis://[user:password@]host:port[/db]`, `rediss://…` or a unix socket path. */
      readonly url: string
      readonly cluster?: undefined
    }
  | { readonly cluster: RedisClusterOptions; readonly url?: undefined }

/** Options of `RedisState.layer` (the gateway config's `state.redis` section is a subset). */
export type RedisStateOptions = RedisServerOptions & RedisTuning

export interface RedisTuning {
  /** Prefix of every key (default `switchyard:`): several fleets can share one Redis. */
  readonly prefix?: string | undefined
  /** A Redis call that takes longer fails over to local state (default 50 ms). */
  readonly timeoutMs?: number | undefined
  /** Redis slow or down: `open` (default) routes on local state; `closed` answers 503 (`StateUnavailable`). */
  readonly onError?: "open" | "closed" | undefined
  /** A reservation not settled or released by then is dropped (default 300 000 ms: a replica died mid-request). */
  readonly reservationTtlMs?: number | undefined
  /** How often this replica publishes its stats slices (default 1 000 ms). */
  readonly statsFlushMs?: number | undefined
  /** How long merged fleet-wide stats are cached before they are read again (default 1 000 ms). */
  readonly statsCacheMs?: number | undefined
  /**
   * How long the endpoint state hashes a request's plan was made from are reused by the next plans (default
   * 50 ms; 0: every request reads them). Admission is always decided by Redis, on the current state; see the
   * README's staleness bound.
   */
  readonly snapshotCacheMs?: number | undefined
  /**
   * How long an admission lease lasts (default 100 ms; 0: every admission is decided by Redis). A replica whose
   * admission Redis granted on a healthy endpoint with its bucket at most half full is also given up to `leaseShare`
   * of the endpoint's limits, charged at once, and admits the next requests from it on its own until it runs out,
   * expires, or any replica reports news on the endpoint (a cooldown, a failure, a 429); see the README's "Leases".
   * One Redis only: on a Redis Cluster every admission is decided by Redis.
   */
  readonly leaseMs?: number | undefined
  /** The most of each of an endpoint's limits one lease takes (default 0.01: 1%). */
  readonly leaseShare?: number | undefined
  /**
   * Bookkeeping alone (settles, releases, Health records that are not news, lease rests) is sent at most this long
   * after it was queued, with whatever else queued meanwhile (default 20 ms; 0: at the end of its event-loop turn).
   * Decisions and news go at once, the bookkeeping queued before them first.
   */
  readonly bookkeepingMs?: number | undefined
  /** How long the layer waits for the first connection before starting degraded (default 2 000 ms). */
  readonly connectTimeoutMs?: number | undefined
  /**
   * This replica's name in shared keys (default a random UUID). Unique per replica: its reservations field and its
   * news are keyed by it, and a replica skips the news published under its own name.
   */
  readonly replicaId?: string | undefined
}

export interface ResolvedRedisOptions {
  readonly server:
    | { readonly kind: "single"; readonly url: string }
    | { readonly kind: "cluster"; readonly nodes: ReadonlyArray<string> }
  readonly prefix: string
  readonly timeoutMs: number
  readonly onError: "open" | "closed"
  readonly reservationTtlMs: number
  readonly statsFlushMs: number
  readonly statsCacheMs: number
  readonly snapshotCacheMs: number
  readonly leaseMs: number
  readonly leaseShare: number
  readonly bookkeepingMs: number
  readonly connectTimeoutMs: number
  readonly replicaId: string
}

/** At most this many cluster nodes may be listed (the rest of a bigger cluster is discovered). */
export const MAX_CLUSTER_NODES = 64

const serverOf = (o: RedisServerOptions): ResolvedRedisOptions["server"] => {
  if (o.url !== undefined && o.cluster !== undefined)
    throw new Error("RedisState: give either url (one Redis) or cluster.nodes (a Redis Cluster), not both")
  if (o.url !== undefined) return { kind: "single", url: o.url }
  const nodes = o.cluster?.nodes
  if (nodes === undefined || nodes.length === 0 || nodes.length > MAX_CLUSTER_NODES)
    throw new Error(
      `RedisState: give url (one Redis) or cluster.nodes (1 to ${MAX_CLUSTER_NODES} redis:// or rediss:// node URLs)`,
    )
  for (const node of nodes)
    if (!/^rediss?:\/\/[^/]/.test(node))
      throw new Error("RedisState: every cluster node is a redis://host:port or rediss://host:port URL")
  return { kind: "cluster", nodes }
}

/** Throws on options that name no server, or both kinds. */
export const resolveRedisOptions = (o: RedisStateOptions): ResolvedRedisOptions => ({
  server: serverOf(o),
  prefix: o.prefix ?? "switchyard:",
  timeoutMs: o.timeoutMs ?? 50,
  onError: o.onError ?? "open",
  reservationTtlMs: o.reservationTtlMs ?? 300_000,
  statsFlushMs: o.statsFlushMs ?? 1_000,
  statsCacheMs: o.statsCacheMs ?? 1_000,
  snapshotCacheMs: o.snapshotCacheMs ?? 50,
  leaseMs: o.leaseMs ?? 100,
  leaseShare: leaseShareOf(o.leaseShare),
  bookkeepingMs: o.bookkeepingMs ?? 20,
  connectTimeoutMs: o.connectTimeoutMs ?? 2_000,
  replicaId: o.replicaId ?? randomUUID(),
})

/** The most a lease may take: a larger share would hold more of the limit than the fleet can spare. */
export const MAX_LEASE_SHARE = 0.1

const leaseShareOf = (share: number | undefined): number => {
  if (share === undefined) return 0.01
  if (!(share >= 0 && share <= MAX_LEASE_SHARE))
    throw new Error(`RedisState: leaseShare is a share of the limit between 0 and ${MAX_LEASE_SHARE}`)
  return share
}
