import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { type ChunkRead, type JsonObject, type RouteStream, redactGeneric, type StreamDefect } from "@switchyard/core"
import { Context, Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { SSE_HEADERS, SseBody } from "../../src/handler/sse.js"
import { writeResponse } from "../../src/index.js"
import { eventually, listen } from "../support/listen.js"

/** An SSE body over a chunk source the test feeds: `push(batch)` answers the pending read or waits for the next; `push(undefined)` ends. */
const fedSse = () => {
  const queue: Array<ReadonlyArray<JsonObject> | undefined> = []
  let reader: ChunkRead<JsonObject, StreamDefect> | undefined
  const source = {
    read: (done: ChunkRead<JsonObject, StreamDefect>) => {
      if (queue.length > 0) done(undefined, queue.shift())
      else reader = done
    },
    cancel: () => {},
  }
  const push = (batch: ReadonlyArray<JsonObject> | undefined): void => {
    const r = reader
    reader = undefined
    if (r === undefined) queue.push(batch)
    else r(undefined, batch)
  }
  const routed = { source, chunks: Stream.empty, trace: Effect.succeed(undefined) } as unknown as RouteStream
  const body = new SseBody(routed, Context.empty() as Context.Context<never>, {
    withTrace: false,
    redact: redactGeneric,
    signal: undefined,
    onEnd: () => {},
  })
  return { body, push }
}

/**
 * Serve `body` once; the writes the server's socket is asked for (`_write`/`_writev`, each one system call on
 * loopback) are counted. Resolves with the client's response (at its headers).
 */
const serve = async (body: SseBody) => {
  let writes = 0
  const server = createServer((_req, res: ServerResponse) =>
    writeResponse(res, { status: 200, headers: { ...SSE_HEADERS }, body }, false),
  )
  server.on("connection", (socket: Socket) => {
    const s = socket as unknown as Record<"_write" | "_writev", (...args: Array<unknown>) => unknown>
    for (const name of ["_write", "_writev"] as const) {
      const original = s[name]
      s[name] = function (this: unknown, ...args: Array<unknown>) {
        writes++
        return original.apply(this, args)
      }
    }
  })
  const s = await listen(server)
  const req = httpRequest(s.url, { agent: false })
  const res = await new Promise<IncomingMessage>((resolve) => req.on("response", resolve).end())
  let received = ""
  res.setEncoding("utf8")
  res.on("data", (d: string) => (received += d))
  const text = new Promise<string>((resolve) => res.on("end", () => resolve(received)))
  /** Until the client has received `part`. */
  const got = (part: string) => eventually(() => received.includes(part))
  return { res, text, got, writes: () => writes, close: s.close }
}

describe("writeResponse: an SSE body's writes", () => {
  it("sends the headers at once when the first chunks are not there yet (the client learns the stream was accepted)", async () => {
    const { body, push } = fedSse()
    const { res, text, close } = await serve(body)
    expect(res.statusCode).toBe(200)
    expect(res.headers["content-type"]).toBe("text/event-stream; charset=utf-8")
    push([{ n: 1 }])
    push(undefined)
    expect(await text).toBe('data: {"n":1}\n\ndata: [DONE]\n\n')
    await close()
  })

  it("sends the headers with the first chunks when they are there, and the last text with the response's end", async () => {
    const { body, push } = fedSse()
    push([{ n: 1 }, { n: 2 }])
    const { text, got, writes, close } = await serve(body)
    await got('{"n":2}')
    push([{ n: 3 }])
    await got('{"n":3}')
    push(undefined)
    expect(await text).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\ndata: [DONE]\n\n')
    // headers + the first batch, the second batch, [DONE] + the end of the chunked body
    expect(writes()).toBe(3)
    await close()
  })
})
