/**
 * A thrown network error (undici / node:net) → ProviderError.
 *
 *   classifyTransportError(provider, cause, redact) → ProviderError
 *
 * connect/headers/body timeouts → UpstreamTimeout{phase}; refused/DNS/unreachable → TransportError{kind:"connect"};
 * reset, socket closed, truncated body → TransportError{kind:"reset"}. Anything unknown counts as a reset.
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

const messageOf = (cause: unknown): string =>
  cause instanceof Error ? cause.message || cause.name : typeof cause === "string" ? cause : "network error"

export const classifyTransportError = (provider: string, cause: unknown, redact: Redactor): ProviderError => {
  const codes = codesOf(cause)
  const detail = redact(messageOf(cause))
  const code = codes[0] ?? "unknown"
  for (const c of codes) {
    const phase = timeoutPhase[c]
    if (phase !== undefined)
      return new UpstreamTimeout({ provider, status: 0, message: `${phase} timeout (${c}): ${detail}`, phase })
  }
  if (codes.some((c) => connectCodes.has(c)))
    return new TransportError({ provider, status: 0, message: `connect failed (${code}): ${detail}`, kind: "connect" })
  return new TransportError({ provider, status: 0, message: `connection reset (${code}): ${detail}`, kind: "reset" })
}
