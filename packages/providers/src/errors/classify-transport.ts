/**
 * A thrown network error (undici / node:net) → ProviderError.
 *
 *   classifyTransportError(provider, cause) → ProviderError        what a client may see
 *   transportErrorDetail(cause, redact) → string                   the full story, for the log only
 *
 * connect/headers/body timeouts → UpstreamTimeout{phase}; refused/DNS/unreachable → TransportError{kind:"connect"};
 * reset, socket closed, truncated body → TransportError{kind:"reset"}. Anything unknown counts as a reset.
 * The error's message names the failure and its code only (`connect failed (ECONNREFUSED)`): Node's and
 * undici's messages carry hosts, ports and addresses (`connect ECONNREFUSED 10.0.0.7:443`), which must not
 * reach a client; they go to the log through `transportErrorDetail`.
 */
import { type ProviderError, TransportError, UpstreamTimeout } from "@switchyard/core"
import type { Redactor } from "./redact.js"

const connectCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
])

const timeoutPhase: Readonly<Record<string, "connect" | "headers" | "body">> = {
  UND_ERR_CONNECT_TIMEOUT: "connect",
  ETIMEDOUT: "connect",
  UND_ERR_HEADERS_TIMEOUT: "headers",
  UND_ERR_BODY_TIMEOUT: "body",
}

/** Every `code` along the error's `cause` chain and inside AggregateErrors. */
const codesOf = (cause: unknown, depth = 0): Array<string> => {
  if (depth > 5 || typeof cause !== "object" || cause === null) return []
  const e = cause as { code?: unknown; cause?: unknown; errors?: unknown }
  const own = typeof e.code === "string" ? [e.code] : []
  const nested = Array.isArray(e.errors) ? e.errors.flatMap((x) => codesOf(x, depth + 1)) : []
  return [...own, ...nested, ...codesOf(e.cause, depth + 1)]
}

const messagesOf = (cause: unknown, depth = 0): Array<string> => {
  if (depth > 5) return []
  if (typeof cause === "string") return [cause]
  if (!(cause instanceof Error)) return []
  const own = cause.message || cause.name
  const nested = cause instanceof AggregateError ? cause.errors.flatMap((x) => messagesOf(x, depth + 1)) : []
  return [own, ...nested, ...messagesOf(cause.cause, depth + 1)]
}

/** Error codes are identifiers (`ECONNREFUSED`, `UND_ERR_SOCKET`); anything else is not echoed. */
const CODE = /^[A-Z][A-Z0-9_]{1,40}$/

export const classifyTransportError = (provider: string, cause: unknown): ProviderError => {
  const codes = codesOf(cause).filter((c) => CODE.test(c))
  const code = codes[0] ?? "unknown"
  for (const c of codes) {
    const phase = timeoutPhase[c]
    if (phase !== undefined)
      return new UpstreamTimeout({ provider, status: 0, message: `${phase} timeout (${c})`, phase })
  }
  const connect = codes.find((c) => connectCodes.has(c))
  if (connect !== undefined)
    return new TransportError({ provider, status: 0, message: `connect failed (${connect})`, kind: "connect" })
  return new TransportError({ provider, status: 0, message: `connection reset (${code})`, kind: "reset" })
}

/** Every message along the error's cause chain, secrets masked (hosts and ports kept): for the log. */
export const transportErrorDetail = (cause: unknown, redact: Redactor): string =>
  redact([...new Set(messagesOf(cause))].join(" <- ") || "network error").slice(0, 1000)
