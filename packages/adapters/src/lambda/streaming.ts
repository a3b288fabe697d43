import type { Writable } from "node:stream"
import type { Gateway } from "../handler/gateway.js"
import { isStreamBody } from "../handler/types.js"
import { fromLambdaEvent, type LambdaContext, type LambdaHttpEvent, type LambdaOptions } from "./event.js"

/** What the Lambda Node.js runtime provides as the global `awslambda` (not importable). */
export interface AwsLambdaGlobal {
  readonly streamifyResponse: <E, C>(
    handler: (event: E, responseStream: Writable, context: C) => Promise<void>,
  ) => (event: E, responseStream: Writable, context: C) => Promise<void>
  readonly HttpResponseStream: {
    readonly from: (stream: Writable, prelude: { statusCode: number; headers?: Record<string, string> }) => Writable
  }
}

const awslambda = (): AwsLambdaGlobal => {
  const g = (globalThis as unknown as { awslambda?: AwsLambdaGlobal }).awslambda
  if (g === undefined)
    throw new Error(
      "The global `awslambda` is missing: the streaming handler runs only inside the AWS Lambda Node.js runtime (Function URL with InvokeMode RESPONSE_STREAM)",
    )
  return g
}

const write = (stream: Writable, chunk: Uint8Array | string): Promise<boolean> =>
  stream.write(chunk)
    ? Promise.resolve(true)
    : new Promise((resolve) => {
        const onDrain = () => {
          stream.off("close", onClose)
          resolve(true)
        }
        const onClose = () => {
          stream.off("drain", onDrain)
          resolve(false)
        }
        stream.once("drain", onDrain)
        stream.once("close", onClose)
      })

/** End the response stream and wait until it has flushed (or was destroyed). */
const ended = (stream: Writable): Promise<void> =>
  stream.destroyed || stream.writableFinished
    ? Promise.resolve()
    : new Promise((resolve) => {
        stream.once("close", resolve)
        stream.end(() => resolve())
      })

/**
 * A response-streaming Lambda handler (Function URL `InvokeMode: RESPONSE_STREAM`, or API Gateway with
 * response streaming): SSE chunks reach the client as the router produces them. Build it once at module
 * scope: `export const handler = createLambdaStreamingHandler(gateway)`.
 */
export const createLambdaStreamingHandler = (gateway: Gateway, options: LambdaOptions = {}) => {
  const lambda = awslambda()
  return lambda.streamifyResponse<LambdaHttpEvent, LambdaContext | undefined>(
    async (event, responseStream, context) => {
      const mapped = fromLambdaEvent(gateway, event, context, options)
      const onClose = "tooLarge" in mapped ? undefined : mapped.abort
      if (onClose) responseStream.once("close", onClose)
      const response = "tooLarge" in mapped ? gateway.tooLarge() : await gateway.handle(mapped.request)
      const stream = lambda.HttpResponseStream.from(responseStream, {
        statusCode: response.status,
        headers: { ...response.headers },
      })
      const body = response.body
      try {
        if (!isStreamBody(body)) {
          if (typeof body === "string" ? body.length > 0 : body.byteLength > 0) await write(stream, body)
          return
        }
        const it = body[Symbol.asyncIterator]()
        try {
          for (;;) {
            const step = await it.next()
            if (step.done) break
            if (!(await write(stream, step.value))) break
          }
        } finally {
          await it.return?.()
        }
      } finally {
        if (onClose) responseStream.off("close", onClose)
        await ended(stream)
        if (!("tooLarge" in mapped)) mapped.cancel()
      }
    },
  )
}
