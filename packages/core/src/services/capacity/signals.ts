import type { CapacitySignals } from "../../provider/usage.js"
import { type BucketLimits, type BucketState, bucketState, effectiveLimits } from "./bucket.js"

/**
 * Fold upstream capacity signals into a (drained) bucket — the upstream's view wins over ours:
 * - `utilization` (Azure `azure-openai-deployment-utilization`): the token level becomes
 *   utilization × tokensPerMinute (needs a known token capacity).
 * - `limitTokens` / `remainingTokens` (and the request pair): the level becomes
 *   (1 − remaining ÷ limit) × capacity; without configured capacity, `limit` is learned as the
 *   per-minute capacity, so the endpoint becomes tracked.
 * - `retryAfterMs`: the bucket is treated as full (blocked) until now + retry-after.
 * - rate-limited without retry-after: the token level is raised to a full minute, or, when the
 *   capacity is unknown, the bucket is blocked for `fallbackBlockMs`.
 */
export const applySignals = (
  state: BucketState,
  configured: BucketLimits | undefined,
  signals: CapacitySignals,
  rateLimited: boolean,
  now: number,
  fallbackBlockMs: number,
): BucketState => {
  // a limit learned again (every answer of an endpoint repeats it) keeps the learned object as it is
  let learned = state.learned
  if (
    configured?.tokensPerMinute === undefined &&
    positive(signals.limitTokens) &&
    signals.limitTokens !== learned.tokensPerMinute
  )
    learned = { ...learned, tokensPerMinute: signals.limitTokens }
  if (
    configured?.requestsPerMinute === undefined &&
    positive(signals.limitRequests) &&
    signals.limitRequests !== learned.requestsPerMinute
  )
    learned = { ...learned, requestsPerMinute: signals.limitRequests }
  const next: BucketState =
    learned === state.learned ? state : bucketState(state.tokens, state.requests, state.at, state.blockedUntil, learned)
  const limits = effectiveLimits(configured, next)
  let tokens = next.tokens
  let requests = next.requests
  if (limits.tokensPerMinute !== undefined) {
    if (fraction(signals.utilization)) tokens = signals.utilization * limits.tokensPerMinute
    else if (positive(signals.limitTokens) && nonNegative(signals.remainingTokens))
      tokens = used(signals.remainingTokens, signals.limitTokens) * limits.tokensPerMinute
  }
  if (
    limits.requestsPerMinute !== undefined &&
    positive(signals.limitRequests) &&
    nonNegative(signals.remainingRequests)
  )
    requests = used(signals.remainingRequests, signals.limitRequests) * limits.requestsPerMinute
  let blockedUntil = next.blockedUntil
  if (nonNegative(signals.retryAfterMs)) blockedUntil = Math.max(blockedUntil, now + signals.retryAfterMs)
  else if (rateLimited) {
    if (limits.tokensPerMinute !== undefined) tokens = Math.max(tokens, limits.tokensPerMinute)
    else if (limits.requestsPerMinute !== undefined) requests = Math.max(requests, limits.requestsPerMinute)
    else blockedUntil = Math.max(blockedUntil, now + fallbackBlockMs)
  }
  if (tokens !== next.tokens || requests !== next.requests || blockedUntil !== next.blockedUntil)
    return bucketState(tokens, requests, next.at, blockedUntil, next.learned)
  return next
}

/**
 * Did the upstream say anything about its capacity? An observation without signals and without a 429 leaves the
 * bucket as it was (draining is computed when the bucket is read), so the meters store nothing for it.
 */
export const hasCapacitySignals = (s: CapacitySignals): boolean =>
  s.utilization !== undefined ||
  s.limitTokens !== undefined ||
  s.remainingTokens !== undefined ||
  s.limitRequests !== undefined ||
  s.remainingRequests !== undefined ||
  s.retryAfterMs !== undefined

const positive = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n > 0
const nonNegative = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n >= 0
const fraction = (n: number | undefined): n is number => nonNegative(n)
const used = (remaining: number, limit: number): number => Math.max(0, Math.min(1, 1 - remaining / limit))
