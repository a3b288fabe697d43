import * as Data from "effect/Data"
import type { InvalidRequest, ModelNotFound, NoEndpoint } from "../errors.js"
import type { ProviderErrorTag, UpstreamErrorDetail } from "../provider/errors.js"
import type { StateUnavailable } from "../services/errors.js"
import type { RouteTrace } from "./types.js"

/** Every admissible endpoint was rate-limited (or refused by capacity): the client should retry after `retryAfterMs`. */
export class AllRateLimited extends Data.TaggedError("AllRateLimited")<{
  readonly message: string
  /** Earliest moment (from now) any admissible endpoint frees up. */
  readonly retryAfterMs: number
  /** Whether the 429s came from upstreams (`upstream`) or from Switchyard's own capacity prediction (`gateway`). */
  readonly origin: "upstream" | "gateway"
  readonly trace: RouteTrace
}> {}

/** The last attempt's upstream error, after fallbacks were exhausted (or it was not retryable). */
export class UpstreamFailed extends Data.TaggedError("UpstreamFailed")<{
  /** `<slug>: <upstream message>` (redacted by the plugin). */
  readonly message: string
  /** The upstream's message alone (what a relayed 4xx shows). */
  readonly upstreamMessage?: string | undefined
  /** Slug and endpoint id of the endpoint that failed. */
  readonly provider?: string | undefined
  readonly endpoint?: string | undefined
  readonly error: ProviderErrorTag
  /** Upstream status, 0 if none. */
  readonly upstreamStatus: number
  /** Status the HTTP layer should answer (400/401→502/403/404/413/422/502/503/504). */
  readonly httpStatus: number
  readonly param: string | undefined
  /** The upstream's own type/code/param/extra fields of a client-side (4xx) error, to relay as sent. */
  readonly upstream?: UpstreamErrorDetail | undefined
  /** The upstream's request id of the failed response, if it sent one. */
  readonly upstreamRequestId?: string | undefined
  /**
   * The client-facing `error.code` when the tag alone does not decide it: `provider_unreachable` for a
   * connection that could not be made (refused, DNS, unreachable, TLS) — the message then names the
   * provider and the error code, never the upstream's host, port or URL.
   */
  readonly code?: string | undefined
  readonly trace: RouteTrace
}> {}

/** The overall request deadline passed before any attempt succeeded. */
export class DeadlineExceeded extends Data.TaggedError("DeadlineExceeded")<{
  readonly message: string
  readonly trace: RouteTrace
}> {}

export type RouteError =
  | InvalidRequest
  | ModelNotFound
  | NoEndpoint
  | AllRateLimited
  | UpstreamFailed
  | DeadlineExceeded
  | StateUnavailable
