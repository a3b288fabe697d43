/**
 * The transport-neutral shapes every adapter translates to and from. Node and Express map
 * `IncomingMessage`/`ServerResponse` onto these directly; Hono, Lambda and the fetch façade map from
 * their native shapes. No Web `Request`/`Response` is involved on Node.
 */

/** Request headers as Node gives them: lower-case names; repeated headers as arrays. */
export type HeaderBag = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

export interface GatewayRequest {
  /** Upper-case HTTP method. */
  readonly method: string
  /** Path relative to where the gateway is mounted, query string allowed (it is ignored). */
  readonly path: string
  readonly headers: HeaderBag
  /** The complete request body (empty for GET). Adapters stop reading at `gateway.maxBodyBytes`. */
  readonly body: Uint8Array
  /** Aborts when the client goes away: the request fiber is interrupted and the upstream call cancelled. */
  readonly signal?: AbortSignal | undefined
  /** The same as `signal`, cheaper on a hot path (the Node adapter uses it): see `CancelHook`. */
  readonly cancel?: CancelHook | undefined
}

/**
 * Client-disconnect notification without an `AbortController` per request: the adapter creates
 * `{ cancelled: false, onCancel: undefined }`; the gateway installs `onCancel`; when the client goes
 * away the adapter sets `cancelled = true` and calls `onCancel`.
 */
export interface CancelHook {
  cancelled: boolean
  onCancel: (() => void) | undefined
}

export const newCancelHook = (): CancelHook => ({ cancelled: false, onCancel: undefined })

/** Tell the gateway the client went away. */
export const cancelNow = (hook: CancelHook): void => {
  if (hook.cancelled) return
  hook.cancelled = true
  hook.onCancel?.()
}

/**
 * A streamed body. Adapters iterate it, honour backpressure between chunks, and call `return()` when
 * the client disconnects (which interrupts the route and cancels the upstream request).
 */
export type StreamBody = AsyncIterable<Uint8Array> & {
  readonly [Symbol.asyncIterator]: () => AsyncIterator<Uint8Array>
}

export interface GatewayResponse {
  readonly status: number
  /** Lower-case header names, single values. */
  readonly headers: Readonly<Record<string, string>>
  /** A string is UTF-8 text (JSON or Prometheus exposition); an async iterable is an SSE stream. */
  readonly body: string | Uint8Array | StreamBody
  /**
   * Wall-clock epoch ms by which the client must have taken the whole response (the request's
   * deadline): an adapter cuts a response whose client stops reading past it.
   */
  readonly deadlineAt?: number | undefined
}

export const isStreamBody = (body: GatewayResponse["body"]): body is StreamBody =>
  typeof body === "object" && !(body instanceof Uint8Array)
