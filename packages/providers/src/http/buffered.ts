/**
 * A buffered HTTP exchange on undici's dispatcher API: the whole response body is collected into one Buffer.
 *
 *   dispatchBuffered(dispatcher, options, done) → cancel()
 *
 * No Promise, no `Readable`, no `AbortController` per request: the handler collects the chunks and calls
 * `done` once, with the response or with undici's error. `cancel()` aborts the request (before or after
 * the headers); `done` is not called after it.
 */
import type { Dispatcher } from "undici"
import { errors } from "undici"
import { type HeaderMap, toHeaderMap } from "./header-map.js"

export interface BufferedResponse {
  readonly status: number
  readonly headers: HeaderMap
  readonly body: Buffer
}

export type BufferedDone = (error: Error | undefined, response: BufferedResponse | undefined) => void

const EMPTY = Buffer.alloc(0)

class BufferingHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined = undefined
  private finished = false
  private status = 0
  private headers: HeaderMap = {}
  private chunks: Array<Buffer> = []
  private size = 0

  constructor(private readonly done: BufferedDone) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.finished) controller.abort(new errors.RequestAbortedError())
    else this.controller = controller
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | Array<string> | undefined>,
  ): void {
    // 1xx informational answers come before the real one
    if (statusCode < 200) return
    this.status = statusCode
    this.headers = toHeaderMap(headers)
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk)
    this.size += chunk.length
  }

  onResponseEnd(): void {
    if (this.finished) return
    this.finished = true
    const chunks = this.chunks
    const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size)
    this.chunks = []
    this.done(undefined, { status: this.status, headers: this.headers, body })
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.finished) return
    this.finished = true
    this.chunks = []
    this.done(error, undefined)
  }

  cancel(): void {
    if (this.finished) return
    this.finished = true
    this.chunks = []
    this.controller?.abort(new errors.RequestAbortedError())
  }
}

/** Send one request and collect its response; returns a function that aborts it. */
export const dispatchBuffered = (
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  done: BufferedDone,
): (() => void) => {
  const handler = new BufferingHandler(done)
  dispatcher.dispatch(options, handler)
  return () => handler.cancel()
}
