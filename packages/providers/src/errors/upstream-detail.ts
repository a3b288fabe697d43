/**
 * The upstream's own description of a client-side error, as the gateway relays it (core
 * `UpstreamErrorDetail`): `type`, `code`, `param` and the error object's extra members
 * (Groq's `failed_generation`, …).
 *
 *   upstreamDetail(errorBody, redact) → UpstreamErrorDetail | undefined   (undefined for a non-JSON body)
 *
 * Every string, extra members' nested strings included, goes through the plugin's redactor. Bounds: at most
 * `MAX_EXTRA_KEYS` extra members, strings cut to `MAX_STRING` characters, nesting below `MAX_DEPTH`
 * dropped, arrays cut to `MAX_ITEMS` items.
 */
import type { UpstreamErrorDetail } from "@switchyard/core"
import type { ErrorBody } from "./error-body.js"
import { type Redactor, redactedPrefix } from "./redact.js"

export const MAX_EXTRA_KEYS = 16
export const MAX_STRING = 4096
const MAX_DEPTH = 4
const MAX_ITEMS = 32

const bounded = (value: unknown, redact: Redactor, depth: number): unknown => {
  if (typeof value === "string") return redactedPrefix(redact, value, MAX_STRING)
  if (typeof value !== "object" || value === null) return value
  if (depth >= MAX_DEPTH) return undefined
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => bounded(v, redact, depth + 1))
  const out: Record<string, unknown> = {}
  let n = 0
  for (const key of Object.keys(value)) {
    if (n++ >= MAX_ITEMS) break
    out[redact(key)] = bounded((value as Record<string, unknown>)[key], redact, depth + 1)
  }
  return out
}

export const upstreamDetail = (body: ErrorBody, redact: Redactor): UpstreamErrorDetail | undefined => {
  if (!body.json) return undefined
  const detail: { -readonly [K in keyof UpstreamErrorDetail]: UpstreamErrorDetail[K] } = {}
  if (body.type !== undefined) detail.type = redact(body.type)
  if (body.code !== undefined) detail.code = redact(body.code)
  if (body.param !== undefined) detail.param = redact(body.param)
  if (body.extra !== undefined) {
    const extra: Record<string, unknown> = {}
    let n = 0
    for (const key of Object.keys(body.extra)) {
      if (n++ >= MAX_EXTRA_KEYS) break
      extra[redact(key)] = bounded(body.extra[key], redact, 0)
    }
    detail.extra = extra
  }
  return detail
}
