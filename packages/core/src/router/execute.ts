import * as Effect from "effect/Effect"
import type { Endpoint } from "../catalog/endpoint.js"
import type { ExcludedEndpoint } from "../errors.js"
import { NoEndpoint } from "../errors.js"
import { failureScope, isRetryable } from "../provider/errors.js"
import { type Restore, runAttempt } from "./attempt.js"
import type { AttemptOk, AttemptResult, Mode, QueuedAttempt, RequestContext } from "./context.js"
import type { RouteError } from "./errors.js"
import { allRateLimited, deadlineExceeded, earliestFree, noEndpoint, upstreamFailed } from "./exhaustion.js"
import { runHedged } from "./hedge.js"

/** Base of the backoff before re-trying a lone endpoint that gave no retry-after, ms (doubles per retry). */
const BACKOFF_BASE_MS = 100
/** Jitter added to a lone-endpoint sleep: up to +20%, never below the retry-after, capped at what the wait may take. */
const JITTER = 0.2

type Failure<A> = Exclude<AttemptResult<A>, { readonly _tag: "Ok" }>

/** Excluded only by live, temporary state (cooling down or out of capacity): it will come back. */
const temporarilyOut = (x: ExcludedEndpoint): boolean =>
  x.reasons.length > 0 && x.reasons.every((r) => r === "cooldown" || r === "capacity")

/** Excluded only by live state, an open breaker included: the request would use it if it were up. */
const liveOut = (x: ExcludedEndpoint): boolean =>
  x.reasons.length > 0 && x.reasons.every((r) => r === "cooldown" || r === "capacity" || r === "breaker_open")

/** Escalation reason of a refused standard attempt (`cooldown`, `breaker_open` or `capacity`). */
const refusalCause = (reason: Extract<AttemptResult<unknown>, { _tag: "Refused" }>["reason"]): string =>
  reason === "cooldown" || reason === "breaker_open" ? reason : "capacity"

/**
 * Runs a plan to the first success. Order of business, per attempt:
 * - the request deadline, then `maxAttempts` (upstream calls; refusals do not count), then the
 *   retry budget (every call after the first is a retry);
 * - the first attempt is hedged when hedging is on and its endpoint has a p90 TTFT;
 * - a retryable failure, or one of the endpoint's own set-up (401/403, 404), falls back to the next
 *   attempt immediately; a failure that is the request's as the model sees it (400, 413, 422, context
 *   length, content filter) skips the rest of that model and goes on with the next model in
 *   `models[]` (wire-facts §1: any error may trigger the next model) — `failureScope`;
 * - PT escalation (only when the request may escalate: escalation allowed, not `batch`; the plan
 *   holds PT in `plan.escalation` otherwise never used). The plan's held-back provisioned endpoints
 *   join the queue, once per request, with the reason in each PT attempt's trace:
 *   - at the start, in front, when the plan has no attempt left because every usable standard
 *     endpoint is out on live state (`cooldown:<id>`, `breaker_open:<id>`), or when every standard
 *     attempt is predicted over 100% (`predicted_full`);
 *   - after the remaining attempts of the same model (before model fallbacks), on the first standard
 *     attempt that fails retryably (`rate_limited:<id>`, `upstream_error:<id>`, `overloaded:<id>`,
 *     `timeout:<id>`, `transport:<id>`) or that is refused before the call
 *     (`cooldown:<id>`, `breaker_open:<id>`, `capacity:<id>`).
 *   PT attempts still pass the PT meter's admission (with the `critical` headroom). Standard
 *   endpoints excluded by the request's own constraints never trigger escalation: PT is a rescue
 *   from a live failure, not a route around `only`/`ignore`/data policies;
 * - when the queue is empty and the last attempt's endpoint asked for a short wait, the router sleeps
 *   (with capped jitter) and tries that endpoint again; it never sleeps while another endpoint, PT
 *   escalation included, is left. A wait for a rate-limited or full endpoint (its retry-after, a
 *   cooldown, the meter's refusal) must fit what is left of the request's `maxWaitMs`
 *   (`provider.max_wait_ms`, default `routing.maxWaitMs` = 0): by default a client whose every
 *   endpoint is rate-limited gets its 429 with `retry-after-ms` at once. A backoff after an error
 *   (no retry-after) must fit `maxRetrySleepMs`. The same `maxWaitMs` lets a request whose every
 *   admissible endpoint is cooling down or full at the start wait for the first to free up.
 * Exhaustion: every failure rate-limited or refused → `AllRateLimited` (retry-after = earliest moment
 * an admissible endpoint frees up); else `UpstreamFailed` with the last error that was not a rate
 * limit; requests too large for every admissible capacity → `NoEndpoint` (`capacity`).
 *
 * Run it inside `Effect.uninterruptibleMask` and pass `restore`: only upstream calls, sleeps and
 * hedge waits are interruptible, so the `Ok` it returns (holding a reservation, or an open upstream
 * stream) reaches the caller's continuation without an interruption gap. Call it as the request runs
 * (in the mask's function): it reads the request's Clock and takes its first step at once.
 */
export const execute = <A>(
  ctx: RequestContext,
  mode: Mode<A>,
  restore: Restore,
): Effect.Effect<AttemptOk<A>, RouteError> => new Execution(ctx, mode, restore).start()

type Step<A> = Effect.Effect<AttemptOk<A>, RouteError>

/** The state of one request's run through its plan (one object per request, no closures). */
class Execution<A> {
  private readonly queue: Array<QueuedAttempt>
  private readonly tried = new Set<string>()
  private readonly failures: Array<Failure<A>> = []
  private escalated = false
  private calls = 0
  private sleeps = 0
  /** Time slept so far waiting for rate-limited or full endpoints (bounded by `prepared.maxWaitMs`). */
  private waitedMs = 0

  constructor(
    private readonly ctx: RequestContext,
    private readonly mode: Mode<A>,
    private readonly restore: Restore,
  ) {
    const attempts = ctx.plan.attempts
    this.queue = new Array<QueuedAttempt>(attempts.length)
    for (let i = 0; i < attempts.length; i++) this.queue[i] = { planned: attempts[i]!, escalation: undefined }
  }

  private escalate(reason: string, front: boolean): void {
    const { plan, prepared, trace } = this.ctx
    if (this.escalated || !prepared.escalationAllowed || plan.escalation.length === 0) return
    this.escalated = true
    const items: Array<QueuedAttempt> = []
    for (const planned of plan.escalation)
      if (!this.tried.has(planned.endpoint.id)) items.push({ planned, escalation: reason })
    if (items.length === 0) return
    trace.step(`escalation (${reason}): ${items.map((i) => i.planned.endpoint.id).join(", ")}`)
    const queue = this.queue
    if (front) {
      queue.unshift(...items)
      return
    }
    for (const item of items) {
      let at = -1
      for (let i = 0; i < queue.length; i++)
        if (queue[i]!.planned.endpoint.model === item.planned.endpoint.model) at = i
      queue.splice(at + 1, 0, item)
    }
  }

  start(): Step<A> {
    const ctx = this.ctx
    const { plan } = ctx
    const queue = this.queue
    if (queue.length === 0) {
      const standardOut = plan.excluded.find(
        (x) => liveOut(x) && ctx.deployment.catalog.endpointsById.get(x.endpoint)?.pool === "standard",
      )
      if (standardOut !== undefined) this.escalate(`${standardOut.reasons[0]}:${standardOut.endpoint}`, true)
      if (queue.length === 0) {
        const out = plan.excluded.filter(temporarilyOut)
        if (out.length > 0) return this.waitForFree(endpointsOf(ctx, out))
        return noEndpoint(ctx)
      }
    } else {
      let standard = 0
      let full = 0
      for (const q of queue) {
        if (q.planned.endpoint.pool !== "standard") continue
        standard++
        if (predicted(ctx, q.planned.endpoint) > 1) full++
      }
      if (standard > 0 && full === standard) this.escalate("predicted_full", true)
    }
    return this.loop()
  }

  /**
   * Every admissible endpoint is cooling down or full: wait until the first frees up when that fits the
   * request's `maxWaitMs` and deadline, then try them; else 429 at once (origin `gateway`).
   */
  private waitForFree(endpoints: ReadonlyArray<Endpoint>): Step<A> {
    const { ctx, queue, restore } = this
    return Effect.clockWith((clock) => {
      const now = clock.currentTimeMillisUnsafe()
      return Effect.flatMap(earliestFree(ctx, endpoints, now), (waitMs) => {
        if (waitMs > ctx.prepared.maxWaitMs - this.waitedMs || now + waitMs >= ctx.deadlineAt)
          return allRateLimited(ctx, endpoints, "gateway")
        this.waitedMs += waitMs
        ctx.trace.step(`waiting ${waitMs} ms for ${endpoints.map((e) => e.id).join(", ")} to free up (max_wait_ms)`)
        return Effect.andThen(restore(Effect.sleep(waitMs)), () => {
          for (const endpoint of endpoints)
            queue.push({ planned: { endpoint, reasons: ["freed up after a wait"] }, escalation: undefined })
          return this.loop()
        })
      })
    })
  }

  /** The next turn, now (`loop` is only called as the turn runs: from `start` and from continuations). */
  private loop(): Step<A> {
    return this.step(this.ctx.clock.currentTimeMillisUnsafe())
  }

  /** One turn: the deadline and budgets, then the next attempt (or a short sleep before a lone retry). */
  private step(now: number): Step<A> {
    const { ctx, queue, restore } = this
    const { routing, trace } = ctx
    if (now >= ctx.deadlineAt) return deadlineExceeded(ctx)
    if (this.calls >= routing.maxAttempts) {
      trace.step(`stopped: maxAttempts (${routing.maxAttempts}) reached`)
      return exhausted(ctx, this.failures)
    }
    const next = queue.shift()
    if (next === undefined) {
      const again = loneRetry(ctx, this.failures, this.sleeps, this.waitedMs, now)
      if (again === undefined) return exhausted(ctx, this.failures)
      this.sleeps++
      if (again.rateLimited) this.waitedMs += again.delayMs
      trace.step(`retrying ${again.queued.planned.endpoint.id} in ${again.delayMs} ms (no other endpoint left)`)
      return Effect.andThen(restore(Effect.sleep(again.delayMs)), () => {
        queue.unshift(again.queued)
        return this.loop()
      })
    }
    if (this.calls === 0) return this.attempt(next, now)
    return Effect.flatMap(ctx.services.budget.tryAcquire("retry", routing.retryBudget, now), (allowed) => {
      if (allowed) return this.attempt(next, now)
      trace.step("stopped: retry budget exhausted")
      return exhausted(ctx, this.failures)
    })
  }

  /** Run `next` (hedged when it is the first call and hedging applies), then go on from its result. */
  private attempt(next: QueuedAttempt, now: number): Step<A> {
    const { ctx, queue, mode, restore } = this
    const { prepared, routing, trace } = ctx
    const retry = this.calls > 0
    this.tried.add(next.planned.endpoint.id)
    // The trace says `escalated` once a PT attempt actually runs, not when PT is merely queued.
    if (next.escalation !== undefined) trace.escalated = true
    const hedgeDelay = !retry && prepared.hedge && routing.maxAttempts >= 2 ? hedgeDelayOf(ctx, next) : undefined
    const second = hedgeDelay !== undefined ? queue[0] : undefined
    if (hedgeDelay !== undefined && second !== undefined) {
      const afterBoth = this.fallbackLeft(2)
      return Effect.flatMap(runHedged(ctx, next, second, hedgeDelay, mode, restore, afterBoth), (outcome) => {
        if (outcome.hedged) {
          queue.shift()
          this.tried.add(second.planned.endpoint.id)
          if (second.escalation !== undefined) trace.escalated = true
        }
        for (const result of outcome.results) {
          const end = this.take(result)
          if (end !== undefined) return end
        }
        return this.loop()
      })
    }
    const control = { lost: false, fallbackLeft: this.fallbackLeft(1) }
    return Effect.flatMap(runAttempt(ctx, next, mode, restore, control, false, now), (result) => {
      // A refusal never reached the upstream: it does not spend retry budget.
      if (retry && result._tag === "Refused")
        return Effect.andThen(ctx.services.budget.refund("retry", now), () => this.take(result) ?? this.loop())
      return this.take(result) ?? this.loop()
    })
  }

  /**
   * Could another call follow the `starting` calls about to start (already taken off the queue but the
   * one that is its head when 2)? An endpoint left in the queue, or PT escalation still to come, and
   * `maxAttempts` not reached.
   */
  private fallbackLeft(starting: 1 | 2): boolean {
    const { ctx } = this
    if (this.calls + starting >= ctx.routing.maxAttempts) return false
    if (this.queue.length >= starting) return true
    return !this.escalated && ctx.prepared.escalationAllowed && ctx.plan.escalation.length > 0
  }

  /** Account for one attempt's result: the end of the request, or undefined to go on. */
  private take(result: AttemptResult<A>): Step<A> | undefined {
    const { ctx, queue } = this
    if (result._tag === "Ok") return Effect.succeed(result)
    this.failures.push(result)
    if (result._tag === "Refused") {
      if (result.endpoint.pool === "standard")
        this.escalate(`${refusalCause(result.reason)}:${result.endpoint.id}`, false)
      return undefined
    }
    this.calls++
    if (result.deadlineHit) return deadlineExceeded(ctx)
    const error = result.error
    if (!isRetryable(error)) {
      // the endpoint's own set-up (its key, its model name): the next endpoint, no escalation, no retry of this one
      if (failureScope(error) === "endpoint") {
        ctx.trace.step(`${error._tag} on ${result.endpoint.id}: trying the next endpoint`)
        return undefined
      }
      // the model refused the request: its other endpoints would too; the next model in `models[]` may not
      const model = result.endpoint.model
      const before = queue.length
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.planned.endpoint.model === model) queue.splice(i, 1)
      ctx.trace.step(
        `${error._tag} on ${result.endpoint.id}: skipping ${before - queue.length} more endpoint(s) of ${model}`,
      )
      return undefined
    }
    // Any retryable failure of a standard endpoint (429, 5xx, overload, transport, timeout): PT
    // joins after the model's remaining standard endpoints, so the router never sleeps on a
    // failing endpoint while PT could serve.
    if (result.endpoint.pool === "standard") this.escalate(`${result.classified.outcome}:${result.endpoint.id}`, false)
    return undefined
  }
}

const predicted = (ctx: RequestContext, endpoint: Endpoint): number =>
  ctx.snapshot.endpoints.get(endpoint.id)?.predictedUtilization ?? 0

const hedgeDelayOf = (ctx: RequestContext, q: QueuedAttempt): number | undefined => {
  const p90 = ctx.snapshot.endpoints.get(q.planned.endpoint.id)?.latency?.p90
  return p90 === undefined ? undefined : p90 * 1000
}

const endpointsOf = (ctx: RequestContext, xs: ReadonlyArray<ExcludedEndpoint>): Array<Endpoint> => {
  const out: Array<Endpoint> = []
  for (const x of xs) {
    const e = ctx.deployment.catalog.endpointsById.get(x.endpoint)
    if (e !== undefined) out.push(e)
  }
  return out
}

interface LoneRetry {
  readonly queued: QueuedAttempt
  readonly delayMs: number
  /** A wait for a rate-limited or full endpoint (counts against `maxWaitMs`), not a backoff after an error. */
  readonly rateLimited: boolean
}

/**
 * Retry the last endpoint when nothing else is left and its wait is short (and fits the deadline); a
 * wait for a rate-limited or full endpoint must also fit what is left of the request's `maxWaitMs`.
 */
const loneRetry = <A>(
  ctx: RequestContext,
  failures: ReadonlyArray<Failure<A>>,
  sleeps: number,
  waitedMs: number,
  now: number,
): LoneRetry | undefined => {
  const last = failures[failures.length - 1]
  if (last === undefined || sleeps >= ctx.routing.maxAttempts - 1) return undefined
  let wait: number
  let rateLimited: boolean
  if (last._tag === "Refused") {
    if (last.reason === "too_large") return undefined
    wait = last.waitMs
    rateLimited = true
  } else {
    if (!isRetryable(last.error)) return undefined
    wait = last.classified.retryAfterMs ?? BACKOFF_BASE_MS * 2 ** sleeps
    rateLimited = last.classified.rateLimited
  }
  const cap = rateLimited ? ctx.prepared.maxWaitMs - waitedMs : ctx.routing.maxRetrySleepMs
  if (!(wait <= cap)) return undefined
  const delayMs = Math.max(Math.ceil(wait), Math.ceil(Math.min(cap, wait * (1 + JITTER * ctx.services.random()))))
  if (now + delayMs >= ctx.deadlineAt) return undefined
  return { queued: last.queued, delayMs, rateLimited }
}

const exhausted = <A>(ctx: RequestContext, failures: ReadonlyArray<Failure<A>>): Effect.Effect<never, RouteError> => {
  let lastHard: Extract<Failure<A>, { _tag: "Failed" }> | undefined
  let upstream429 = false
  let waitable = false
  const endpoints = new Set<Endpoint>()
  for (const f of failures) {
    endpoints.add(f.endpoint)
    if (f._tag === "Failed") {
      if (f.classified.rateLimited) upstream429 = true
      else lastHard = f
    } else if (f.reason !== "too_large") waitable = true
  }
  if (lastHard !== undefined) return upstreamFailed(ctx, lastHard.endpoint, lastHard.error)
  if (upstream429 || waitable) {
    for (const x of ctx.plan.excluded) {
      if (!temporarilyOut(x)) continue
      const e = ctx.deployment.catalog.endpointsById.get(x.endpoint)
      if (e !== undefined) endpoints.add(e)
    }
    return allRateLimited(ctx, endpoints, upstream429 ? "upstream" : "gateway")
  }
  if (failures.length === 0) return noEndpoint(ctx)
  const excluded: Array<ExcludedEndpoint> = [...endpoints].map((e) => ({
    endpoint: e.id,
    model: e.model,
    reasons: ["capacity"],
  }))
  return Effect.fail(
    new NoEndpoint({
      model: ctx.prepared.planRequest.models[0] ?? "",
      message: `The request is larger than the capacity of every admissible endpoint: ${excluded.map((x) => x.endpoint).join(", ")}`,
      excluded: [...excluded, ...ctx.plan.excluded],
    }),
  )
}
