import {
  type ProviderErrorTag,
  type Redactor,
  type RouteError,
  type RouteTrace,
  redactedPrefix,
} from "@switchyard/core"
import { type ErrorBody, type ErrorReply, type ErrorType, errorReply } from "./envelope.js"

/** Response header with the upstream's request id (quote it in a support ticket to the provider). */
export const UPSTREAM_REQUEST_ID = "x-switchyard-upstream-request-id"

/** The longest `x-switchyard-upstream-request-id` a client gets. */
const UPSTREAM_ID_MAX = 200

/**
 * The upstream's request id as the client gets it (`x-switchyard-upstream-request-id`): upstream text like any
 * other, so masked (a host that puts a credential or its own URL there), then cut (masked first: a secret at the
 * cut is masked whole).
 */
export const upstreamIdHeader = (id: string, redact: Redactor): string => redactedPrefix(redact, id, UPSTREAM_ID_MAX)

/**
 * An error reply whose upstream request id (`routeErrorReply` puts it whole) is already masked, with that id cut to
 * its bound: masked whole first, so the cut never halves a secret.
 */
export const withUpstreamIdCut = (reply: ErrorReply): ErrorReply => {
  const id = reply.headers?.[UPSTREAM_REQUEST_ID]
  return id === undefined || id.length <= UPSTREAM_ID_MAX
    ? reply
    : { ...reply, headers: { ...reply.headers, [UPSTREAM_REQUEST_ID]: id.slice(0, UPSTREAM_ID_MAX) } }
}

/** Members of a relayed error object that are never taken from the upstream's extra fields. */
const RESERVED: ReadonlySet<string> = new Set(["message", "type", "param", "code", "metadata"])

/** `error.code` for an upstream failure, in OpenRouter's `error_type` vocabulary where one exists (wire-facts §1). */
const upstreamCode: Readonly<Record<ProviderErrorTag, string>> = {
  RateLimited: "rate_limit_exceeded",
  Overloaded: "provider_overloaded",
  UpstreamTimeout: "timeout",
  TransportError: "provider_unavailable",
  UpstreamServerError: "provider_error",
  BadRequest: "upstream_bad_request",
  AuthFailed: "upstream_authentication",
  NotFound: "upstream_not_found",
  ContentFiltered: "content_policy_violation",
  ContextLengthExceeded: "context_length_exceeded",
  MalformedResponse: "invalid_upstream_response",
}

const seconds = (ms: number): string => String(Math.ceil(ms / 1000))

const lastEndpoint = (trace: RouteTrace): string | undefined => trace.attempts[trace.attempts.length - 1]?.endpoint

/** Map the router's typed failure to the status, envelope and headers the client sees. */
export const routeErrorReply = (e: RouteError): ErrorReply => {
  switch (e._tag) {
    case "InvalidRequest":
      return errorReply(400, "invalid_request_error", e.message, e.code ?? "invalid_parameter", e.param)
    case "ModelNotFound":
      return errorReply(404, "invalid_request_error", e.message, "model_not_found", "model")
    case "NoEndpoint": {
      const reasons = e.excluded.map((x) => `${x.endpoint} (${x.reasons.join(", ")})`).join("; ")
      return {
        status: 404,
        error: {
          message: `No endpoints found for '${e.model}' that satisfy the routing constraints${reasons ? `: excluded ${reasons}` : ""}`,
          type: "invalid_request_error",
          param: "provider",
          code: "no_endpoints",
          metadata: {
            excluded_by: e.excluded.map((x) => ({ endpoint: x.endpoint, model: x.model, reasons: x.reasons })),
          },
        },
      }
    }
    case "AllRateLimited": {
      const ms = Math.max(0, Math.ceil(e.retryAfterMs))
      const who =
        e.origin === "gateway"
          ? "Switchyard predicted every admissible endpoint is at capacity"
          : "every admissible upstream answered 429"
      return {
        status: 429,
        error: {
          message: `${e.message} (${who}; retry after ${ms} ms)`,
          type: "rate_limit_error",
          param: null,
          code: "capacity_exhausted",
          metadata: { origin: e.origin, retry_after_ms: ms },
        },
        headers: {
          "retry-after-ms": String(ms),
          "retry-after": seconds(ms),
          "x-switchyard-ratelimit-origin": e.origin,
        },
      }
    }
    case "UpstreamFailed": {
      const status = e.httpStatus >= 400 && e.httpStatus <= 599 ? e.httpStatus : 502
      const errorType = e.code ?? upstreamCode[e.error] ?? "provider_error"
      const metadata: Record<string, unknown> = { error_type: errorType, upstream_status: e.upstreamStatus }
      const provider = e.provider ?? lastEndpoint(e.trace)
      if (provider !== undefined) metadata.provider = provider
      const endpoint = e.endpoint ?? lastEndpoint(e.trace)
      if (endpoint !== undefined) metadata.endpoint = endpoint
      // whole: the gateway masks it before it cuts it (`withUpstreamIdCut`)
      const headers = e.upstreamRequestId === undefined ? undefined : { [UPSTREAM_REQUEST_ID]: e.upstreamRequestId }
      const upstream = e.upstream
      if (status < 500 && upstream !== undefined) {
        // A client-side error the upstream described: relayed as sent (type, code, param, message, extra fields).
        const error: Record<string, unknown> = {
          message: e.upstreamMessage ?? e.message,
          type: upstream.type ?? "invalid_request_error",
          param: upstream.param ?? e.param ?? null,
          code: upstream.code ?? errorType,
        }
        if (upstream.extra !== undefined)
          for (const key of Object.keys(upstream.extra)) if (!RESERVED.has(key)) error[key] = upstream.extra[key]
        error.metadata = metadata
        return { status, error: error as unknown as ErrorBody, ...(headers ? { headers } : {}) }
      }
      const type: ErrorType =
        status === 504 ? "timeout_error" : status < 500 ? "invalid_request_error" : "upstream_error"
      return {
        status,
        error: { message: e.message, type, param: e.param ?? null, code: errorType, metadata },
        ...(headers ? { headers } : {}),
      }
    }
    case "DeadlineExceeded":
      return errorReply(504, "timeout_error", e.message, "deadline_exceeded")
    case "StateUnavailable":
      return errorReply(503, "server_error", e.message, "state_unavailable", null, { "retry-after": "1" })
  }
}

/** The trace a router error carries, if any. */
export const routeErrorTrace = (e: RouteError): RouteTrace | undefined =>
  e._tag === "AllRateLimited" || e._tag === "UpstreamFailed" || e._tag === "DeadlineExceeded" ? e.trace : undefined
