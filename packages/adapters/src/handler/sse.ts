import type { JsonObject, RouteStream, RouteTrace } from "@switchyard/core"
import { type Context, Effect, Stream } from "effect"

const encoder = new TextEncoder()
const DONE = "data: [DONE]\n\n"
const DONE_BYTES = encoder.encode(DONE)

/** Response headers of an SSE stream (the per-request ones are added by the handler). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
}

const frame = (chunk: JsonObject): string => `data: ${JSON.stringify(chunk)}\n\n`

/** In-band failure chunk for a defect while streaming (the router itself never fails its chunk stream). */
const internalErrorChunk = (): JsonObject => ({
  object: "chat.completion.chunk",
  error: { message: "Internal gateway error while streaming", type: "server_error", code: "internal_error" },
  choices: [{ index: 0, delta: { content: "" }, finish_reason: "error" }],
})

export interface SseOptions {
  /** Attach the RouteTrace as top-level `switchyard_trace` on the final chunk (holds one chunk back). */
  readonly withTrace: boolean
  readonly signal: AbortSignal | undefined
  /** Called once with the final trace, however the stream ended (completed, failed or cancelled). */
  readonly onEnd: (trace: RouteTrace | undefined) => void
}

const DONE_RESULT: IteratorReturnResult<undefined> = { done: true, value: undefined }

/**
 * The router's chunk stream as SSE bytes: `data: {chunk}\n\n` … `data: [DONE]\n\n`. Closing it
 * (`return()`, or the request's abort signal) interrupts the chunk stream, which cancels the upstream.
 */
export class SseBody implements AsyncIterableIterator<Uint8Array> {
  private readonly inner: AsyncIterator<JsonObject>
  private held: JsonObject | undefined
  private finished = false
  private ending: Promise<RouteTrace | undefined> | undefined

  constructor(
    private readonly routed: RouteStream,
    private readonly context: Context.Context<never>,
    private readonly options: SseOptions,
  ) {
    this.inner = Stream.toAsyncIterableWith(routed.chunks, context)[Symbol.asyncIterator]()
    options.signal?.addEventListener("abort", this.onAbort, { once: true })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  private readonly onAbort = (): void => {
    void this.return()
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    while (!this.finished) {
      let step: IteratorResult<JsonObject>
      try {
        step = await this.inner.next()
      } catch {
        if (this.finished) return DONE_RESULT
        const trace = await this.end()
        const held = this.held ? frame(this.held) : ""
        return {
          done: false,
          value: encoder.encode(held + frame(withTrace(internalErrorChunk(), trace, this.options)) + DONE),
        }
      }
      if (this.finished) return DONE_RESULT
      if (!step.done) {
        if (!this.options.withTrace) return { done: false, value: encoder.encode(frame(step.value)) }
        const previous = this.held
        this.held = step.value
        if (previous !== undefined) return { done: false, value: encoder.encode(frame(previous)) }
        continue
      }
      const trace = await this.end()
      if (this.held === undefined) return { done: false, value: DONE_BYTES }
      return { done: false, value: encoder.encode(frame(withTrace(this.held, trace, this.options)) + DONE) }
    }
    return DONE_RESULT
  }

  /** Client went away (or the adapter stopped reading): interrupt the stream, record the trace. */
  async return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.finished) {
      this.finished = true
      await this.inner.return?.()
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
}

const withTrace = (chunk: JsonObject, trace: RouteTrace | undefined, options: SseOptions): JsonObject =>
  options.withTrace && trace !== undefined ? { ...chunk, switchyard_trace: trace } : chunk
