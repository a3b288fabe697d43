import type { HeaderMap } from "../http/header-map.js"

/**
 * Retry delay from response headers, in the order the OpenAI SDK reads them:
 * `retry-after-ms`, `x-ms-retry-after-ms` (milliseconds), then `retry-after`
 * (seconds, fractions allowed, or an HTTP date measured against `nowMs`).
 * `nowMs` should be the response's own `date` header when present (see `responseNowMs`).
 */
export const retryAfterMsFromHeaders = (headers: HeaderMap, nowMs: number): number | undefined =>
  millis(headers["retry-after-ms"]) ??
  millis(headers["x-ms-retry-after-ms"]) ??
  retryAfter(headers["retry-after"], nowMs)

const millis = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined
  const n = Number(v.trim())
  return v.trim() !== "" && Number.isFinite(n) && n >= 0 ? n : undefined
}

/** `retry-after` value: delay-seconds (float allowed) or an HTTP date. */
export const retryAfter = (v: string | undefined, nowMs: number): number | undefined => {
  if (v === undefined) return undefined
  const t = v.trim()
  if (t === "") return undefined
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t) * 1000
  const at = Date.parse(t)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}

/** The last `date` header parsed, and its value (NaN: not a date). */
let lastDate: string | undefined
let lastDateMs = Number.NaN

/** The response's `date` header as epoch millis, if present and valid. */
export const responseDateMs = (headers: HeaderMap): number | undefined => {
  const d = headers.date
  if (d === undefined) return undefined
  // a server's `date` changes once a second: the last one parsed is usually the one asked for
  if (d !== lastDate) {
    lastDate = d
    lastDateMs = Date.parse(d)
  }
  return Number.isNaN(lastDateMs) ? undefined : lastDateMs
}
