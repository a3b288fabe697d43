import type { HeaderBag } from "./types.js"

/** First value of a request header (names are lower-case). */
export const headerValue = (headers: HeaderBag, name: string): string | undefined => {
  const v = headers[name]
  return typeof v === "string" ? v : v?.[0]
}

/** Headers a browser may read from a cross-origin response (wire-facts §6.10: expose retry-after). */
export const EXPOSED_HEADERS = [
  "retry-after",
  "retry-after-ms",
  "x-request-id",
  "x-switchyard-provider",
  "x-switchyard-attempts",
  "x-switchyard-model",
  "x-switchyard-ratelimit-origin",
  "x-switchyard-upstream-request-id",
].join(", ")

const DEFAULT_ALLOWED_HEADERS = "authorization, content-type, x-request-id, x-switchyard-trace, x-session-id"

export interface CorsHeaders {
  /** Added to every response. */
  readonly base: Readonly<Record<string, string>>
  /** The answer to an OPTIONS preflight. */
  readonly preflight: (requestedHeaders: string | undefined) => Readonly<Record<string, string>>
}

const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~, -]{0,1024}$/

export const makeCorsHeaders = (origin: string): CorsHeaders => {
  const base = { "access-control-allow-origin": origin, "access-control-expose-headers": EXPOSED_HEADERS }
  return {
    base,
    preflight: (requested) => ({
      ...base,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers":
        requested !== undefined && requested !== "" && HEADER_LIST.test(requested)
          ? requested
          : DEFAULT_ALLOWED_HEADERS,
      "access-control-max-age": "86400",
      vary: "access-control-request-headers",
    }),
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/

/** The client's `x-request-id` when it is a sane token, else a fresh UUID. */
export const requestIdOf = (headers: HeaderBag): string => {
  const given = headerValue(headers, "x-request-id")
  return given !== undefined && REQUEST_ID.test(given) ? given : crypto.randomUUID()
}
