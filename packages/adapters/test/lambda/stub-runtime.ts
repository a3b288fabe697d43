import { Writable } from "node:stream"
import type { AwsLambdaGlobal } from "../../src/lambda/index.js"

/** What the stubbed Lambda streaming runtime saw: the HTTP prelude, each written chunk, and the end. */
export interface StreamCapture {
  prelude: { statusCode: number; headers?: Record<string, string> } | undefined
  chunks: Array<string>
  ended: boolean
}

/** A response stream like the runtime's: a Writable collecting chunks (with a small buffer for backpressure). */
export const captureStream = (): { stream: Writable; capture: StreamCapture } => {
  const capture: StreamCapture = { prelude: undefined, chunks: [], ended: false }
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, cb) {
      capture.chunks.push(chunk.toString())
      setImmediate(cb)
    },
    final(cb) {
      capture.ended = true
      cb()
    },
  })
  return { stream, capture }
}

/** The global `awslambda` as `hono:runtime-tests/lambda/stream-mock.ts` stubs it. */
export const stubAwsLambda = (captures: Array<StreamCapture>): AwsLambdaGlobal => ({
  streamifyResponse: (handler) => handler,
  HttpResponseStream: {
    from: (stream, prelude) => {
      const capture = captures.at(-1)
      if (capture) capture.prelude = prelude
      return stream
    },
  },
})
