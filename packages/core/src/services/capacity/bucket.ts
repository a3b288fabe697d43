/**
 * The leaky bucket of one endpoint, as provisioned-throughput meters account for it (wire-facts §2).
 *
 * Two levels are kept: tokens and requests. Admitting a request adds its charge (tokens) and 1
 * (request); both levels drain continuously, at `tokensPerMinute / 60 000` tokens and
 * `requestsPerMinute / 60 000` requests per millisecond.
 *
 * **Utilization** = max(tokens ÷ tokensPerMinute, requests ÷ requestsPerMinute): a bucket that holds
 * one minute of the endpoint's capacity is at 1.0 (100%). Left alone it empties in at most a minute.
 * While the upstream told us to back off (`blockedUntil` in the future) utilization is at least 1.
 *
 * Pure functions over plain values: the in-memory store keeps them in a Map, a shared store (Redis)
 * can run the same arithmetic in a script.
 */
export interface BucketLimits {
  readonly tokensPerMinute: number | undefined
  readonly requestsPerMinute: number | undefined
}

export interface BucketState {
  /** Token level at `at`. */
  readonly tokens: number
  /** Request level at `at`. */
  readonly requests: number
  /** Epoch ms of the last update. */
  readonly at: number
  /** Epoch ms until which the upstream asked us to back off (retry-after); 0 = none. */
  readonly blockedUntil: number
  /** Capacity learned from `x-ratelimit-limit-*` when the catalog configures none. */
  readonly learned: BucketLimits
}

const MINUTE_MS = 60_000

/**
 * Every state is built here, so all of them share one object shape (a spread copy gets a shape of
 * its own, which made each meter operation slower and left more garbage).
 */
export const bucketState = (
  tokens: number,
  requests: number,
  at: number,
  blockedUntil: number,
  learned: BucketLimits,
): BucketState => ({ tokens, requests, at, blockedUntil, learned })

/** No limit in either dimension (untracked; also what an empty bucket has learned). */
export const NO_LIMITS: BucketLimits = { tokensPerMinute: undefined, requestsPerMinute: undefined }

export const emptyBucket = (now: number): BucketState => bucketState(0, 0, now, 0, NO_LIMITS)

/**
 * Configured limits win over learned ones, per dimension. Returns `configured` itself when nothing
 * learned can change it, `learned` itself when nothing is configured (no new object on every meter operation).
 */
export const effectiveLimits = (configured: BucketLimits | undefined, state: BucketState): BucketLimits => {
  const learned = state.learned
  if (learned.tokensPerMinute === undefined && learned.requestsPerMinute === undefined) return configured ?? NO_LIMITS
  if (configured?.tokensPerMinute !== undefined && configured.requestsPerMinute !== undefined) return configured
  // nothing configured: the learned limits as they are
  if (configured?.tokensPerMinute === undefined && configured?.requestsPerMinute === undefined) return learned
  return {
    tokensPerMinute: configured?.tokensPerMinute ?? learned.tokensPerMinute,
    requestsPerMinute: configured?.requestsPerMinute ?? learned.requestsPerMinute,
  }
}

export const isTracked = (limits: BucketLimits): boolean =>
  limits.tokensPerMinute !== undefined || limits.requestsPerMinute !== undefined

const drained = (level: number, perMinute: number | undefined, elapsed: number): number => {
  if (perMinute === undefined) return 0
  const next = level - (elapsed * perMinute) / MINUTE_MS
  return Math.max(next, 0)
}

/** The state with both levels drained up to `now` (time never runs backwards here). */
export const drain = (state: BucketState, limits: BucketLimits, now: number): BucketState => {
  const elapsed = now - state.at
  if (elapsed <= 0) return state
  return bucketState(
    drained(state.tokens, limits.tokensPerMinute, elapsed),
    drained(state.requests, limits.requestsPerMinute, elapsed),
    now,
    state.blockedUntil,
    state.learned,
  )
}

const ratio = (level: number, perMinute: number | undefined): number =>
  perMinute === undefined ? 0 : level / perMinute

const utilizationOfLevels = (
  tokens: number,
  requests: number,
  blockedUntil: number,
  limits: BucketLimits,
  now: number,
  extraTokens: number,
): number => {
  const u = Math.max(
    ratio(tokens + extraTokens, limits.tokensPerMinute),
    ratio(requests + (extraTokens > 0 ? 1 : 0), limits.requestsPerMinute),
  )
  return blockedUntil > now ? Math.max(u, 1) : u
}

/** Utilization of a drained state, plus an optional extra token charge (prediction). */
export const utilizationOf = (state: BucketState, limits: BucketLimits, now: number, extraTokens = 0): number =>
  utilizationOfLevels(state.tokens, state.requests, state.blockedUntil, limits, now, extraTokens)

/** `utilizationOf(drain(state, limits, now), limits, now, extraTokens)`, without building the drained state. */
export const drainedUtilization = (state: BucketState, limits: BucketLimits, now: number, extraTokens = 0): number => {
  const elapsed = now - state.at
  if (elapsed <= 0) return utilizationOf(state, limits, now, extraTokens)
  return utilizationOfLevels(
    drained(state.tokens, limits.tokensPerMinute, elapsed),
    drained(state.requests, limits.requestsPerMinute, elapsed),
    state.blockedUntil,
    limits,
    now,
    extraTokens,
  )
}

/** Time (ms) for `level` to drain down to `target` at `perMinute`; Infinity if it never will. */
const timeToReach = (level: number, target: number, perMinute: number | undefined): number => {
  if (perMinute === undefined || level <= target) return 0
  if (target < 0) return Number.POSITIVE_INFINITY
  return ((level - target) * MINUTE_MS) / perMinute
}

export type AdmitResult =
  | { readonly _tag: "Admitted"; readonly state: BucketState }
  | { readonly _tag: "Refused"; readonly waitMs: number; readonly reason: "full" | "blocked" | "too_large" }

/**
 * Admit `charge` tokens (+1 request) if the bucket stays at or under `limit` (a fraction of
 * capacity, 1 = 100%) afterwards; otherwise refuse with the wait until it would fit (Infinity when
 * the charge alone exceeds the limit). `enforce: false` always admits unless blocked. `state`
 * must be drained to `now`.
 */
export const admit = (
  state: BucketState,
  limits: BucketLimits,
  charge: number,
  limit: number,
  enforce: boolean,
  now: number,
): AdmitResult => {
  const blockedWait = state.blockedUntil > now ? state.blockedUntil - now : 0
  const tokenWait = enforce
    ? timeToReach(state.tokens, tokenCeiling(limits, limit) - charge, limits.tokensPerMinute)
    : 0
  const requestWait = enforce
    ? timeToReach(state.requests, requestCeiling(limits, limit) - 1, limits.requestsPerMinute)
    : 0
  const wait = Math.max(blockedWait, tokenWait, requestWait)
  if (wait > 0) {
    const reason = !Number.isFinite(wait) ? "too_large" : blockedWait >= wait ? "blocked" : "full"
    return { _tag: "Refused", waitMs: wait, reason }
  }
  return {
    _tag: "Admitted",
    state: bucketState(state.tokens + charge, state.requests + 1, state.at, state.blockedUntil, state.learned),
  }
}

const tokenCeiling = (limits: BucketLimits, limit: number): number =>
  limits.tokensPerMinute === undefined ? Number.POSITIVE_INFINITY : limits.tokensPerMinute * limit

const requestCeiling = (limits: BucketLimits, limit: number): number =>
  limits.requestsPerMinute === undefined ? Number.POSITIVE_INFINITY : limits.requestsPerMinute * limit

/** Add (or, negative, remove) tokens and requests; levels never go below zero. */
export const adjust = (state: BucketState, tokens: number, requests: number): BucketState =>
  bucketState(
    Math.max(0, state.tokens + tokens),
    Math.max(0, state.requests + requests),
    state.at,
    state.blockedUntil,
    state.learned,
  )
