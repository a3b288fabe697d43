import { createServer, request as httpRequest, type IncomingMessage } from "node:http"
import { connect } from "node:net"
import { type RouteStream, redactGeneric } from "@switchyard/core"
import { Context, Effect, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SseBody } from "../../src/handler/sse.js"
import { createGateway, createNodeServer, type StreamBody, writeResponse } from "../../src/index.js"
import { sseEvents } from "../support/call.js"
import { eventually, listen } from "../support/listen.js"
import { surfaceRuntime } from "../support/surface-router.js"

const { runtime, probe } = surfaceRuntime()
const gateway = createGateway({ runtime, maxBodyBytes: 4096 })
let base = ""
let close: () => Promise<void>
beforeAll(async () => {
  const s = await listen(createNodeServer(gateway))
  base = s.url
  close = s.close
})
afterAll(async () => {
  await close()
  await runtime.dispose()
})

const hello = { model: "google/gemini-2.5-pro-preview", messages: [{ role: "user", content: "Hello" }] }
const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  })

describe("Node adapter on a real port", () => {
  it("serves JSON completions with the gateway's headers", async () => {
    const r = await post(hello)
    expect(r.status).toBe(200)
    expect(r.headers.get("x-switchyard-provider")).toBe("cheap")
    expect(r.headers.get("content-length")).toBe(String((await r.clone().arrayBuffer()).byteLength))
    expect((await r.json()).choices[0].message.content).toBe("Hello!")
  })

  it("streams SSE frames ending with [DONE]", async () => {
    const r = await post({ ...hello, stream: true })
    expect(r.headers.get("content-type")).toBe("text/event-stream; charset=utf-8")
    const events = sseEvents(await r.text())
    expect(events.at(-1)).toBe("[DONE]")
    expect(events).toHaveLength(4)
  })

  it("HEAD answers headers only", async () => {
    const r = await fetch(`${base}/healthz`, { method: "HEAD" })
    expect(r.status).toBe(200)
    expect(await r.text()).toBe("")
  })

  it("refuses a body over the limit from content-length with 413, before the router sees it", async () => {
    const before = probe.requests.length
    const r = await post({ ...hello, pad: "x".repeat(5000) })
    expect(r.status).toBe(413)
    expect((await r.json()).error.code).toBe("request_too_large")
    expect(probe.requests.length).toBe(before)
  })

  it("refuses a chunked body (no content-length) once it passes the limit, without reading it all", async () => {
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // keeps sending until the server stops reading: a 10 MiB body
        if (sent >= 10 * 1024 * 1024) return controller.close()
        sent += 64 * 1024
        controller.enqueue(new Uint8Array(64 * 1024).fill(32))
        await new Promise((r) => setTimeout(r, 1))
      },
    })
    const r = await fetch(`${base}/v1/chat/completions`, { method: "POST", body, duplex: "half" } as RequestInit).catch(
      (e: unknown) => e,
    )
    if (r instanceof Response) {
      expect(r.status).toBe(413)
      expect((await r.json()).error.code).toBe("request_too_large")
    }
    expect(sent).toBeLessThan(10 * 1024 * 1024)
  })

  it("a request Node's HTTP parser rejects still gets the error envelope", async () => {
    const { port } = new URL(base)
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1", () => socket.write("NOT-HTTP garbage\r\n\r\n"))
      let text = ""
      socket.on("data", (d) => {
        text += d.toString()
      })
      socket.on("close", () => resolve(text))
    })
    expect(answer.startsWith("HTTP/1.1 400")).toBe(true)
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)).error.code).toBe("malformed_http_request")
  })

  /** Write raw bytes on a fresh connection; resolves with everything the server sent until it closed. */
  const rawExchange = (text: string): Promise<string> => {
    const { port } = new URL(base)
    return new Promise<string>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1", () => socket.write(text))
      let answer = ""
      socket.on("data", (d) => {
        answer += d.toString()
        if (answer.includes("\r\n\r\n") && answer.includes('"error"') && answer.trimEnd().endsWith("}")) socket.end()
      })
      socket.on("close", () => resolve(answer))
    })
  }
  const envelopeOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))

  it("two Authorization headers → 400, not 'the first one wins' (even on an open gateway)", async () => {
    const body = JSON.stringify(hello)
    const answer = await rawExchange(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer one\r\nAuthorization: Bearer two\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
    )
    expect(answer.startsWith("HTTP/1.1 400")).toBe(true)
    expect(envelopeOf(answer).error).toMatchObject({ code: "multiple_authorization_headers", param: null })
  })

  it("CONNECT → 405 with the error envelope", async () => {
    const answer = await rawExchange("CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n")
    expect(answer.startsWith("HTTP/1.1 405")).toBe(true)
    expect(answer.toLowerCase()).toContain("allow: ")
    expect(envelopeOf(answer).error).toMatchObject({ code: "method_not_allowed", type: "invalid_request_error" })
  })

  it("destroying the client socket mid-request interrupts the route", async () => {
    const id = "disconnect-raw"
    const req = httpRequest(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-request-id": id, "content-type": "application/json" },
    })
    req.on("error", () => {})
    req.end(JSON.stringify({ ...hello, model: "hang" }))
    await eventually(() => probe.requests.some((r) => r.requestId === id))
    req.destroy()
    await eventually(() => probe.interrupted.includes(id))
  })

  it("destroying the client socket mid-stream interrupts the chunk stream", async () => {
    const id = "disconnect-stream"
    const req = httpRequest(`${base}/v1/chat/completions`, { method: "POST", headers: { "x-request-id": id } })
    req.on("error", () => {})
    const firstChunk = new Promise<string>((resolve) =>
      req.on("response", (res) => res.once("data", (d: Buffer) => resolve(d.toString()))),
    )
    req.end(JSON.stringify({ ...hello, model: "endless", stream: true }))
    expect(await firstChunk).toContain("tick")
    req.destroy()
    await eventually(() => probe.interrupted.includes(id))
  })
})

/**
 * Serve a streamed body with `writeResponse` to a client that reads nothing for 300 ms, then goes
 * away; waits until `ended()` holds. Returns `pulled()` as it was while the client stalled.
 */
const stalledClient = async (
  makeBody: () => StreamBody,
  pulled: () => number,
  ended: () => boolean,
): Promise<number> => {
  const server = createServer((_req, res) => writeResponse(res, { status: 200, headers: {}, body: makeBody() }, false))
  const s = await listen(server)
  const req = httpRequest(s.url)
  const res = await new Promise<IncomingMessage>((resolve) => req.on("response", resolve).end())
  res.pause()
  await new Promise((r) => setTimeout(r, 300))
  const whileStalled = pulled()
  res.destroy()
  await eventually(ended)
  await s.close()
  return whileStalled
}

describe("writeResponse", () => {
  it("honours backpressure: stops pulling chunks while the client does not read", async () => {
    let pulled = 0
    const total = 2000
    const chunk = new Uint8Array(64 * 1024).fill(97)
    let closed = false
    const body: StreamBody = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          if (pulled >= total) return { done: true, value: undefined }
          pulled++
          return { done: false, value: chunk }
        },
        return: async () => {
          closed = true
          return { done: true, value: undefined }
        },
      }),
    }
    const whileStalled = await stalledClient(
      () => body,
      () => pulled,
      () => closed,
    )
    // 2000 × 64 KiB = 125 MiB would have been pulled without backpressure; socket buffers hold a few MiB.
    expect(whileStalled).toBeLessThan(200)
  })

  it("an SSE body: stops pulling chunks while the client does not read; the client going away ends the stream", async () => {
    let pulled = 0
    let finalized = false
    let ended = false
    const big = "x".repeat(64 * 1024)
    const routed = {
      chunks: Stream.fromEffect(Effect.sync(() => ({ n: ++pulled, text: big }))).pipe(
        Stream.forever,
        Stream.ensuring(Effect.sync(() => (finalized = true))),
      ),
      trace: Effect.succeed(undefined),
    } as unknown as RouteStream
    const whileStalled = await stalledClient(
      () =>
        new SseBody(routed, Context.empty() as Context.Context<never>, {
          withTrace: false,
          redact: redactGeneric,
          signal: undefined,
          onEnd: () => (ended = true),
        }),
      () => pulled,
      () => finalized && ended,
    )
    // unbounded, this would pull thousands of 64 KiB chunks in 300 ms; socket buffers hold a few MiB
    expect(whileStalled).toBeGreaterThan(0)
    expect(whileStalled).toBeLessThan(200)
  })
})
