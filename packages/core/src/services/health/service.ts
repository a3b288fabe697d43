import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { atNow, eachAt, eachAtNow } from "../now.js"
import { withTwin } from "../twin.js"
import {
  admission,
  type BreakerConfig,
  type BreakerEvent,
  type BreakerState,
  type BreakerStatus,
  closed,
  defaultBreakerConfig,
  status,
  step,
} from "./breaker.js"

/** What one finished (or abandoned) request tells Health about its endpoint. */
export type HealthReport =
  /** The endpoint answered (including client errors such as 400: the endpoint is up). */
  | { readonly _tag: "Success" }
  /** Server error, timeout, transport failure, bad response, auth/model misconfiguration. A retry-after (503) also starts a cooldown. */
  | { readonly _tag: "Failure"; readonly retryAfterMs?: number | undefined }
  /** 429: a cooldown until retry-after (or a default); not a breaker failure. `quota`: sticky quota exhaustion. */
  | { readonly _tag: "RateLimited"; readonly retryAfterMs?: number | undefined; readonly quota?: boolean | undefined }
  /** Cancelled before an answer (client gone, hedge lost, deadline): no verdict. */
  | { readonly _tag: "Abandoned" }

export type HealthPermit =
  | { readonly _tag: "Allowed"; readonly probe: boolean }
  | { readonly _tag: "Blocked"; readonly reason: "cooldown" | "breaker_open"; readonly untilMs: number | undefined }

export interface HealthView {
  readonly breaker: BreakerStatus
  /** Epoch ms the cooldown ends, when one is in force. */
  readonly cooldownUntil: number | undefined
}

/**
 * Health: per endpoint, a cooldown after a 429 (until retry-after) and a circuit breaker (pure state
 * machine in `breaker.ts`). `acquire` is the atomic check-and-take before an attempt (it claims the
 * single half-open probe); `record` reports the result, passing back whether the permit was the probe.
 * Every operation runs at `now` from `Clock`, or at the optional trailing `now` the caller already read
 * from `Clock` (see `services/now.ts`).
 */
export interface HealthShape {
  readonly read: (endpointId: string, now?: number) => Effect.Effect<HealthView>
  /** `read` of each endpoint at one instant (one `Clock` read; a shared store can answer in one round trip). */
  readonly readMany: (endpointIds: ReadonlyArray<string>, now?: number) => Effect.Effect<ReadonlyArray<HealthView>>
  readonly acquire: (endpointId: string, now?: number) => Effect.Effect<HealthPermit>
  readonly record: (endpointId: string, report: HealthReport, probe: boolean, now?: number) => Effect.Effect<void>
}

export interface HealthOptions {
  readonly breaker?: Partial<BreakerConfig>
  /** Cooldown after a 429 without retry-after (default 1 000 ms). */
  readonly defaultCooldownMs?: number
  /** Cooldown after a sticky quota 429 without retry-after (default 60 000 ms). */
  readonly quotaCooldownMs?: number
  /**
   * An endpoint that answers 429 again as soon as its cooldown is over cools down for at least this long the
   * second time, twice as long each further time, until it serves a request (default 100 ms; see `nextCooldown`).
   */
  readonly rateLimitBackoffMs?: number
  /** The longest such an escalated cooldown lasts (default 30 000 ms; a longer retry-after still wins). */
  readonly maxRateLimitBackoffMs?: number
}

interface Entry {
  breaker: BreakerState
  cooldown: Cooldown
}

/**
 * An endpoint's cooldown: when it ends, and how many 429 cooldowns it started in a row — each after the
 * previous one was over — without serving a request in between.
 */
export interface Cooldown {
  readonly until: number
  readonly rateLimited: number
}

export const NO_COOLDOWN: Cooldown = { until: 0, rateLimited: 0 }

/** The view of an endpoint with nothing to report (shared: views are read-only). */
const HEALTHY: HealthView = { breaker: "closed", cooldownUntil: undefined }
const SUCCESS: BreakerEvent = { _tag: "Success" }
const FAILURE: BreakerEvent = { _tag: "Failure" }
const PROBE_STARTED: BreakerEvent = { _tag: "ProbeStarted" }
const PROBE_ABANDONED: BreakerEvent = { _tag: "ProbeAbandoned" }

export interface ResolvedHealthOptions {
  readonly breaker: BreakerConfig
  readonly defaultCooldownMs: number
  readonly quotaCooldownMs: number
  readonly rateLimitBackoffMs: number
  readonly maxRateLimitBackoffMs: number
}

export const resolveHealthOptions = (options: HealthOptions = {}): ResolvedHealthOptions => ({
  breaker: { ...defaultBreakerConfig, ...options.breaker },
  defaultCooldownMs: options.defaultCooldownMs ?? 1_000,
  quotaCooldownMs: options.quotaCooldownMs ?? 60_000,
  rateLimitBackoffMs: options.rateLimitBackoffMs ?? 100,
  maxRateLimitBackoffMs: options.maxRateLimitBackoffMs ?? 30_000,
})

/**
 * The cooldown the `nth` 429 cooldown in a row starts: its retry-after, else the quota or the default
 * cooldown — and from the second in a row at least `rateLimitBackoffMs × 2^(nth − 2)` (at most
 * `maxRateLimitBackoffMs`): an upstream that refuses every call, even one that says `retry-after-ms: 0`,
 * is tried less and less often instead of on every request.
 */
export const rateLimitCooldownMs = (
  o: ResolvedHealthOptions,
  report: Extract<HealthReport, { _tag: "RateLimited" }>,
  nth = 1,
): number => {
  const told = report.retryAfterMs ?? (report.quota === true ? o.quotaCooldownMs : o.defaultCooldownMs)
  if (nth < 2) return told
  return Math.max(told, Math.min(o.maxRateLimitBackoffMs, o.rateLimitBackoffMs * 2 ** Math.min(nth - 2, 30)))
}

/**
 * The cooldown after `report` at `now` (pure: the in-memory Health keeps it per endpoint, the Redis store
 * computes the end it shares the same way). A 429 after the cooldown was over starts the next cooldown in
 * the row; one that arrives during a cooldown (a request sent before it began) does not count again and
 * extends it only by its own retry-after. A request served ends the row; a 503's retry-after cools too.
 */
export const nextCooldown = (o: ResolvedHealthOptions, c: Cooldown, report: HealthReport, now: number): Cooldown => {
  switch (report._tag) {
    case "Success":
      return c.rateLimited === 0 ? c : { until: c.until, rateLimited: 0 }
    case "Failure":
      return report.retryAfterMs === undefined || now + report.retryAfterMs <= c.until
        ? c
        : { until: now + report.retryAfterMs, rateLimited: c.rateLimited }
    case "RateLimited": {
      // during a cooldown: a request sent before it began; only its own retry-after counts
      if (c.until > now) {
        const until = now + rateLimitCooldownMs(o, report)
        return until <= c.until && c.rateLimited > 0
          ? c
          : { until: Math.max(c.until, until), rateLimited: Math.max(1, c.rateLimited) }
      }
      const nth = c.rateLimited + 1
      return { until: now + rateLimitCooldownMs(o, report, nth), rateLimited: nth }
    }
    case "Abandoned":
      return c
  }
}

export const makeMemoryHealth = (options: HealthOptions = {}): HealthShape => {
  const resolved = resolveHealthOptions(options)
  const config = resolved.breaker
  const next = step(config)
  const entries = new Map<string, Entry>()
  const entry = (id: string, now: number): Entry => {
    let e = entries.get(id)
    if (e === undefined) {
      e = { breaker: closed(now), cooldown: NO_COOLDOWN }
      entries.set(id, e)
    }
    return e
  }
  const apply = (e: Entry, event: BreakerEvent, now: number) => {
    e.breaker = next(e.breaker, event, now)
  }
  const view = (id: string, now: number): HealthView => {
    const e = entries.get(id)
    if (e === undefined) return HEALTHY
    const breaker = status(config, e.breaker, now)
    const cooldownUntil = e.cooldown.until > now ? e.cooldown.until : undefined
    return breaker === "closed" && cooldownUntil === undefined ? HEALTHY : { breaker, cooldownUntil }
  }
  const acquire = (id: string, now: number): HealthPermit => {
    const e = entry(id, now)
    if (e.cooldown.until > now) return { _tag: "Blocked", reason: "cooldown", untilMs: e.cooldown.until }
    const a = admission(config, e.breaker, now)
    if (a._tag === "Blocked") return { _tag: "Blocked", reason: "breaker_open", untilMs: a.untilMs }
    if (a.probe) apply(e, PROBE_STARTED, now)
    return a
  }
  const record = (id: string, report: HealthReport, probe: boolean, now: number): void => {
    const e = entry(id, now)
    e.cooldown = nextCooldown(resolved, e.cooldown, report, now)
    switch (report._tag) {
      case "Success":
        apply(e, SUCCESS, now)
        return
      case "Failure":
        apply(e, FAILURE, now)
        return
      case "RateLimited":
        if (probe) apply(e, PROBE_ABANDONED, now)
        return
      case "Abandoned":
        if (probe) apply(e, PROBE_ABANDONED, now)
        return
    }
  }
  return withTwin<HealthShape, HealthTwin>(
    {
      read: (id, at) => atNow(at, (now) => view(id, now)),
      readMany: (ids, at) => eachAtNow(ids, at, view),
      acquire: (id, at) => atNow(at, (now) => acquire(id, now)),
      record: (id, report, probe, at) => atNow(at, (now) => record(id, report, probe, now)),
    },
    { readMany: (ids, now) => eachAt(ids, now, view), acquire, record },
  )
}

/** The in-memory Health's operations run synchronously by the request gates and the bookkeeping (`withTwin`; `composeLiveState`, `Books`). */
export interface HealthTwin {
  readonly readMany: (endpointIds: ReadonlyArray<string>, now: number) => ReadonlyArray<HealthView>
  readonly acquire: (endpointId: string, now: number) => HealthPermit
  readonly record: (endpointId: string, report: HealthReport, probe: boolean, now: number) => void
}

export class Health extends Context.Service<Health, HealthShape>()("@switchyard/core/Health") {
  static readonly layer: Layer.Layer<Health> = Layer.sync(Health, () => makeMemoryHealth())
  static readonly layerWith = (options: HealthOptions): Layer.Layer<Health> =>
    Layer.sync(Health, () => makeMemoryHealth(options))
}
