/**
 * A streamed SSE exchange on undici's dispatcher API: no `Readable` body, no async iterator, no
 * `AbortController` per request. The handler decodes SSE messages as the bytes arrive and hands them
 * to the reader in batches, one per body chunk.
 *
 *   dispatchSse(dispatcher, options, onHead, acceptJson?) → SseExchange
 *     onHead(error, head) is called once: with undici's error (nothing answered), or with the status and
 *     headers — for a non-2xx status only after the whole (error) body was read, as `head.errorBody`;
 *     with `acceptJson`, a 2xx that is not `text/event-stream` is read whole too, as `head.jsonBody`
 *     (Google answers a stream request without SSE framing as one JSON array).
 *   exchange.read(done)   the next batch of messages, or `done(undefined, undefined)` at the end of the
 *                         body, or `done(error)`; one read at a time. Backpressure: while decoded
 *                         messages wait for a reader the socket is paused.
 *   exchange.cancel()     abort the request (before or after the headers); no callback runs after it.
 */
import type { Dispatcher } from "undici"
import { ExchangeHandler } from "../http/exchange-handler.js"
import type { HeaderMap } from "../http/header-map.js"
import { MAX_RESPONSE_BYTES, ResponseTooLargeError } from "../http/too-large.js"
import { SseDecoder, type SseMessage } from "./decoder.js"

export interface SseHead {
  readonly status: number
  readonly headers: HeaderMap
  /** The body of a non-2xx answer (read whole); undefined for a 2xx, whose body is the SSE stream. */
  readonly errorBody: string | undefined
  /** `acceptJson` only: the body of a 2xx answer that is not `text/event-stream` (read whole). */
  readonly jsonBody?: string | undefined
}

export type SseBatch = readonly [SseMessage, ...Array<SseMessage>]
export type SseHeadCallback = (error: Error | undefined, head: SseHead | undefined) => void
export type SseReadCallback = (error: Error | undefined, batch: SseBatch | undefined) => void

const isOk = (status: number) => status >= 200 && status < 300
const isEventStream = (contentType: string | undefined) => (contentType ?? "").includes("text/event-stream")

export class SseExchange extends ExchangeHandler {
  private onHead: SseHeadCallback | undefined
  /** A body read whole before `onHead`: a non-2xx answer's, or (`acceptJson`) a 2xx JSON answer's. */
  private wholeParts: Array<Buffer> | undefined = undefined
  private wholeSize = 0
  private decoder: SseDecoder | undefined = undefined
  private ended = false
  private failure: Error | undefined = undefined
  private reader: SseReadCallback | undefined = undefined

  constructor(
    onHead: SseHeadCallback,
    private readonly acceptJson: boolean,
  ) {
    super()
    this.onHead = onHead
  }

  protected answered(controller: Dispatcher.DispatchController): void {
    // the controller lives as long as the stream: do not keep the raw header Buffers with it
    controller.rawHeaders = null
    if (!isOk(this.status) || (this.acceptJson && !isEventStream(this.headers["content-type"]))) {
      this.wholeParts = []
      return
    }
    this.decoder = new SseDecoder()
    this.head(undefined, { status: this.status, headers: this.headers, errorBody: undefined })
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.closed) return
    if (this.wholeParts !== undefined) {
      this.wholeSize += chunk.length
      if (this.wholeSize > MAX_RESPONSE_BYTES) this.tooLarge("the response body")
      else this.wholeParts.push(chunk)
      return
    }
    const decoder = this.decoder
    if (decoder === undefined) return
    decoder.feed(chunk)
    if (decoder.overflows(MAX_RESPONSE_BYTES)) {
      this.tooLarge("an SSE event")
      return
    }
    if (!decoder.hasPending) return
    if (this.reader !== undefined) this.deliver()
    else controller.pause()
  }

  onResponseEnd(): void {
    if (!this.close()) return
    if (this.wholeParts !== undefined) {
      const body = Buffer.concat(this.wholeParts).toString("utf8")
      this.wholeParts = undefined
      const ok = isOk(this.status)
      this.head(undefined, {
        status: this.status,
        headers: this.headers,
        errorBody: ok ? undefined : body,
        jsonBody: ok ? body : undefined,
      })
      return
    }
    this.ended = true
    this.decoder?.end()
    if (this.reader !== undefined) this.deliver()
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (!this.close()) return
    this.wholeParts = undefined
    if (this.onHead !== undefined) {
      this.head(error, undefined)
      return
    }
    this.failure = error
    if (this.reader !== undefined) this.deliver()
  }

  private head(error: Error | undefined, head: SseHead | undefined): void {
    const onHead = this.onHead
    this.onHead = undefined
    onHead?.(error, head)
  }

  /** The next batch of messages (`undefined` at the end of the body) or the body's error. */
  read(done: SseReadCallback): void {
    this.reader = done
    const decoder = this.decoder
    if (decoder?.hasPending || this.ended || this.failure !== undefined) {
      this.deliver()
      return
    }
    const controller = this.controller
    if (controller?.paused) controller.resume()
  }

  private deliver(): void {
    const reader = this.reader
    if (reader === undefined) return
    const batch = this.decoder?.take()
    if (batch !== undefined) {
      this.reader = undefined
      reader(undefined, batch)
    } else if (this.failure !== undefined) {
      this.reader = undefined
      reader(this.failure, undefined)
    } else if (this.ended) {
      this.reader = undefined
      reader(undefined, undefined)
    }
  }

  /** The upstream sent more than is held of one answer: the request is aborted, the reader (or `onHead`) fails. */
  private tooLarge(what: string): void {
    if (!this.abort()) return
    this.wholeParts = undefined
    const error = new ResponseTooLargeError(what)
    if (this.onHead !== undefined) {
      this.head(error, undefined)
      return
    }
    this.failure = error
    if (this.reader !== undefined) this.deliver()
  }

  /** Abort the request (no-op once it is over). No callback runs after this. */
  override cancel(): void {
    this.onHead = undefined
    this.reader = undefined
    this.wholeParts = undefined
    super.cancel()
  }
}

/** Send one request whose answer is read as SSE; see `SseExchange`. */
export const dispatchSse = (
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  onHead: SseHeadCallback,
  acceptJson = false,
): SseExchange => new SseExchange(onHead, acceptJson).send(dispatcher, options)
