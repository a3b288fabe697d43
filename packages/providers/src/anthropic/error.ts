import { type ProviderError, RateLimited } from "@switchyard/core"
import { classifyHttpError, type HttpFailure } from "../errors/classify-http.js"
import type { Redactor } from "../errors/redact.js"

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

/** HTTP status each Anthropic error type is sent with (docs.claude.com/en/api/errors). */
export const statusOfErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
}

const errorType = (text: string): string | undefined => {
  try {
    const body: unknown = JSON.parse(text)
    return isObject(body) && isObject(body.error) && typeof body.error.type === "string" ? body.error.type : undefined
  } catch {
    return undefined
  }
}

/**
 * Classify an Anthropic error answer. The shared HTTP classifier reads the `{type:"error", error:{type,
 * message}}` envelope (529 / overloaded_error → Overloaded, 429 → RateLimited, "prompt is too long" →
 * ContextLengthExceeded, `not_found_error` "model: …" → NotFound{modelNotSupported}); on top of it,
 * an account out of credit → RateLimited{quota: true}: sticky, but another provider can serve. The API says so with
 * `billing_error` (402) or, as it does in practice, with a 400 `invalid_request_error` "Your credit balance is too low
 * to access the Anthropic API" — which is about the account, not the request.
 */
const OUT_OF_CREDIT = /credit balance is too low/i

export const classifyAnthropicError = (failure: HttpFailure): ProviderError => {
  const base = classifyHttpError(failure)
  if (errorType(failure.body) === "billing_error" || (base._tag === "BadRequest" && OUT_OF_CREDIT.test(base.message))) {
    const { provider, status, message, requestId } = base
    return new RateLimited({
      provider,
      status,
      message,
      quota: true,
      ...(requestId === undefined ? {} : { requestId }),
    })
  }
  return base
}

/** A mid-stream `event: error` (after a 200): classified as if sent with the status its type implies. */
export const classifyAnthropicStreamError = (provider: string, event: Json, redact: Redactor): ProviderError => {
  const type = isObject(event.error) && typeof event.error.type === "string" ? event.error.type : "api_error"
  return classifyAnthropicError({
    provider,
    status: statusOfErrorType[type] ?? 500,
    body: JSON.stringify(event),
    headers: {},
    nowMs: 0,
    redact,
  })
}
