import { afterAll, describe, expect, it } from "vitest"
import { toFetchHandler } from "../../src/fetch/index.js"
import { createGateway } from "../../src/index.js"
import { sseEvents } from "../support/call.js"
import { eventually } from "../support/listen.js"
import { surfaceRuntime } from "../support/surface-router.js"

const { runtime, probe } = surfaceRuntime()
const gateway = createGateway({ runtime, maxBodyBytes: 2048 })
const handler = toFetchHandler(gateway)
afterAll(() => runtime.dispose())

const hello = { model: "google/gemini-2.5-pro-preview", messages: [{ role: "user", content: "Hello" }] }
const req = (body: unknown, init: RequestInit = {}) =>
  new Request("https://gw.example/v1/chat/completions?via=fetch", {
    method: "POST",
    body: JSON.stringify(body),
    ...init,
  })

describe("fetch(Request) → Response façade", () => {
  it("JSON and SSE", async () => {
    const r = await handler(req(hello))
    expect(r.status).toBe(200)
    expect(r.headers.get("access-control-expose-headers")).toContain("retry-after-ms")
    expect((await r.json()).choices[0].message.content).toBe("Hello!")
    const s = await handler(req({ ...hello, stream: true }))
    expect(sseEvents(await s.text())).toHaveLength(4)
  })

  it("413 for a body over the limit, streamed without content-length", async () => {
    const big = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new Uint8Array(1024).fill(32))
        c.close()
      },
    })
    const r = await handler(
      new Request("https://gw.example/v1/chat/completions", {
        method: "POST",
        body: big,
        duplex: "half",
      } as RequestInit),
    )
    expect(r.status).toBe(413)
  })

  it("a 204 preflight has no body", async () => {
    const r = await handler(new Request("https://gw.example/v1/chat/completions", { method: "OPTIONS" }))
    expect(r.status).toBe(204)
    expect(r.body).toBeNull()
  })

  it("cancelling the response body interrupts the stream", async () => {
    const r = await handler(
      req({ ...hello, model: "endless", stream: true }, { headers: { "x-request-id": "fetch-cancel" } }),
    )
    const reader = r.body!.getReader()
    await reader.read()
    await eventually(() => probe.hanging.includes("fetch-cancel"))
    await reader.cancel()
    await eventually(() => probe.interrupted.includes("fetch-cancel"))
  })

  it("aborting the request signal interrupts a pending completion", async () => {
    const ac = new AbortController()
    const pending = handler(
      req({ ...hello, model: "hang" }, { signal: ac.signal, headers: { "x-request-id": "fetch-abort" } }),
    )
    await eventually(() => probe.requests.some((x) => x.requestId === "fetch-abort"))
    ac.abort()
    const r = await pending
    expect(r.status).toBe(499)
    await eventually(() => probe.interrupted.includes("fetch-abort"))
  })
})
