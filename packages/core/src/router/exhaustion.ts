import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Endpoint } from "../catalog/endpoint.js"
import { noEndpointError } from "../policy/no-endpoint.js"
import type { ProviderError } from "../provider/errors.js"
import { chargeOf, reserveOptions } from "./attempt.js"
import { httpStatusFor } from "./classify.js"
import type { RequestContext } from "./context.js"
import { AllRateLimited, DeadlineExceeded, type RouteError, UpstreamFailed } from "./errors.js"

/** Fallback retry-after when no endpoint gives a usable hint, ms. */
const DEFAULT_RETRY_AFTER_MS = 1_000

/**
 * Earliest moment (ms from now) any of `endpoints` could take this request again: the later of its
 * cooldown end (Health) and its capacity wait (CapacityMeter, with this request's charge and headroom).
 * Endpoints that never could (charge over the limit) are ignored. Defaults to 1 s. All read at `now`
 * (the Clock's reading for this step).
 */
export const earliestFree = (ctx: RequestContext, endpoints: Iterable<Endpoint>, now: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    let best = Number.POSITIVE_INFINITY
    for (const endpoint of endpoints) {
      const view = yield* ctx.services.health.read(endpoint.id, now)
      const cooldown = view.cooldownUntil === undefined ? 0 : view.cooldownUntil - now
      const capacity = yield* ctx.services.capacity.availableIn(
        endpoint,
        chargeOf(ctx, endpoint),
        reserveOptions(ctx, endpoint),
        now,
      )
      const wait = Math.max(cooldown, capacity)
      if (wait < best) best = wait
    }
    return Number.isFinite(best) && best > 0 ? Math.ceil(best) : DEFAULT_RETRY_AFTER_MS
  })

export const deadlineExceeded = (ctx: RequestContext): Effect.Effect<never, DeadlineExceeded> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.fail(
      new DeadlineExceeded({
        message: `The request deadline (${ctx.deadlineAt - ctx.startedAt} ms) passed after ${ctx.trace.attempts.length} attempt(s)`,
        trace: ctx.trace.finish(now),
      }),
    ),
  )

export const allRateLimited = (
  ctx: RequestContext,
  endpoints: Iterable<Endpoint>,
  origin: "upstream" | "gateway",
): Effect.Effect<never, AllRateLimited> =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const retryAfterMs = yield* earliestFree(ctx, endpoints, now)
    return yield* new AllRateLimited({
      message:
        origin === "upstream"
          ? `Every available endpoint for ${ctx.prepared.planRequest.models.join(", ")} is rate limited; retry after ${retryAfterMs} ms`
          : `No capacity for ${ctx.prepared.planRequest.models.join(", ")} right now; retry after ${retryAfterMs} ms`,
      retryAfterMs,
      origin,
      trace: ctx.trace.finish(now),
    })
  })

export const upstreamFailed = (
  ctx: RequestContext,
  endpoint: Endpoint,
  error: ProviderError,
): Effect.Effect<never, UpstreamFailed> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.fail(
      new UpstreamFailed({
        message: `${endpoint.slug}: ${error.message}`,
        upstreamMessage: error.message,
        provider: endpoint.slug,
        endpoint: endpoint.id,
        error: error._tag,
        upstreamStatus: error.status,
        httpStatus: httpStatusFor(error),
        param: error._tag === "BadRequest" ? error.param : undefined,
        upstream: "upstream" in error ? error.upstream : undefined,
        upstreamRequestId: error.requestId,
        code: error._tag === "TransportError" && error.kind === "connect" ? "provider_unreachable" : undefined,
        trace: ctx.trace.finish(now),
      }),
    ),
  )

/**
 * The plan had nothing to try: the policy's NoEndpoint. Provisioned endpoints held back for an
 * escalation that did not apply are listed too (`pool:provisioned`), so the error says why they
 * were not used.
 */
export const noEndpoint = (ctx: RequestContext): Effect.Effect<never, RouteError> => {
  const held = ctx.plan.escalation.map((p) => ({
    endpoint: p.endpoint.id,
    model: p.endpoint.model,
    reasons: ["pool:provisioned" as const],
  }))
  const excluded = held.length === 0 ? ctx.plan.excluded : [...ctx.plan.excluded, ...held]
  return Effect.fail(noEndpointError(ctx.prepared.planRequest, { excluded }))
}
