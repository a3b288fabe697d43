import type { JsonObject, ProviderError } from "@switchyard/core"
import { classifyHttpError } from "../errors/classify-http.js"
import { readErrorBody } from "../errors/error-body.js"
import type { Redactor } from "../errors/redact.js"

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** HTTP status implied by an OpenAI-style error `type` when the body states none. */
const statusOfType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  rate_limit_error: 429,
  insufficient_quota: 429,
  tokens: 429,
  requests: 429,
  overloaded_error: 529,
  timeout_error: 504,
}

/**
 * Some OpenAI-compatible hosts answer 200 with `{"error":{…}}` instead of a completion, or send such an
 * object as an SSE event mid-stream: Groq `{"error":{"code":"tool_use_failed","type":"invalid_request_error",
 * "status_code":400,"failed_generation":…}}`, OpenRouter's mid-stream chunk `{…,"error":{"code":502,…},
 * "choices":[{…,"finish_reason":"error"}]}` (an error even though it carries `choices`), vLLM/proxies.
 * Returns the classified error, or undefined for a normal body. The status is the one the body states
 * (`status_code`, a numeric `code`), else the one its `type` implies (`invalid_request_error` → 400, …),
 * else the response's own status when it is an error, else 502.
 */
export const errorInBody = (
  provider: string,
  body: JsonObject,
  httpStatus: number,
  redact: Redactor,
  requestId?: string | undefined,
): ProviderError | undefined => {
  const error = body.error
  if (!isObj(error) && typeof error !== "string") return undefined
  const text = JSON.stringify(body)
  const read = readErrorBody(text, redact)
  const status =
    read.statedStatus ??
    (read.type === undefined ? undefined : statusOfType[read.type]) ??
    (httpStatus >= 400 ? httpStatus : 502)
  return classifyHttpError({ provider, status, body: text, headers: {}, nowMs: 0, redact, requestId })
}
