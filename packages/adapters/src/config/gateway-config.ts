import {
  type Catalog,
  ConfigInvalid,
  decodeCatalog,
  Priority,
  ProviderPreferences,
  toConfigInvalid,
} from "@switchyard/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { GatewayKey } from "../auth/key-ring.js"
import { MAX_JSON_DEPTH_LIMIT } from "../handler/json-depth.js"
import { configuredSecrets } from "./secrets.js"

/** A secret given inline or read from an environment variable: `"sk-…"` or `{ "env": "NAME" }`. */
export const SecretRef = Schema.Union([Schema.NonEmptyString, Schema.Struct({ env: Schema.NonEmptyString })])
export type SecretRef = typeof SecretRef.Type

/** One gateway key with the routing defaults its requests get (request fields win). */
export const GatewayKeyConfig = Schema.Struct({
  name: Schema.NonEmptyString,
  key: SecretRef,
  priority: Schema.optionalKey(Priority),
  escalation: Schema.optionalKey(Schema.Literals(["allow", "deny"])),
  provider: Schema.optionalKey(ProviderPreferences),
})
export type GatewayKeyConfig = typeof GatewayKeyConfig.Type

/** The `gateway` section of the gateway's config file (the rest of the file is the catalog). */
export const GatewaySection = Schema.Struct({
  keys: Schema.optionalKey(Schema.Array(GatewayKeyConfig)),
  /** Largest request body in bytes (default 4 MiB). Read at start; a reload does not change it. */
  maxBodyBytes: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /** Deepest object/array nesting of a request body (default 512, at most 1,000). Read at start. */
  maxJsonDepth: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 2, maximum: MAX_JSON_DEPTH_LIMIT }))),
  /** `access-control-allow-origin` (default `*`). Read at start. */
  corsOrigin: Schema.optionalKey(Schema.NonEmptyString),
})
export type GatewaySection = typeof GatewaySection.Type

const GatewayPart = Schema.Struct({ gateway: Schema.optionalKey(GatewaySection) })
const decodeGatewayPart = Schema.decodeUnknownResult(GatewayPart)

export interface GatewayConfig {
  readonly catalog: Catalog
  readonly keys: ReadonlyArray<GatewayKey>
  readonly maxBodyBytes: number | undefined
  readonly maxJsonDepth: number | undefined
  readonly corsOrigin: string | undefined
  /** What the gateway masks in upstream text: provider secrets and hosts, gateway keys (`configuredSecrets`). */
  readonly secrets: ReadonlyArray<string>
}

type Env = Readonly<Record<string, string | undefined>>

const invalid = (path: string, message: string) =>
  new ConfigInvalid({ message: `Invalid gateway config: ${path}: ${message}`, path, issues: [`${path}: ${message}`] })

const resolveKey = (k: GatewayKeyConfig, i: number, env: Env): Result.Result<GatewayKey, ConfigInvalid> => {
  let key: string
  if (typeof k.key === "string") key = k.key
  else {
    const value = env[k.key.env]
    if (value === undefined || value === "")
      return Result.fail(invalid(`gateway.keys.${i}.key`, `environment variable ${k.key.env} is not set`))
    key = value
  }
  const defaults = {
    ...(k.priority !== undefined ? { priority: k.priority } : {}),
    ...(k.escalation !== undefined ? { escalation: k.escalation } : {}),
    ...(k.provider !== undefined ? { provider: k.provider } : {}),
  }
  return Result.succeed({ name: k.name, key, defaults: Object.keys(defaults).length > 0 ? defaults : undefined })
}

/** `SWITCHYARD_KEYS=key1,key2`: extra gateway keys with no defaults, named `SWITCHYARD_KEYS[0]`, … */
export const keysFromEnv = (env: Env): ReadonlyArray<GatewayKey> =>
  (env.SWITCHYARD_KEYS ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k !== "")
    .map((key, i) => ({ name: `SWITCHYARD_KEYS[${i}]`, key }))

/**
 * Decode and validate a whole gateway config (catalog + `gateway` section) from parsed JSON. Keys come
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
  return Result.succeed({
    catalog: catalog.success,
    keys,
    maxBodyBytes: section?.maxBodyBytes,
    maxJsonDepth: section?.maxJsonDepth,
    corsOrigin: section?.corsOrigin,
    secrets: configuredSecrets(catalog.success.config.providers, keys, env),
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
