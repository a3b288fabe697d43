import { randomUUID } from "node:crypto"

/** Options of `RedisState.layer` (the gateway config's `state.redis` section is a subset). */
export interface RedisStateOptions {
  /** `redis://[user:password@]host:port[/db]`, `rediss://…` or a unix socket path. */
  readonly url: string
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
  /** How long the layer waits for the first connection before starting degraded (default 2 000 ms). */
  readonly connectTimeoutMs?: number | undefined
  /** This replica's name in shared keys (default a random UUID). */
  readonly replicaId?: string | undefined
}

export interface ResolvedRedisOptions {
  readonly url: string
  readonly prefix: string
  readonly timeoutMs: number
  readonly onError: "open" | "closed"
  readonly reservationTtlMs: number
  readonly statsFlushMs: number
  readonly statsCacheMs: number
  readonly snapshotCacheMs: number
  readonly connectTimeoutMs: number
  readonly replicaId: string
}

export const resolveRedisOptions = (o: RedisStateOptions): ResolvedRedisOptions => ({
  url: o.url,
  prefix: o.prefix ?? "switchyard:",
  timeoutMs: o.timeoutMs ?? 50,
  onError: o.onError ?? "open",
  reservationTtlMs: o.reservationTtlMs ?? 300_000,
  statsFlushMs: o.statsFlushMs ?? 1_000,
  statsCacheMs: o.statsCacheMs ?? 1_000,
  snapshotCacheMs: o.snapshotCacheMs ?? 50,
  connectTimeoutMs: o.connectTimeoutMs ?? 2_000,
  replicaId: o.replicaId ?? randomUUID(),
})
