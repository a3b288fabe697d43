/**
 * The request deadline covers the whole response whichever side stalls: a client that stops reading a
 * stream (or a large JSON answer) is cut at the deadline, and its upstream call with it. (Before: a
 * stream blocked on client backpressure stayed open, with its upstream call, far past an 8 s deadline.)
 */
import { type ClientRequest, request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startFaultUpstream } from "../support/fault-upstream.js"
import { eventuallyAsync } from "../support/listen.js"
import { type Stack, startStack } from "../support/stack.js"

const DEADLINE_MS = 800
let upstream: Awaited<ReturnType<typeof startFaultUpstream>>
let stack: Stack

beforeAll(async () => {
  upstream = await startFaultUpstream()
  stack = await startStack({
    providers: [{ slug: "loop", kind: "openai-compatible", options: { baseUrl: upstream.baseUrl } }],
    models: ["firehose", "slow-stream"].map((m) => ({
      id: `test/${m}`,
      endpoints: [{ provider: "loop", upstreamModel: m, price: { prompt: 1, completion: 1 }, contextLength: 10_000 }],
    })),
    routing: { requestTimeoutMs: DEADLINE_MS },
  })
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

/** Open a stream, read its headers, then never read again. Returns the client's request (to destroy it). */
const stallOn = (model: string) =>
  new Promise<ClientRequest>((resolve, reject) => {
    const req = request(`${stack.url}/v1/chat/completions`, { method: "POST" }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`))
      res.pause()
      resolve(req)
    })
    req.on("error", () => {})
    req.end(JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "hi" }] }))
  })

const connections = () => new Promise<number>((resolve) => stack.server.getConnections((_e, n) => resolve(n)))

describe("a client that stops reading", () => {
  it("is cut at the request deadline: its connection closed and the upstream call cancelled", async () => {
    const started = Date.now()
    const client = await stallOn("test/firehose")
    try {
      let cutAfter = 0
      await eventuallyAsync(async () => {
        cutAfter = Date.now() - started
        return (await connections()) === 0 && upstream.firehoseOpen() === 0
      }, DEADLINE_MS + 5000)
      // not before the deadline (the client had stalled long before it), and not long after it
      expect(cutAfter).toBeGreaterThanOrEqual(DEADLINE_MS - 50)
    } finally {
      client.destroy()
    }
  })

  it("a slow upstream is still ended by the router at the deadline, in-band", async () => {
    const r = await fetch(`${stack.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "test/slow-stream", stream: true, messages: [{ role: "user", content: "hi" }] }),
    })
    const text = await r.text()
    expect(text).toContain('"finish_reason":"error"')
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true)
  })
})
