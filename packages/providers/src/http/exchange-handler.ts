/**
 * What every one-request undici handler here shares (`dispatchBuffered`, `dispatchSse`): it keeps the
 * request's controller so `cancel()` aborts before or after the headers (a cancel that comes before
 * undici starts the request aborts it at its start), skips 1xx answers, records the final status and
 * headers, and closes once: at the body's end, on an error, or on `cancel()`.
 *
 * A subclass handles the body: `answered(controller)` runs when the final status and headers are in,
 * `close()` (true only the first time) marks the request over from `onResponseEnd` / `onResponseError`.
 * Start it with `send`: options undici rejects synchronously fail the request like any request error.
 */
import type { Dispatcher } from "undici"
import { type HeaderMap, toHeaderMap } from "./header-map.js"
import { RequestAbortedError } from "./undici.js"

export abstract class ExchangeHandler implements Dispatcher.DispatchHandler {
  /** Undefined before the request starts and once it is over. */
  protected controller: Dispatcher.DispatchController | undefined = undefined
  /** Set once the request is over for us: ended, failed or cancelled. */
  protected closed = false
  protected status = 0
  protected headers: HeaderMap = {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.closed) controller.abort(new RequestAbortedError())
    else this.controller = controller
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | Array<string> | undefined>,
  ): void {
    // 1xx informational answers come before the real one
    if (statusCode < 200 || this.closed) return
    this.status = statusCode
    this.headers = toHeaderMap(headers)
    this.answered(controller)
  }

  /** Dispatch the request; a synchronous throw (invalid options) arrives as `onResponseError`. */
  send(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): this {
    try {
      dispatcher.dispatch(options, this)
    } catch (error) {
      this.onResponseError(undefined, error instanceof Error ? error : new Error(String(error)))
    }
    return this
  }

  /** The final status and headers are in (`status`, `headers`). */
  protected abstract answered(controller: Dispatcher.DispatchController): void

  abstract onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void
  abstract onResponseEnd(): void
  /** undici's error, or a dispatch that threw (no controller then). */
  abstract onResponseError(controller: Dispatcher.DispatchController | undefined, error: Error): void

  /** Mark the request over; false when it already was. */
  protected close(): boolean {
    if (this.closed) return false
    this.closed = true
    this.controller = undefined
    return true
  }

  /** Close and abort the request; false when it was already over (undici's error for the abort then finds it closed). */
  protected abort(): boolean {
    const controller = this.controller
    if (!this.close()) return false
    controller?.abort(new RequestAbortedError())
    return true
  }

  /** Abort the request (no-op once it is over). */
  cancel(): void {
    this.abort()
  }
}
