/**
 * Slow clients are reaped: a request's headers and its whole body must arrive within the configured
 * limits (408 envelope, connection closed), and a process holds at most `maxConnections` client
 * connections — so clients trickling bytes cannot exhaust descriptors and starve normal requests.
 * (Before: `requestTimeout = 0`, a body trickled one byte a second was never cut; header trickling got 400.)
 */
import type { Server } from "node:http"
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { createGateway, createNodeServer } from "../../src/index.js"
import { listen } from "../support/listen.js"
import { surfaceRuntime } from "../support/surface-router.js"

const { runtime } = surfaceRuntime()
const gateway = createGateway({ runtime })
const LIMITS = { headersTimeoutMs: 300, receiveTimeoutMs: 600, maxConnections: 6 }
let server: Server
let port = 0
let close: () => Promise<void>
beforeAll(async () => {
  server = createNodeServer(gateway, LIMITS)
  const s = await listen(server)
  port = s.port
  close = s.close
})
afterAll(async () => {
  await close()
  await runtime.dispose()
})

const HELLO = JSON.stringify({ model: "google/gemini-2.5-pro-preview", messages: [{ role: "user", content: "Hi" }] })

interface Trickled {
  readonly answer: string
  readonly ms: number
}

/** Send `head` at once, then `rest` one byte every `everyMs`; resolves when the server closes the connection. */
const trickle = (head: string, rest: string, everyMs: number): Promise<Trickled> =>
  new Promise((resolve) => {
    const started = Date.now()
    const socket = connect(port, "127.0.0.1", () => socket.write(head))
    let answer = ""
    let i = 0
    const timer = setInterval(() => {
      if (i < rest.length && socket.writable) socket.write(rest[i++]!)
    }, everyMs)
    socket.on("data", (d) => {
      answer += d.toString()
    })
    socket.on("error", () => {})
    socket.on("close", () => {
      clearInterval(timer)
      resolve({ answer, ms: Date.now() - started })
    })
  })

const envelopeOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))

const normalRequest = async (): Promise<number> =>
  (await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: "POST", body: HELLO })).status

describe("slow clients", () => {
  it("a body trickled one byte at a time is cut when the receive limit passes: 408 envelope", async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${HELLO.length}\r\n\r\n`
    const { answer, ms } = await trickle(head, HELLO, 100)
    expect(answer.startsWith("HTTP/1.1 408")).toBe(true)
    expect(envelopeOf(answer).error).toMatchObject({ code: "request_timeout", type: "invalid_request_error" })
    expect(ms).toBeLessThan(LIMITS.receiveTimeoutMs + 1500)
  })

  it("headers trickled one byte at a time get 408, not 400", async () => {
    const { answer, ms } = await trickle(
      "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n",
      "x-slow-header: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n",
      50,
    )
    expect(answer.startsWith("HTTP/1.1 408")).toBe(true)
    expect(envelopeOf(answer).error.code).toBe("request_timeout")
    expect(ms).toBeLessThan(LIMITS.receiveTimeoutMs + 1500)
  })

  it.each([
    ["headers that stop coming (408)", "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n", "HTTP/1.1 408"],
    ["CONNECT (405)", "CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n", "HTTP/1.1 405"],
  ])("%s: a client that keeps its end open after the answer does not keep the connection", async (_, head, status) => {
    // a client that never closes its side (allowHalfOpen): before, the server half-closed and held the socket as
    // long as the client liked, counted against maxConnections
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => socket.write(head))
    socket.on("error", () => {})
    const answer = await new Promise<string>((resolve) => {
      let text = ""
      socket.on("data", (d) => {
        text += d.toString()
      })
      socket.on("end", () => resolve(text))
    })
    expect(answer.startsWith(status)).toBe(true)
    // the server lets go of the connection although the client still holds its end
    await vi.waitFor(
      async () => expect(await new Promise<number>((r) => server.getConnections((_e, n) => r(n)))).toBe(0),
      { timeout: 3_000 },
    )
    socket.destroy()
  })

  it("never more than maxConnections at once; once the tricklers are reaped, normal requests are served", async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: ${HELLO.length}\r\n\r\n`
    const tricklers = Array.from({ length: 20 }, () => trickle(head, HELLO, 100))
    await new Promise((r) => setTimeout(r, 150))
    const open = await new Promise<number>((r) => server.getConnections((_e, n) => r(n)))
    expect(open).toBeLessThanOrEqual(LIMITS.maxConnections)
    const reaped = await Promise.all(tricklers)
    // the ones over the cap were closed at once, the others answered 408 within the limit
    expect(reaped.every((t) => t.answer === "" || t.answer.startsWith("HTTP/1.1 408"))).toBe(true)
    expect(reaped.filter((t) => t.answer.startsWith("HTTP/1.1 408")).length).toBeLessThanOrEqual(LIMITS.maxConnections)
    const statuses = await Promise.all(Array.from({ length: 5 }, normalRequest))
    expect(statuses).toEqual([200, 200, 200, 200, 200])
  })

  it("the limits bound receiving the request only: a stream open longer than them goes on", async () => {
    const controller = new AbortController()
    const r = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ ...JSON.parse(HELLO), model: "endless", stream: true }),
      signal: controller.signal,
    })
    expect(r.status).toBe(200)
    const reader = r.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("tick")
    let ended = false
    void reader.read().then(
      (step) => {
        ended = step.done === true
      },
      () => {
        ended = true
      },
    )
    await new Promise((resolve) => setTimeout(resolve, LIMITS.receiveTimeoutMs * 2))
    expect(ended).toBe(false)
    controller.abort()
  })
})
