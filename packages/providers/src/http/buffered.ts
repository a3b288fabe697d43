/**
 * A buffered HTTP exchange on undici's dispatcher API: the whole response body is collected into one Buffer.
 *
 *   dispatchBuffered(dispatcher, options, done) → cancel()
 *
 * No Promise, no `Readable`, no `AbortController` per request: the handler collects the chunks and calls
 * `done` once, with the response or with undici's error (or `ResponseTooLargeError`: a body past
 * `MAX_RESPONSE_BYTES` is not collected further, the request is aborted). `cancel()` aborts the request (before or after
 * the headers); `done` is not called after it.
 */
import type { Dispatcher } from "undici"
import { ExchangeHandler } from "./exchange-handler.js"
import type { HeaderMap } from "./header-map.js"
import { MAX_RESPONSE_BYTES, ResponseTooLargeError } from "./too-large.js"

export interface BufferedResponse {
  readonly status: number
  readonly headers: HeaderMap
  readonly body: Buffer
}

export type BufferedDone = (error: Error | undefined, response: BufferedResponse | undefined) => void

const EMPTY = Buffer.alloc(0)

class BufferingHandler extends ExchangeHandler {
  private chunks: Array<Buffer> = []
  private size = 0

  constructor(private readonly done: BufferedDone) {
    super()
  }

  protected answered(): void {}

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.closed) return
    this.size += chunk.length
    if (this.size > MAX_RESPONSE_BYTES) {
      this.chunks = []
      this.abort()
      this.done(new ResponseTooLargeError("the response body"), undefined)
      return
    }
    this.chunks.push(chunk)
  }

  onResponseEnd(): void {
    if (!this.close()) return
    const chunks = this.chunks
    const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size)
    this.chunks = []
    this.done(undefined, { status: this.status, headers: this.headers, body })
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (!this.close()) return
    this.chunks = []
    this.done(error, undefined)
  }

  override cancel(): void {
    this.chunks = []
    super.cancel()
  }
}

/** Send one request and collect its response; returns a function that aborts it. */
export const dispatchBuffered = (
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  done: BufferedDone,
): (() => void) => {
  const handler = new BufferingHandler(done).send(dispatcher, options)
  return () => handler.cancel()
}
