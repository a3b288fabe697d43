/**
 * The OpenAI error envelope `{"error":{"message","type","param","code"}}` (wire-facts §5), with
 * Switchyard's `metadata` where a client can act on more (excluded endpoints, rate-limit origin, the
 * provider and endpoint of an upstream failure). A relayed upstream 4xx keeps the upstream's `type`,
 * `code`, `param`, `message` and extra members (e.g. Groq's `failed_generation`).
 */
import { missingModel } from "@switchyard/core"

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "not_found_error"
  | "rate_limit_error"
  | "upstream_error"
  | "timeout_error"
  | "server_error"

export interface ErrorBody {
  readonly message: string
  /** One of `ErrorType`, or the upstream's own type when a client-side upstream error is relayed. */
  readonly type: ErrorType | (string & {})
  readonly param: string | null
  readonly code: string | null
  readonly metadata?: Record<string, unknown>
}

export interface ErrorReply {
  readonly status: number
  readonly error: ErrorBody
  /** Extra response headers (retry-after, allow, www-authenticate). */
  readonly headers?: Readonly<Record<string, string>>
}

export const errorReply = (
  status: number,
  type: ErrorType,
  message: string,
  code: string | null,
  param: string | null = null,
  headers?: Readonly<Record<string, string>>,
): ErrorReply => ({ status, error: { message, type, param, code }, ...(headers ? { headers } : {}) })

/** Fixed replies, built once. */
const MISSING_MODEL = missingModel()

export const replies = {
  invalidJson: (detail: string) =>
    errorReply(400, "invalid_request_error", `Request body is not valid JSON: ${detail}`, "invalid_json"),
  notAnObject: errorReply(400, "invalid_request_error", "Request body must be a JSON object", "invalid_request_body"),
  tooDeep: (limit: number, param: string) =>
    errorReply(
      400,
      "invalid_request_error",
      `Request body is nested more than ${limit} levels deep (at ${param.slice(0, 200)})`,
      "invalid_request_body",
      param.slice(0, 200),
    ),
  multipleAuthorization: errorReply(
    400,
    "invalid_request_error",
    "Send exactly one Authorization header",
    "multiple_authorization_headers",
  ),
  // the router's own answer to a request without a model (`missingModel`), given before routing
  missingModel: errorReply(
    400,
    "invalid_request_error",
    MISSING_MODEL.message,
    MISSING_MODEL.code,
    MISSING_MODEL.param,
  ),
  unauthorized: errorReply(
    401,
    "authentication_error",
    "Missing or unknown API key: send `Authorization: Bearer <gateway key>`",
    "invalid_api_key",
    null,
    { "www-authenticate": 'Bearer realm="switchyard"' },
  ),
  adminRequired: errorReply(
    401,
    "authentication_error",
    "This route needs an admin key: send `Authorization: Bearer <admin key>`",
    "admin_key_required",
    null,
    { "www-authenticate": 'Bearer realm="switchyard-admin"' },
  ),
  tooLarge: (limit: number) =>
    errorReply(
      413,
      "invalid_request_error",
      `Request body exceeds the gateway's limit of ${limit} bytes`,
      "request_too_large",
      null,
      { connection: "close" },
    ),
  notFound: (path: string) =>
    errorReply(404, "not_found_error", `No route for ${path.slice(0, 200)}`, "route_not_found"),
  methodNotAllowed: (method: string, allow: string) =>
    errorReply(
      405,
      "invalid_request_error",
      `Method ${method.slice(0, 20)} is not allowed here`,
      "method_not_allowed",
      null,
      {
        allow,
      },
    ),
  internal: errorReply(500, "server_error", "Internal gateway error", "internal_error"),
  shuttingDown: errorReply(
    503,
    "server_error",
    "The gateway is shutting down; retry the request",
    "server_shutting_down",
    null,
    { connection: "close", "retry-after": "1" },
  ),
  clientClosed: errorReply(499, "invalid_request_error", "Client closed the request", "client_closed_request"),
} as const

/** Serialize an error reply; a trace, when requested, is a sibling of `error` (as OpenRouter's metadata). */
export const errorJson = (reply: ErrorReply, trace?: unknown): string =>
  JSON.stringify(trace === undefined ? { error: reply.error } : { error: reply.error, switchyard_trace: trace })
