/**
 * (status, body, headers) → the closed `ProviderError` union (core provider/errors.ts).
 *
 *   classifyHttpError({ provider, status, body, headers, nowMs, redact }) → ProviderError   (pure)
 *
 * 429 → RateLimited (quota: true for `insufficient_quota` or a per-day Google quota);
 * 529 / `overloaded_error` → Overloaded; 408/504 → UpstreamTimeout; other 5xx and 409 → UpstreamServerError;
 * 400/413/422 → ContextLengthExceeded | ContentFiltered | BadRequest; 401/403 → AuthFailed;
 * 404 → NotFound (modelNotSupported for model/deployment not found). Retry delays come from the headers
 * (`retry-after-ms`, `x-ms-retry-after-ms`, `retry-after`) or a Google `RetryInfo`. Messages are redacted.
 */
import {
  AuthFailed,
  BadRequest,
  ContentFiltered,
  ContextLengthExceeded,
  NotFound,
  Overloaded,
  type ProviderError,
  RateLimited,
  UpstreamServerError,
  UpstreamTimeout,
} from "@switchyard/core"
import type { HeaderMap } from "../http/header-map.js"
import { retryAfterMsFromHeaders } from "../signals/retry-after.js"
import { type ErrorBody, readErrorBody } from "./error-body.js"
import type { Redactor } from "./redact.js"
import { upstreamDetail } from "./upstream-detail.js"

export interface HttpFailure {
  readonly provider: string
  readonly status: number
  /** The response body as text (may be empty, HTML, or any JSON envelope). */
  readonly body: string
  readonly headers: HeaderMap
  /** "Now" for HTTP-date `retry-after` (the response `date` header, or Clock). */
  readonly nowMs: number
  readonly redact: Redactor
  /** The upstream's request id (from the plugin's request-id header), put on the error. */
  readonly requestId?: string | undefined
}

const contextLength =
  /context[_ ]length|maximum context|context window|exceeds? (the )?context limit|prompt is too long|too many tokens|input token count.*exceeds|reduce the length/i

const isContextLength = (b: ErrorBody): boolean =>
  b.code === "context_length_exceeded" ||
  b.type === "context_length_exceeded" ||
  (b.message !== undefined && contextLength.test(b.message))

const isContentFilter = (b: ErrorBody, raw: string): boolean =>
  b.code === "content_filter" ||
  b.type === "content_filter" ||
  b.code === "content_policy_violation" ||
  raw.includes("ResponsibleAIPolicyViolation")

/**
 * Sticky quota exhaustion (not the shared pool's transient 429). Google's `QuotaFailure` names the quota that ran out:
 * only a per-day one is sticky — its message mentions "plan and billing details" for per-minute quotas too — so the
 * message decides only when there is no such detail.
 */
const isQuota = (b: ErrorBody): boolean =>
  b.code === "insufficient_quota" ||
  b.type === "insufficient_quota" ||
  (b.quotaIds.length > 0
    ? b.quotaIds.some((id) => /per ?day/i.test(id))
    : b.message !== undefined && /per day|daily (quota|limit)|billing/i.test(b.message))

const isModelMissing = (b: ErrorBody): boolean =>
  b.code === "model_not_found" ||
  b.code === "DeploymentNotFound" ||
  (b.message !== undefined && /model|deployment/i.test(b.message))

/** Azure standard deployments: "... Please retry after 7 seconds." in the message only. */
const retryInMessage = (b: ErrorBody): number | undefined => {
  const m = b.message === undefined ? null : /retry after (\d+(?:\.\d+)?) seconds?/i.exec(b.message)
  return m?.[1] === undefined ? undefined : Number(m[1]) * 1000
}

/**
 * The 4xx statuses an upstream answers about the client's request itself: relayed to the client as its error,
 * never retried elsewhere (with 401/403 — credentials, 404 — model, 429 — rate, 408/409 handled apart). Any other
 * status below 500 says this endpoint cannot serve the request — 402 (the provider account's credit or billing), a
 * redirect, 405 (a wrong URL), 415, … — and is a server error: retried on another endpoint, 502 when none is left.
 */
const CLIENT_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404, 408, 409, 413, 422, 429])

export const classifyHttpError = (f: HttpFailure): ProviderError => {
  const body = readErrorBody(f.body, f.redact)
  const { provider, status } = f
  const message = f.redact(body.message ?? `HTTP ${status}`)
  const retryAfterMs = retryAfterMsFromHeaders(f.headers, f.nowMs) ?? body.retryDelayMs ?? retryInMessage(body)
  const retry = retryAfterMs === undefined ? {} : { retryAfterMs }
  const base =
    f.requestId === undefined ? { provider, status, message } : { provider, status, message, requestId: f.requestId }

  if (status === 529 || body.type === "overloaded_error") return new Overloaded({ ...base, ...retry })
  if (status === 429) return new RateLimited({ ...base, ...retry, ...(isQuota(body) ? { quota: true } : {}) })
  if (status === 408 || status === 504) return new UpstreamTimeout({ ...base, phase: "attempt" })
  if (status >= 500 || status === 409) return new UpstreamServerError({ ...base, ...retry })
  // not about the client's request: a redirect, or a 4xx that only the gateway's own request or the provider's
  // account can cause (402 credit, 405 wrong URL, 415, …) — this endpoint cannot serve it, another may
  if (!CLIENT_STATUSES.has(status) && !isContextLength(body)) return new UpstreamServerError({ ...base, ...retry })

  // A client-side error: the upstream's type/code/param and extra members go along, to be relayed.
  const detail = upstreamDetail(body, f.redact)
  const client = detail === undefined ? base : { ...base, upstream: detail }
  if (status === 401 || status === 403) return new AuthFailed(client)
  if (status === 404) return new NotFound({ ...client, ...(isModelMissing(body) ? { modelNotSupported: true } : {}) })
  if (isContextLength(body)) return new ContextLengthExceeded(client)
  if (isContentFilter(body, f.body)) return new ContentFiltered(client)
  return new BadRequest({
    ...client,
    ...(body.param === undefined ? {} : { param: body.param }),
    ...(body.code === undefined ? {} : { code: body.code }),
  })
}
