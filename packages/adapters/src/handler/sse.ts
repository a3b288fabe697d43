import {
  type ChunkRead,
  type ChunkSource,
  inBandErrorChunk,
  type JsonObject,
  type Redactor,
  type RouteStream,
  type RouteTrace,
  redactDeep,
  type StreamDefect,
  sourceOfStream,
} from "@switchyard/core"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"

const encoder = new TextEncoder()
const DONE = "data: [DONE]\n\n"

/** Response headers of an SSE stream (the per-request ones are added by the handler). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
}

const frame = (chunk: JsonObject): string => `data: ${JSON.stringify(chunk)}\n\n`

/** An in-band error chunk of the gateway's own, with the stream's id, created and model (`inBandErrorChunk`). */
const ownErrorChunk = (first: JsonObject | undefined, error: JsonObject): JsonObject =>
  inBandErrorChunk(first, first?.model, error)

/** In-band failure for a defect while streaming (the router itself never fails its chunk stream). */
const INTERNAL_ERROR: JsonObject = {
  message: "Internal gateway error while streaming",
  type: "server_error",
  code: "internal_error",
}

/** In-band end of a stream the gateway cut because it is shutting down (its drain grace ran out). */
const SHUTTING_DOWN: JsonObject = {
  message: "The gateway is shutting down; the stream was ended before completion",
  type: "server_error",
  code: "server_shutting_down",
}

export interface SseOptions {
  /** Attach the RouteTrace as top-level `switchyard_trace` on the final chunk (holds one chunk back). */
  readonly withTrace: boolean
  /** Applied to in-band error chunks and the trace (upstream text). */
  readonly redact: Redactor
  readonly signal: AbortSignal | undefined
  /** Called once with the final trace, however the stream ended (completed, failed or cancelled). */
  readonly onEnd: (trace: RouteTrace | undefined) => void
}

const DONE_RESULT: IteratorReturnResult<undefined> = { done: true, value: undefined }

/** Takes the next piece of SSE text (`undefined`: the stream is over); `last`: the piece that ends the stream. */
type SseWriter = (text: string | undefined, last?: boolean) => void

/**
 * The router's chunk stream as SSE bytes: `data: {chunk}\n\n` … `data: [DONE]\n\n`, read from the
 * stream's `source` on callbacks (the one bridge from the upstream's exchange to the socket: nothing runs
 * or waits in between). Every batch of chunks the router hands over becomes one write. Closing it
 * (`return()`, or the request's abort signal) cancels the stream, which closes the upstream.
 */
export class SseBody implements AsyncIterableIterator<Uint8Array> {
  private held: JsonObject | undefined
  /** The stream's first chunk: its id, created and model go on the gateway's own in-band error chunks. */
  private first: JsonObject | undefined
  private finished = false
  private ending: Promise<RouteTrace | undefined> | undefined
  /** The writer waiting on the stream's next batch (one read at a time). */
  private writer: SseWriter | undefined
  private readonly onBatch: ChunkRead<JsonObject, StreamDefect> = (defect, batch) => this.batch(defect, batch)
  private readonly source: ChunkSource<JsonObject, StreamDefect>

  constructor(
    private readonly routed: RouteStream,
    private readonly context: Context.Context<never>,
    private readonly options: SseOptions,
  ) {
    this.source = routed.source ?? sourceOfStream(routed.chunks, context)
    options.signal?.addEventListener("abort", this.onAbort, { once: true })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  private readonly onAbort = (): void => {
    void this.return()
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    return new Promise((resolve) => {
      this.read((text) => resolve(text === undefined ? DONE_RESULT : { done: false, value: encoder.encode(text) }))
    })
  }

  /**
   * The next piece of the SSE text to `write` (one per batch of chunks; the last one ends with
   * `[DONE]` and comes with `last`: nothing follows it), or `undefined` once the stream is over. One read
   * at a time. No Promise while the stream waits on its upstream (the Node adapter writes from here directly).
   */
  read(write: SseWriter): void {
    if (this.finished) {
      write(undefined)
      return
    }
    this.writer = write
    this.source.read(this.onBatch)
  }

  private batch(defect: StreamDefect | undefined, batch: ReadonlyArray<JsonObject> | undefined): void {
    const write = this.writer
    this.writer = undefined
    if (write === undefined) return
    if (this.finished) write(undefined)
    else if (defect !== undefined) {
      void this.end().then((trace) => {
        const held = this.held ? frame(this.held) : ""
        write(held + frame(this.decorate(ownErrorChunk(this.first, INTERNAL_ERROR), trace)) + DONE, true)
      })
    } else if (batch !== undefined) {
      const text = this.framed(batch)
      if (text !== "") write(text)
      else this.read(write)
    } else {
      void this.end().then((trace) => {
        const last = this.held === undefined ? "" : frame(this.decorate(this.held, trace))
        write(last + DONE, true)
      })
    }
  }

  /** The frames of one batch; in trace mode the last chunk is held back for the trace. */
  private framed(batch: ReadonlyArray<JsonObject>): string {
    if (this.first === undefined) this.first = batch[0]
    let text = ""
    if (!this.options.withTrace) {
      for (let i = 0; i < batch.length; i++) text += frame(this.safe(batch[i]!))
      return text
    }
    for (let i = 0; i < batch.length; i++) {
      if (this.held !== undefined) text += frame(this.held)
      this.held = this.safe(batch[i]!)
    }
    return text
  }

  /** An in-band error chunk carries upstream text: redacted. Content chunks are passed as they are. */
  private safe(chunk: JsonObject): JsonObject {
    return chunk.error === undefined ? chunk : redactDeep(chunk, this.options.redact)
  }

  /**
   * End now because the gateway is shutting down: the last SSE text to write (a chunk held back for the
   * trace, an in-band error chunk with the stream's ids — and its trace, when asked for — then `[DONE]`); the
   * stream is interrupted (cancelling its upstream) and its trace recorded. A read in progress gets the end.
   */
  async shutdown(): Promise<string> {
    const held = this.held === undefined ? "" : frame(this.held)
    this.held = undefined
    await this.return()
    const trace = await this.end()
    return held + frame(this.decorate(ownErrorChunk(this.first, SHUTTING_DOWN), trace)) + DONE
  }

  /** Client went away (or the adapter stopped reading): interrupt the stream, record the trace. */
  async return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.finished) {
      this.finished = true
      this.source.cancel()
      // a read in progress gets the end
      const write = this.writer
      this.writer = undefined
      write?.(undefined)
      await this.end()
    }
    return DONE_RESULT
  }

  private end(): Promise<RouteTrace | undefined> {
    if (this.ending === undefined) {
      this.finished = true
      this.options.signal?.removeEventListener("abort", this.onAbort)
      this.ending = Effect.runPromiseWith(this.context)(
        Effect.map(Effect.timeoutOption(this.routed.trace, "5 seconds"), (o) =>
          o._tag === "Some" ? o.value : undefined,
        ),
      ).then(
        (trace) => {
          this.options.onEnd(trace)
          return trace
        },
        () => {
          this.options.onEnd(undefined)
          return undefined
        },
      )
    }
    return this.ending
  }

  private decorate(chunk: JsonObject, trace: RouteTrace | undefined): JsonObject {
    return this.options.withTrace && trace !== undefined
      ? { ...chunk, switchyard_trace: redactDeep(trace, this.options.redact) }
      : chunk
  }
}
