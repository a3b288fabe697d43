/**
 * Capacity signals from upstream response headers (wire-facts §2, §5, Anthropic):
 *
 *   signalsFromHeaders(headers, nowMs) → CapacitySignals       (pure; table-tested)
 *   readSignals(headers)               → Effect<CapacitySignals> ("now" = the response `date`
 *                                         header, else Clock — never Date.now)
 *
 * Read: `retry-after-ms`, `x-ms-retry-after-ms`, `retry-after` (seconds or HTTP date),
 * `x-ratelimit-{limit,remaining}-{requests,tokens}`, `x-ratelimit-reset-tokens` (Go duration),
 * `azure-openai-deployment-utilization` ("89.3%"), `anthropic-ratelimit-{requests,tokens,input-tokens}-
 * {limit,remaining,reset}` (reset is RFC 3339).
 */
import type { CapacitySignals } from "@switchyard/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { HeaderMap } from "../http/header-map.js"
import { parseGoDurationMs } from "./go-duration.js"
import { responseDateMs, retryAfterMsFromHeaders } from "./retry-after.js"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const int = (v: string | undefined): number | undefined => {
  if (v === undefined || v.trim() === "") return undefined
  const n = Number(v.trim())
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

/** `"89.3%"` → 0.893 (also accepts a bare number meaning percent). */
export const parseUtilization = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined
  const t = v.trim().replace(/%$/, "").trim()
  if (t === "") return undefined
  const n = Number(t)
  return Number.isFinite(n) && n >= 0 ? n / 100 : undefined
}

const rfc3339Delta = (v: string | undefined, nowMs: number): number | undefined => {
  if (v === undefined) return undefined
  const at = Date.parse(v.trim())
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

export const signalsFromHeaders = (h: HeaderMap, nowMs: number): CapacitySignals => {
  const out: Mutable<CapacitySignals> = {}
  const retryAfterMs = retryAfterMsFromHeaders(h, nowMs)
  if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs
  // the first header of each kind that holds a value (`??`: no array or closure per response)
  const limitRequests = int(h["x-ratelimit-limit-requests"]) ?? int(h["anthropic-ratelimit-requests-limit"])
  if (limitRequests !== undefined) out.limitRequests = limitRequests
  const remainingRequests = int(h["x-ratelimit-remaining-requests"]) ?? int(h["anthropic-ratelimit-requests-remaining"])
  if (remainingRequests !== undefined) out.remainingRequests = remainingRequests
  const limitTokens =
    int(h["x-ratelimit-limit-tokens"]) ??
    int(h["anthropic-ratelimit-tokens-limit"]) ??
    int(h["anthropic-ratelimit-input-tokens-limit"])
  if (limitTokens !== undefined) out.limitTokens = limitTokens
  const remainingTokens =
    int(h["x-ratelimit-remaining-tokens"]) ??
    int(h["anthropic-ratelimit-tokens-remaining"]) ??
    int(h["anthropic-ratelimit-input-tokens-remaining"])
  if (remainingTokens !== undefined) out.remainingTokens = remainingTokens
  const reset = h["x-ratelimit-reset-tokens"]
  const resetTokensMs =
    (reset === undefined ? undefined : parseGoDurationMs(reset)) ??
    rfc3339Delta(h["anthropic-ratelimit-tokens-reset"], nowMs) ??
    rfc3339Delta(h["anthropic-ratelimit-input-tokens-reset"], nowMs)
  if (resetTokensMs !== undefined) out.resetTokensMs = resetTokensMs
  const utilization = parseUtilization(h["azure-openai-deployment-utilization"])
  if (utilization !== undefined) out.utilization = utilization
  return out
}

/** `f` of "now" for header arithmetic: the response's `date` header, else the Effect Clock. */
const atResponseNow = <A>(h: HeaderMap, f: (nowMs: number) => A): Effect.Effect<A> => {
  const d = responseDateMs(h)
  return d !== undefined ? Effect.succeed(f(d)) : Effect.map(Clock.currentTimeMillis, f)
}

/** "Now" for header arithmetic: the response's `date` header, else the Effect Clock. */
export const responseNowMs = (h: HeaderMap): Effect.Effect<number> => atResponseNow(h, (now) => now)

export const readSignals = (h: HeaderMap): Effect.Effect<CapacitySignals> =>
  atResponseNow(h, (now) => signalsFromHeaders(h, now))
