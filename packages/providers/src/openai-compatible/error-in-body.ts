import type { JsonObject, ProviderError } from "@switchyard/core"
import { classifyHttpError } from "../errors/classify-http.js"
import type { Redactor } from "../errors/redact.js"

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Some OpenAI-compatible hosts (OpenRouter, vLLM, proxies) answer 200 with `{"error":{…}}` instead of a
 * completion, or send such an object as an SSE event mid-stream. Returns the classified error, using the
 * numeric `error.code` as the status when it is one (else 502), or undefined for a normal body.
 */
export const errorInBody = (
  provider: string,
  body: JsonObject,
  httpStatus: number,
  redact: Redactor,
): ProviderError | undefined => {
  if (!isObj(body.error) || Array.isArray(body.choices)) return undefined
  const code = Number(body.error.code)
  const status = Number.isInteger(code) && code >= 400 && code < 600 ? code : httpStatus >= 400 ? httpStatus : 502
  return classifyHttpError({ provider, status, body: JSON.stringify(body), headers: {}, nowMs: 0, redact })
}
