import { AuthFailed, BadRequest, Overloaded, type ProviderError } from "@switchyard/core"
import { classifyHttpError, type HttpFailure } from "../errors/classify-http.js"
import type { Redactor } from "../errors/redact.js"

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

/** The `{code, message, status, details}` object of a Google error (also inside a `[{error}]` array). */
export const googleErrorObject = (body: unknown): Json | undefined => {
  const outer = Array.isArray(body) ? body[0] : body
  return isObject(outer) && isObject(outer.error) ? outer.error : undefined
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const errorInfoReasons = (error: Json): Array<unknown> =>
  (Array.isArray(error.details) ? error.details : [])
    .filter((d): d is Json => isObject(d) && String(d["@type"]).endsWith("google.rpc.ErrorInfo"))
    .map((d) => d.reason)

/**
 * Classify a Google (Gemini API / Vertex) error answer. The shared HTTP classifier already reads the
 * Google envelope (RESOURCE_EXHAUSTED + RetryInfo → RateLimited with retryAfterMs, a per-day
 * QuotaFailure → quota: true, NOT_FOUND model → modelNotSupported); on top of it:
 * - `API_KEY_INVALID` (Gemini answers 400 INVALID_ARGUMENT for a bad key) → AuthFailed;
 * - 503 UNAVAILABLE "The model is overloaded" → Overloaded;
 * - 400 `FAILED_PRECONDITION` is about the project, not the request ("User location is not supported for the API
 *   use.", "… free tier is not available in your country. Please enable billing …") → AuthFailed: another endpoint
 *   may serve;
 * - any other BadRequest carries the RPC status (`INVALID_ARGUMENT`) as its `code`.
 */
export const classifyGoogleError = (failure: HttpFailure): ProviderError => {
  const base = classifyHttpError(failure)
  const error = googleErrorObject(parse(failure.body))
  if (error === undefined) return base
  const { provider, status, message, requestId } = base
  const fields = requestId === undefined ? { provider, status, message } : { provider, status, message, requestId }
  const upstream = "upstream" in base && base.upstream !== undefined ? { upstream: base.upstream } : {}
  if (errorInfoReasons(error).includes("API_KEY_INVALID")) return new AuthFailed({ ...fields, ...upstream })
  if (base._tag === "UpstreamServerError" && failure.status === 503 && /overloaded/i.test(base.message)) {
    return new Overloaded({
      ...fields,
      ...(base.retryAfterMs === undefined ? {} : { retryAfterMs: base.retryAfterMs }),
    })
  }
  if (base._tag === "BadRequest" && error.status === "FAILED_PRECONDITION")
    return new AuthFailed({ ...fields, ...upstream })
  if (base._tag === "BadRequest" && typeof error.status === "string") {
    return new BadRequest({
      ...fields,
      ...upstream,
      code: error.status,
      ...(base.param === undefined ? {} : { param: base.param }),
    })
  }
  return base
}

/** An `{error}` object that arrived as a stream event (HTTP status was 200): classified by its `code`. */
export const classifyGoogleStreamError = (
  provider: string,
  event: unknown,
  redact: Redactor,
): ProviderError | undefined => {
  const error = googleErrorObject(event)
  if (error === undefined) return undefined
  const status = typeof error.code === "number" ? error.code : 500
  return classifyGoogleError({ provider, status, body: JSON.stringify(event), headers: {}, nowMs: 0, redact })
}
