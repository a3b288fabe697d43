/**
 * The circuit breaker of one endpoint as a pure state machine: `step(config)(state, event, now)`.
 *
 * - **Closed**: requests flow. It opens on `failureThreshold` consecutive failures, or when, within
 *   the current ratio window (`ratioWindowMs`, tumbling), at least `minimumRequests` requests were
 *   judged and the failure share reached `failureRatio`.
 * - **Open** for `openMs × 2^(opens − 1)` (at most `maxOpenMs`), where `opens` counts the consecutive
 *   opens without a successful probe: a short blip costs a short open, a failure that lasts backs off
 *   exponentially. After that it behaves as half-open.
 * - **HalfOpen**: one probe at a time (`ProbeStarted`). The probe's success closes the breaker (and
 *   forgets the opens), its failure re-opens it for twice as long; an abandoned probe (cancelled,
 *   rate-limited) frees the slot, and a probe older than `probeTimeoutMs` is treated as abandoned.
 *
 * Rate-limited answers are not failures here (they are backpressure; Health turns them into a cooldown).
 */
export interface BreakerConfig {
  readonly failureThreshold: number
  readonly failureRatio: number
  readonly minimumRequests: number
  readonly ratioWindowMs: number
  /** How long the first open lasts; each further consecutive open doubles it. */
  readonly openMs: number
  /** The longest an open lasts, however many times it re-opened. */
  readonly maxOpenMs: number
  readonly probeTimeoutMs: number
}

export const defaultBreakerConfig: BreakerConfig = {
  failureThreshold: 5,
  failureRatio: 0.5,
  minimumRequests: 20,
  ratioWindowMs: 30_000,
  openMs: 2_000,
  maxOpenMs: 60_000,
  probeTimeoutMs: 60_000,
}

/** How long the `opens`-th consecutive open lasts: `openMs × 2^(opens − 1)`, at most `maxOpenMs`. */
export const openDurationMs = (config: BreakerConfig, opens: number): number =>
  Math.min(config.maxOpenMs, config.openMs * 2 ** Math.max(0, Math.min(opens - 1, 30)))

export type BreakerState =
  | {
      readonly _tag: "Closed"
      readonly consecutiveFailures: number
      readonly windowStart: number
      readonly successes: number
      readonly failures: number
    }
  | {
      readonly _tag: "Open"
      readonly openedAt: number
      readonly until: number
      /** Consecutive opens without a successful probe, this one included. */
      readonly opens: number
    }
  | { readonly _tag: "HalfOpen"; readonly probeSince: number | undefined; readonly opens: number }

export type BreakerEvent =
  | { readonly _tag: "Success" }
  | { readonly _tag: "Failure" }
  | { readonly _tag: "ProbeStarted" }
  | { readonly _tag: "ProbeAbandoned" }

export type BreakerStatus = "closed" | "open" | "half-open"

export const closed = (now: number): BreakerState => ({
  _tag: "Closed",
  consecutiveFailures: 0,
  windowStart: now,
  successes: 0,
  failures: 0,
})

const open = (config: BreakerConfig, now: number, opens: number): BreakerState => ({
  _tag: "Open",
  openedAt: now,
  until: now + openDurationMs(config, opens),
  opens,
})

const halfOpenIdle = (opens: number): BreakerState => ({ _tag: "HalfOpen", probeSince: undefined, opens })

/** The state as it stands at `now`: an expired Open is HalfOpen, a stale probe is dropped. */
export const settle = (config: BreakerConfig, state: BreakerState, now: number): BreakerState => {
  if (state._tag === "Open") return state.until <= now ? halfOpenIdle(state.opens) : state
  if (state._tag === "HalfOpen" && state.probeSince !== undefined && now - state.probeSince >= config.probeTimeoutMs)
    return halfOpenIdle(state.opens)
  return state
}

export const status = (config: BreakerConfig, state: BreakerState, now: number): BreakerStatus => {
  const s = settle(config, state, now)
  return s._tag === "Closed" ? "closed" : s._tag === "Open" ? "open" : "half-open"
}

export type BreakerAdmission =
  | { readonly _tag: "Allowed"; readonly probe: boolean }
  | { readonly _tag: "Blocked"; readonly untilMs: number | undefined }

// Shared: an admission is read-only, and one is asked for on every attempt.
const ALLOWED: BreakerAdmission = { _tag: "Allowed", probe: false }
const ALLOWED_PROBE: BreakerAdmission = { _tag: "Allowed", probe: true }

/** May a request start now? `probe`: it must be sent as the half-open probe (emit `ProbeStarted`). */
export const admission = (config: BreakerConfig, state: BreakerState, now: number): BreakerAdmission => {
  const s = settle(config, state, now)
  switch (s._tag) {
    case "Closed":
      return ALLOWED
    case "Open":
      return { _tag: "Blocked", untilMs: s.until }
    case "HalfOpen":
      return s.probeSince === undefined
        ? ALLOWED_PROBE
        : { _tag: "Blocked", untilMs: s.probeSince + config.probeTimeoutMs }
  }
}

export const step =
  (config: BreakerConfig) =>
  (state: BreakerState, event: BreakerEvent, now: number): BreakerState => {
    const s = settle(config, state, now)
    switch (s._tag) {
      case "Closed":
        return stepClosed(config, s, event, now)
      case "Open":
        // Late results of requests started before the breaker opened do not move it.
        return s
      case "HalfOpen":
        switch (event._tag) {
          case "Success":
            return closed(now)
          case "Failure":
            return open(config, now, s.opens + 1)
          case "ProbeStarted":
            return s.probeSince === undefined ? { _tag: "HalfOpen", probeSince: now, opens: s.opens } : s
          case "ProbeAbandoned":
            return halfOpenIdle(s.opens)
        }
    }
  }

const stepClosed = (
  config: BreakerConfig,
  s: Extract<BreakerState, { _tag: "Closed" }>,
  event: BreakerEvent,
  now: number,
): BreakerState => {
  if (event._tag !== "Success" && event._tag !== "Failure") return s
  const fresh = now - s.windowStart >= config.ratioWindowMs
  const windowStart = fresh ? now : s.windowStart
  const successes = (fresh ? 0 : s.successes) + (event._tag === "Success" ? 1 : 0)
  const failures = (fresh ? 0 : s.failures) + (event._tag === "Failure" ? 1 : 0)
  const consecutiveFailures = event._tag === "Failure" ? s.consecutiveFailures + 1 : 0
  const judged = successes + failures
  if (
    consecutiveFailures >= config.failureThreshold ||
    (judged >= config.minimumRequests && failures / judged >= config.failureRatio)
  )
    return open(config, now, 1)
  return { _tag: "Closed", consecutiveFailures, windowStart, successes, failures }
}
