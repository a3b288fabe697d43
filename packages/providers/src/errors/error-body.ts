/**
 * Reads an upstream error body in any known envelope into one flat shape:
 * OpenAI/Azure/Groq `{"error":{message,type,param,code}}`, Anthropic `{"type":"error","error":{type,message}}`,
 * Google `{"error":{code,message,status,details}}` (also wrapped in an array), OpenRouter `error.metadata.raw`,
 * or plain text. Never throws.
 */
import { parseGoDurationMs } from "../signals/go-duration.js"
import { type Redactor, redactedPrefix } from "./redact.js"

export interface ErrorBody {
  readonly message: string | undefined
  /** OpenAI `type`, Anthropic `error.type`. */
  readonly type: string | undefined
  /** OpenAI/Azure `code` (stringified), e.g. `insufficient_quota`, `"429"`, `model_not_found`; Google's RPC status. */
  readonly code: string | undefined
  readonly param: string | undefined
  /** Google `status`, e.g. `RESOURCE_EXHAUSTED`. */
  readonly status: string | undefined
  /** Google `RetryInfo.retryDelay` in ms. */
  readonly retryDelayMs: number | undefined
  /** Google `QuotaFailure` quota ids. */
  readonly quotaIds: ReadonlyArray<string>
  /** True when the body was JSON. */
  readonly json: boolean
  /** An HTTP status the body states itself (Groq `status_code`, OpenRouter/Google numeric `code`). */
  readonly statedStatus: number | undefined
  /** The error object's other members (Groq `failed_generation`, …), unredacted and unbounded. */
  readonly extra: Readonly<Record<string, unknown>> | undefined
}

/** Members of an error object that `ErrorBody` already reads (never relayed as extra fields). */
const KNOWN = new Set(["message", "type", "code", "param", "status", "status_code", "metadata", "details"])

const httpStatus = (u: unknown): number | undefined => {
  const n = typeof u === "number" ? u : typeof u === "string" && /^\d{3}$/.test(u) ? Number(u) : Number.NaN
  return Number.isInteger(n) && n >= 400 && n < 600 ? n : undefined
}

const extraOf = (e: Record<string, unknown>): Record<string, unknown> | undefined => {
  let out: Record<string, unknown> | undefined
  for (const key of Object.keys(e)) {
    if (KNOWN.has(key)) continue
    out ??= {}
    out[key] = e[key]
  }
  return out
}

const isObj = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const str = (u: unknown): string | undefined =>
  typeof u === "string" ? u : typeof u === "number" ? String(u) : undefined

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export const readErrorBody = (text: string, redact: Redactor): ErrorBody => {
  let parsed = parseJson(text)
  if (Array.isArray(parsed)) parsed = parsed[0]
  if (!isObj(parsed)) {
    const t = text.trim()
    return {
      // masked before it is cut: a secret at the cut is masked whole, not kept up to its last characters
      message: t === "" ? undefined : redactedPrefix(redact, t, 500),
      type: undefined,
      code: undefined,
      param: undefined,
      status: undefined,
      retryDelayMs: undefined,
      quotaIds: [],
      json: false,
      statedStatus: undefined,
      extra: undefined,
    }
  }
  const e = isObj(parsed.error) ? parsed.error : parsed
  const details = Array.isArray(e.details) ? e.details.filter(isObj) : []
  let retryDelayMs: number | undefined
  const quotaIds: Array<string> = []
  for (const d of details) {
    const t = str(d["@type"]) ?? ""
    if (t.endsWith("google.rpc.RetryInfo") && typeof d.retryDelay === "string")
      retryDelayMs = parseGoDurationMs(d.retryDelay)
    if (t.endsWith("google.rpc.QuotaFailure") && Array.isArray(d.violations))
      for (const v of d.violations) if (isObj(v) && typeof v.quotaId === "string") quotaIds.push(v.quotaId)
  }
  const meta = isObj(e.metadata) ? e.metadata : undefined
  const raw = meta ? str(meta.raw) : undefined
  const baseMessage = str(e.message) ?? (typeof parsed.error === "string" ? parsed.error : undefined)
  return {
    message: raw !== undefined && baseMessage !== undefined ? `${baseMessage}: ${raw}` : (baseMessage ?? raw),
    type: str(e.type),
    // Google's numeric `code` repeats the HTTP status: its RPC status (INVALID_ARGUMENT, …) is the code
    code: typeof e.code === "number" && typeof e.status === "string" ? e.status : str(e.code),
    param: str(e.param),
    status: str(e.status),
    retryDelayMs,
    quotaIds,
    json: true,
    statedStatus: httpStatus(e.status_code) ?? httpStatus(e.code),
    extra: e === parsed ? undefined : extraOf(e),
  }
}
