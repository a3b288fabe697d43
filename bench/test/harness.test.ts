// The harness itself: the fake upstream speaks HTTP/1.1 correctly to the clients the bench uses, and the bare proxy
// passes everything through unchanged (it is the floor: it must be correct, not only fast).
import { Readable } from "node:stream"
import { Client, request } from "undici"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Child } from "../child.js"
import { chatBody, spawnBenchServer } from "../targets.js"

let upstream: { child: Child; port: number }
let bare: { child: Child; port: number }
const up = () => `http://127.0.0.1:${upstream.port}`
const proxy = () => `http://127.0.0.1:${bare.port}`

beforeAll(async () => {
  upstream = await spawnBenchServer("upstream", "upstream.ts", ["--chunks", "6"])
  bare = await spawnBenchServer("bare-proxy", "bare-proxy.ts", ["--upstream", up()])
}, 60_000)
afterAll(async () => {
  await bare?.child.stop()
  await upstream?.child.stop()
})

const post = async (origin: string, path: string, body: string, headers: Record<string, string> = {}) => {
  const res = await request(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

describe("fake upstream", () => {
  it("answers a completion, a stream of N chunks ending in [DONE], and 429 under the limited prefix", async () => {
    const json = await post(up(), "/v1/chat/completions", chatBody("m", false))
    expect(json.status).toBe(200)
    expect(JSON.parse(json.text).object).toBe("chat.completion")
    const sse = await post(up(), "/v1/chat/completions", chatBody("m", true))
    expect(sse.headers["content-type"]).toBe("text/event-stream")
    const events = sse.text.split("\n\n").filter((e) => e.startsWith("data: "))
    expect(events).toHaveLength(7) // 6 chunks + [DONE]
    expect(events.at(-1)).toBe("data: [DONE]")
    const limited = await post(up(), "/ratelimited/v1/chat/completions", chatBody("m", false))
    expect(limited.status).toBe(429)
    expect(limited.headers["retry-after-ms"]).toBe("0")
  })

  it("keeps connections alive, takes chunked request bodies, and answers 400 to a body that is not JSON", async () => {
    const client = new Client(up(), { pipelining: 1 })
    try {
      for (let i = 0; i < 3; i++) {
        const res = await client.request({
          method: "POST",
          path: "/v1/chat/completions",
          headers: { "content-type": "application/json" },
          body: Readable.from([chatBody("m", i === 1).slice(0, 10), chatBody("m", i === 1).slice(10)]),
        })
        expect(res.statusCode).toBe(200)
        await res.body.text()
      }
      const bad = await client.request({ method: "POST", path: "/v1/chat/completions", body: "{nope" })
      expect(bad.statusCode).toBe(400)
      await bad.body.text()
    } finally {
      await client.close()
    }
    const stats = (await (await request(`${up()}/stats`)).body.json()) as { ok: number; streams: number }
    expect(stats.streams).toBeGreaterThanOrEqual(1)
  })
})

describe("bare proxy", () => {
  it("passes completions, streams and 429s through unchanged, end-to-end headers included", async () => {
    for (const [path, stream] of [
      ["/v1/chat/completions", false],
      ["/v1/chat/completions", true],
      ["/ratelimited/v1/chat/completions", false],
    ] as const) {
      const direct = await post(up(), path, chatBody("m", stream))
      const proxied = await post(proxy(), path, chatBody("m", stream))
      expect(proxied.status).toBe(direct.status)
      expect(proxied.text).toBe(direct.text)
      for (const name of ["content-type", "retry-after-ms", "content-length"])
        expect(proxied.headers[name]).toBe(direct.headers[name])
    }
  })

  it("forwards the request's own headers (the upstream sees the rate-limit marker)", async () => {
    const res = await post(proxy(), "/v1/chat/completions", chatBody("m", false), { "x-bench-ratelimit": "1" })
    expect(res.status).toBe(429)
  })
})
