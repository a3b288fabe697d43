import type { ProviderError } from "../provider/errors.js"
import type { HealthReport } from "../services/health/service.js"
import type { StatsOutcome } from "../services/stats/window.js"
import type { AttemptOutcome } from "./types.js"

/** How one upstream failure is counted everywhere: trace, Stats, Health, Capacity. */
export interface Classified {
  readonly outcome: AttemptOutcome
  readonly stats: StatsOutcome
  readonly health: HealthReport
  /** 429: the bucket is full (CapacityMeter), a cooldown starts (Health), escalation may apply. */
  readonly rateLimited: boolean
  readonly retryAfterMs: number | undefined
}

const retryAfterOf = (e: ProviderError): number | undefined =>
  e._tag === "RateLimited" || e._tag === "Overloaded" || e._tag === "UpstreamServerError" ? e.retryAfterMs : undefined

/**
 * Classification of provider errors. Client errors (400, context length, content filter) say
 * nothing bad about the endpoint: Health counts them as an answer, Stats leaves them out of uptime.
 * Auth failures and unknown models are the endpoint's (configuration) fault: failures.
 */
export const classify = (e: ProviderError): Classified => {
  const retryAfterMs = retryAfterOf(e)
  switch (e._tag) {
    case "RateLimited":
      return {
        outcome: "rate_limited",
        stats: "rate_limited",
        health: { _tag: "RateLimited", retryAfterMs, quota: e.quota },
        rateLimited: true,
        retryAfterMs,
      }
    case "Overloaded":
      return failure("overloaded", retryAfterMs)
    case "UpstreamTimeout":
      return failure("timeout", undefined)
    case "TransportError":
      return failure("transport", undefined)
    case "UpstreamServerError":
    case "MalformedResponse":
      return failure("upstream_error", retryAfterMs)
    case "AuthFailed":
    case "NotFound":
      return failure("upstream_error", undefined)
    case "BadRequest":
    case "ContentFiltered":
    case "ContextLengthExceeded":
      return {
        outcome: "client_error",
        stats: "neutral",
        health: { _tag: "Success" },
        rateLimited: false,
        retryAfterMs,
      }
  }
}

const failure = (outcome: AttemptOutcome, retryAfterMs: number | undefined): Classified => ({
  outcome,
  stats: "failure",
  health: { _tag: "Failure", retryAfterMs },
  rateLimited: false,
  retryAfterMs,
})

/**
 * Status the HTTP layer should answer for an upstream error that ends the request: client errors
 * keep their meaning (400/403/404/413/422), an upstream auth failure is the gateway's problem (502),
 * rate limits 429, overload 503, timeouts 504, every other upstream fault 502.
 */
export const httpStatusFor = (e: ProviderError): number => {
  switch (e._tag) {
    case "BadRequest":
      return e.status === 413 || e.status === 422 ? e.status : 400
    case "ContextLengthExceeded":
      return 400
    case "ContentFiltered":
      return 403
    case "AuthFailed":
      return e.status === 403 ? 403 : 502
    case "NotFound":
      return 404
    case "RateLimited":
      return 429
    case "Overloaded":
      return 503
    case "UpstreamTimeout":
      return 504
    case "TransportError":
    case "UpstreamServerError":
    case "MalformedResponse":
      return 502
  }
}

/** `error.metadata.error_type` vocabulary of OpenRouter-style errors (wire-facts §1). */
export const errorTypeFor = (e: ProviderError): string => {
  switch (e._tag) {
    case "RateLimited":
      return "rate_limit_exceeded"
    case "Overloaded":
      return "provider_overloaded"
    case "UpstreamTimeout":
      return "timeout"
    case "TransportError":
    case "MalformedResponse":
      return "provider_unavailable"
    case "UpstreamServerError":
      return "server"
    case "BadRequest":
      return "invalid_request"
    case "AuthFailed":
      return "authentication"
    case "NotFound":
      return "not_found"
    case "ContentFiltered":
      return "content_policy_violation"
    case "ContextLengthExceeded":
      return "context_length_exceeded"
  }
}
