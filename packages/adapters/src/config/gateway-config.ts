import {
  type BreakerConfig,
  type Catalog,
  ConfigInvalid,
  configStruct,
  decodeCatalog,
  Priority,
  ProviderPreferences,
  toConfigInvalid,
} from "@switchyard/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { GatewayKey } from "../auth/key-ring.js"
import { MAX_JSON_DEPTH_LIMIT } from "../handler/json-depth.js"
import { type LoggingConfig, LoggingSection, resolveLogging } from "../logging/config.js"
import type { NodeServerLimits } from "../node/server.js"
import { resolveTracing, type TracingConfig, TracingSection } from "../tracing/config.js"
import { configuredSecrets } from "./secrets.js"

/** A secret given inline or read from an environment variable: `"sk-…"` or `{ "env": "NAME" }`. */
export const SecretRef = Schema.Union([Schema.NonEmptyString, Schema.Struct({ env: Schema.NonEmptyString })])
export type SecretRef = typeof SecretRef.Type

/** One gateway key with the routing defaults its requests get (request fields win). */
export const GatewayKeyConfig = configStruct({
  name: Schema.NonEmptyString,
  key: SecretRef,
  priority: Schema.optionalKey(Priority),
  escalation: Schema.optionalKey(Schema.Literals(["allow", "deny"])),
  provider: Schema.optionalKey(ProviderPreferences),
})
export type GatewayKeyConfig = typeof GatewayKeyConfig.Type

/**
 * `gateway.capture`: record the shape of routed requests (sizes, timing, outcome — never text, never
 * keys) as JSONL, for `pnpm simulate <scenario> --trace <file>`. Read at start.
 */
export const CaptureSection = configStruct({
  /** The file (relative paths: from the gateway's working directory). Rotated files get `.1`, `.2`, … */
  path: Schema.NonEmptyString,
  /** Share of routed requests recorded, 0..1 (default 1). */
  sample: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  /** Rotate when the file would pass this many bytes (default 100 MiB, at least 1 KiB). */
  maxBytes: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1024))),
  /** Rotated files kept (default 5, 1..100). */
  files: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }))),
})
export type CaptureSection = typeof CaptureSection.Type
const Ms = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 3_600_000 }))

/** An admin key: opens `/metrics`, `/v1/models/{id}/endpoints` and `/dashboard` (not chat). */
export const AdminKeyConfig = configStruct({ name: Schema.NonEmptyString, key: SecretRef })
export type AdminKeyConfig = typeof AdminKeyConfig.Type

/** The `gateway` section of the gateway's config file (the rest of the file is the catalog). */
export const GatewaySection = configStruct({
  keys: Schema.optionalKey(Schema.Array(GatewayKeyConfig)),
  /** When set, only these keys open `/metrics`, `/v1/models/{id}/endpoints` and `/dashboard`. */
  adminKeys: Schema.optionalKey(Schema.Array(AdminKeyConfig)),
  /** Largest request body in bytes (default 4 MiB). Read at start; a reload does not change it. */
  maxBodyBytes: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /** Deepest object/array nesting of a request body (default 512, at most 1,000). Read at start. */
  maxJsonDepth: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 2, maximum: MAX_JSON_DEPTH_LIMIT }))),
  /** `access-control-allow-origin` (default `*`). Read at start. */
  corsOrigin: Schema.optionalKey(Schema.NonEmptyString),
  capture: Schema.optionalKey(CaptureSection),
  // The Node server's limits (`NodeServerLimits`, defaults in `DEFAULT_NODE_SERVER_LIMITS`). Read at start.
  /** Longest time to receive a request's headers (default 10 s): 408. */
  headersTimeoutMs: Schema.optionalKey(Ms),
  /** Longest time to receive a whole request, headers and body (default 30 s): 408. */
  receiveTimeoutMs: Schema.optionalKey(Ms),
  /** Idle keep-alive of client connections (default 65 s). */
  keepAliveTimeoutMs: Schema.optionalKey(Ms),
  /** Concurrent client connections per process (default 4,096). */
  maxConnections: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /** How long SIGTERM waits for in-flight requests and streams before ending them in-band (default 30 s). */
  shutdownGraceMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  /** The circuit breaker of every endpoint (`BreakerConfig`, defaults in `defaultBreakerConfig`). Read at start. */
  breaker: Schema.optionalKey(
    configStruct({
      failureThreshold: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
      failureRatio: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
      minimumRequests: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
      ratioWindowMs: Schema.optionalKey(Ms),
      openMs: Schema.optionalKey(Ms),
      maxOpenMs: Schema.optionalKey(Ms),
      probeTimeoutMs: Schema.optionalKey(Ms),
    }),
  ),
})
export type GatewaySection = typeof GatewaySection.Type

/**
 * `state.redis`: share the live state (capacity, health, stats, retry budget) of every replica
 * through one Redis. Read at start; a reload does not change it.
 */
/** At most this many `state.redis.cluster.nodes` (the rest of a bigger cluster is discovered). */
export const MAX_REDIS_CLUSTER_NODES = 64

/** `state.redis.cluster`: a Redis Cluster instead of one Redis. */
export const RedisClusterSection = configStruct({
  /**
   * `redis://[user:password@]host:port` or `rediss://…` of one or more of its nodes, each inline or
   * `{ "env": … }`; the others are discovered. The first node's user and password (and TLS) are used for all.
   */
  nodes: Schema.Array(SecretRef).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_REDIS_CLUSTER_NODES)),
})

export const RedisStateSection = configStruct({
  /**
   * One Redis: `redis://[user:password@]host:port[/db]`, `rediss://…` (TLS) or a unix socket path; inline or
   * `{ "env": … }`. Exactly one of `url` and `cluster`.
   */
  url: Schema.optionalKey(SecretRef),
  /** A Redis Cluster: `{ "nodes": [url, …] }`. Exactly one of `url` and `cluster`. */
  cluster: Schema.optionalKey(RedisClusterSection),
  /** Key prefix (default `switchyard:`), so several fleets can share one Redis. */
  prefix: Schema.optionalKey(Schema.NonEmptyString),
  /** How long a Redis call may take before the replica answers from its local state (default 50 ms). */
  timeoutMs: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 60_000 }))),
  /** Redis slow or down: `open` (default) routes on local state; `closed` answers 503. */
  onError: Schema.optionalKey(Schema.Literals(["open", "closed"])),
  /** A reservation not settled by then (its replica died mid-request) is dropped (default 300 000 ms). */
  reservationTtlMs: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 100, maximum: 86_400_000 }))),
  /**
   * How long an admission lease lasts (default 100 ms; 0: every admission is decided by Redis): a replica admits
   * from up to `leaseShare` of a healthy, at most half-full endpoint's limits without a round trip.
   */
  leaseMs: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 10_000 }))),
  /** The most of each of an endpoint's limits one lease takes (default 0.01; at most 0.1). */
  leaseShare: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 0.1 }))),
  /**
   * How long bookkeeping alone (settles, releases, Health records that are not news) may wait to be sent with
   * whatever else is queued (default 20 ms; 0: at the end of its event-loop turn).
   */
  bookkeepingMs: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 1_000 }))),
})
export type RedisStateSection = typeof RedisStateSection.Type

/** The `state` section: where live state lives (default: each process in memory). */
export const StateSection = configStruct({ redis: Schema.optionalKey(RedisStateSection) })

/** The `state` section with secrets resolved: what a store's `fromConfig` receives. */
export interface StateConfig {
  readonly redis?: Omit<RedisStateSection, "url" | "cluster"> &
    ({ readonly url: string } | { readonly cluster: { readonly nodes: ReadonlyArray<string> } })
}

/** The whole file: the catalog's sections (decoded by core) and the gateway's; any other top-level key is a typo. */
const GatewayPart = configStruct({
  providers: Schema.Unknown,
  models: Schema.Unknown,
  routing: Schema.optionalKey(Schema.Unknown),
  gateway: Schema.optionalKey(GatewaySection),
  state: Schema.optionalKey(StateSection),
  logging: Schema.optionalKey(LoggingSection),
  tracing: Schema.optionalKey(TracingSection),
})
const decodeGatewayPart = Schema.decodeUnknownResult(GatewayPart)

export interface GatewayConfig {
  readonly catalog: Catalog
  readonly keys: ReadonlyArray<GatewayKey>
  readonly adminKeys: ReadonlyArray<GatewayKey>
  readonly logging: LoggingConfig
  /** Undefined: tracing off (no `tracing.endpoint`, no `OTEL_EXPORTER_OTLP_*ENDPOINT`). */
  readonly tracing: TracingConfig | undefined
  readonly maxBodyBytes: number | undefined
  readonly maxJsonDepth: number | undefined
  readonly corsOrigin: string | undefined
  /** Undefined: no capture file. */
  readonly capture: CaptureSection | undefined
  /** What the gateway masks in upstream text: provider secrets and hosts, gateway keys (`configuredSecrets`). */
  readonly secrets: ReadonlyArray<string>
  /** Undefined: live state in memory. */
  readonly state: StateConfig | undefined
  /** For `createNodeServer(gateway, config.server)`: what the Node server bounds (unset: its defaults). */
  readonly server: NodeServerLimits
  /** `gateway.breaker`: the circuit breaker's settings (unset: `defaultBreakerConfig`). */
  readonly breaker: Partial<BreakerConfig> | undefined
}

type Env = Readonly<Record<string, string | undefined>>

const invalid = (path: string, message: string) =>
  new ConfigInvalid({ message: `Invalid gateway config: ${path}: ${message}`, path, issues: [`${path}: ${message}`] })

const resolveSecret = (ref: SecretRef, path: string, env: Env): Result.Result<string, ConfigInvalid> => {
  if (typeof ref === "string") return Result.succeed(ref)
  const value = env[ref.env]
  return value === undefined || value === ""
    ? Result.fail(invalid(path, `environment variable ${ref.env} is not set`))
    : Result.succeed(value)
}

const REDIS_URL = /^(rediss?:\/\/|\/)/
/** A cluster node: TCP only (ioredis's Cluster connects to host:port). */
const REDIS_NODE_URL = /^rediss?:\/\/[^/]/

const resolveState = (section: typeof StateSection.Type, env: Env): Result.Result<StateConfig, ConfigInvalid> => {
  const redis = section.redis
  if (redis === undefined) return Result.succeed({})
  const { url: urlRef, cluster, ...tuning } = redis
  if (urlRef !== undefined && cluster !== undefined)
    return Result.fail(invalid("state.redis.cluster", "give url (one Redis) or cluster (a Redis Cluster), not both"))
  if (cluster !== undefined) {
    const nodes: Array<string> = []
    for (const [i, ref] of cluster.nodes.entries()) {
      const path = `state.redis.cluster.nodes.${i}`
      const node = resolveSecret(ref, path, env)
      if (Result.isFailure(node)) return Result.fail(node.failure)
      if (!REDIS_NODE_URL.test(node.success))
        return Result.fail(invalid(path, "expected redis://host:port or rediss://host:port"))
      nodes.push(node.success)
    }
    return Result.succeed({ redis: { ...tuning, cluster: { nodes } } })
  }
  if (urlRef === undefined)
    return Result.fail(invalid("state.redis.url", "give url (one Redis) or cluster.nodes (a Redis Cluster)"))
  const url = resolveSecret(urlRef, "state.redis.url", env)
  if (Result.isFailure(url)) return Result.fail(url.failure)
  if (!REDIS_URL.test(url.success))
    return Result.fail(
      invalid("state.redis.url", "expected redis://host:port, rediss://host:port or a unix socket path"),
    )
  return Result.succeed({ redis: { ...tuning, url: url.success } })
}

/** Every Redis URL of a resolved state section (their hosts and passwords are masked like provider secrets). */
const stateUrls = (state: StateConfig | undefined): ReadonlyArray<string> => {
  const redis = state?.redis
  if (redis === undefined) return []
  return "url" in redis ? [redis.url] : redis.cluster.nodes
}

const resolveKey = (k: GatewayKeyConfig, i: number, env: Env): Result.Result<GatewayKey, ConfigInvalid> => {
  const key = resolveSecret(k.key, `gateway.keys.${i}.key`, env)
  if (Result.isFailure(key)) return Result.fail(key.failure)
  const defaults = {
    ...(k.priority !== undefined ? { priority: k.priority } : {}),
    ...(k.escalation !== undefined ? { escalation: k.escalation } : {}),
    ...(k.provider !== undefined ? { provider: k.provider } : {}),
  }
  return Result.succeed({
    name: k.name,
    key: key.success,
    defaults: Object.keys(defaults).length > 0 ? defaults : undefined,
  })
}

/**
 * `SWITCHYARD_KEYS=key1,key2` (or another variable, e.g. `SWITCHYARD_ADMIN_KEYS`): extra keys with no
 * defaults, named `SWITCHYARD_KEYS[0]`, …
 */
export const keysFromEnv = (env: Env, variable = "SWITCHYARD_KEYS"): ReadonlyArray<GatewayKey> =>
  (env[variable] ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k !== "")
    .map((key, i) => ({ name: `${variable}[${i}]`, key }))

/**
 * Decode and validate a whole gateway config (catalog + `gateway` and `state` sections) from parsed JSON. Keys come
 * from `gateway.keys` (inline or `{ "env": … }`) plus `SWITCHYARD_KEYS`.
 */
export const decodeGatewayConfig = (json: unknown, env: Env): Result.Result<GatewayConfig, ConfigInvalid> => {
  const catalog = decodeCatalog(json)
  if (Result.isFailure(catalog)) return Result.fail(catalog.failure)
  const part = decodeGatewayPart(json, { errors: "all" })
  if (Result.isFailure(part)) return Result.fail(toConfigInvalid("gateway config", part.failure))
  const section = part.success.gateway
  const keys: Array<GatewayKey> = []
  for (const [i, k] of (section?.keys ?? []).entries()) {
    const resolved = resolveKey(k, i, env)
    if (Result.isFailure(resolved)) return Result.fail(resolved.failure)
    keys.push(resolved.success)
  }
  keys.push(...keysFromEnv(env))
  const adminKeys: Array<GatewayKey> = []
  for (const [i, k] of (section?.adminKeys ?? []).entries()) {
    const secret = resolveSecret(k.key, `gateway.adminKeys.${i}.key`, env)
    if (Result.isFailure(secret)) return Result.fail(secret.failure)
    adminKeys.push({ name: k.name, key: secret.success })
  }
  adminKeys.push(...keysFromEnv(env, "SWITCHYARD_ADMIN_KEYS"))
  const logging = resolveLogging(part.success.logging, env)
  if (Result.isFailure(logging)) return Result.fail(logging.failure)
  const tracing = resolveTracing(part.success.tracing, env)
  if (Result.isFailure(tracing)) return Result.fail(tracing.failure)
  const stateSection = part.success.state
  const state = stateSection === undefined ? undefined : resolveState(stateSection, env)
  if (state !== undefined && Result.isFailure(state)) return Result.fail(state.failure)
  return Result.succeed({
    catalog: catalog.success,
    keys,
    adminKeys,
    logging: logging.success,
    tracing: tracing.success,
    maxBodyBytes: section?.maxBodyBytes,
    maxJsonDepth: section?.maxJsonDepth,
    corsOrigin: section?.corsOrigin,
    capture: section?.capture,
    secrets: configuredSecrets(catalog.success.config.providers, keys, env, stateUrls(state?.success)),
    state: state?.success,
    server: {
      headersTimeoutMs: section?.headersTimeoutMs,
      receiveTimeoutMs: section?.receiveTimeoutMs,
      keepAliveTimeoutMs: section?.keepAliveTimeoutMs,
      maxConnections: section?.maxConnections,
      shutdownGraceMs: section?.shutdownGraceMs,
    },
    breaker: section?.breaker,
  })
}

/** Parse the text of a config file, then decode it. */
export const parseGatewayConfig = (text: string, env: Env): Result.Result<GatewayConfig, ConfigInvalid> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Result.fail(
      new ConfigInvalid({
        message: `Invalid gateway config: not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
        path: null,
        issues: [],
      }),
    )
  }
  return decodeGatewayConfig(json, env)
}
