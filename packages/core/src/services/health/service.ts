import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { atNow, eachAtNow } from "../now.js"
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
}

interface Entry {
  breaker: BreakerState
  cooldownUntil: number
}

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
}

export const resolveHealthOptions = (options: HealthOptions = {}): ResolvedHealthOptions => ({
  breaker: { ...defaultBreakerConfig, ...options.breaker },
  defaultCooldownMs: options.defaultCooldownMs ?? 1_000,
  quotaCooldownMs: options.quotaCooldownMs ?? 60_000,
})

/** The cooldown a 429 starts: its retry-after, else the quota or the default cooldown. */
export const rateLimitCooldownMs = (
  o: ResolvedHealthOptions,
  report: Extract<HealthReport, { _tag: "RateLimited" }>,
): number => report.retryAfterMs ?? (report.quota === true ? o.quotaCooldownMs : o.defaultCooldownMs)

export const makeMemoryHealth = (options: HealthOptions = {}): HealthShape => {
  const resolved = resolveHealthOptions(options)
  const config = resolved.breaker
  const next = step(config)
  const entries = new Map<string, Entry>()
  const entry = (id: string, now: number): Entry => {
    let e = entries.get(id)
    if (e === undefined) {
      e = { breaker: closed(now), cooldownUntil: 0 }
      entries.set(id, e)
    }
    return e
  }
  const cool = (e: Entry, until: number) => {
    if (until > e.cooldownUntil) e.cooldownUntil = until
  }
  const apply = (e: Entry, event: BreakerEvent, now: number) => {
    e.breaker = next(e.breaker, event, now)
  }
  const view = (id: string, now: number): HealthView => {
    const e = entries.get(id)
    if (e === undefined) return HEALTHY
    const breaker = status(config, e.breaker, now)
    const cooldownUntil = e.cooldownUntil > now ? e.cooldownUntil : undefined
    return breaker === "closed" && cooldownUntil === undefined ? HEALTHY : { breaker, cooldownUntil }
  }
  return {
    read: (id, at) => atNow(at, (now) => view(id, now)),
    readMany: (ids, at) => eachAtNow(ids, at, view),
    acquire: (id, at) =>
      atNow(at, (now): HealthPermit => {
        const e = entry(id, now)
        if (e.cooldownUntil > now) return { _tag: "Blocked", reason: "cooldown", untilMs: e.cooldownUntil }
        const a = admission(config, e.breaker, now)
        if (a._tag === "Blocked") return { _tag: "Blocked", reason: "breaker_open", untilMs: a.untilMs }
        if (a.probe) apply(e, PROBE_STARTED, now)
        return a
      }),
    record: (id, report, probe, at) =>
      atNow(at, (now) => {
        const e = entry(id, now)
        switch (report._tag) {
          case "Success":
            apply(e, SUCCESS, now)
            return
          case "Failure":
            if (report.retryAfterMs !== undefined) cool(e, now + report.retryAfterMs)
            apply(e, FAILURE, now)
            return
          case "RateLimited":
            cool(e, now + rateLimitCooldownMs(resolved, report))
            if (probe) apply(e, PROBE_ABANDONED, now)
            return
          case "Abandoned":
            if (probe) apply(e, PROBE_ABANDONED, now)
            return
        }
      }),
  }
}

export class Health extends Context.Service<Health, HealthShape>()("@switchyard/core/Health") {
  static readonly layer: Layer.Layer<Health> = Layer.sync(Health, () => makeMemoryHealth())
  static readonly layerWith = (options: HealthOptions): Layer.Layer<Health> =>
    Layer.sync(Health, () => makeMemoryHealth(options))
}
