/**
 * SIGTERM drains: in-flight requests go on for `gateway.shutdownGraceMs`; when it ends each open stream
 * gets an in-band error chunk and `[DONE]` (not a connection reset), and the process exits 0. (Before:
 * 50 open streams were reset at ≈ 30 s with no error chunk, and the process exited with code 1.)
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { type GatewayProcess, startGatewayProcess } from "./support/gateway-process.js"

const GRACE_MS = 2000
/** Requests for `hang` the upstream has received (and will never answer). */
let hangs = 0

/**
 * An OpenAI-wire upstream: `endless` streams a chunk every 50 ms forever, `short` ends after 300 ms,
 * `hang` never answers.
 */
const upstreamServer = (): Server =>
  createServer((req, res) => {
    let raw = ""
    req.on("data", (d: Buffer) => {
      raw += d.toString()
    })
    req.on("end", () => {
      const model = (JSON.parse(raw) as { model: string }).model
      if (model === "hang") {
        hangs++
        return
      }
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
      res.writeHead(200, { "content-type": "text/event-stream" })
      res.write(chunk({ role: "assistant", content: "tick" }, null))
      let n = 0
      const timer = setInterval(() => {
        n++
        if (model === "short" && n === 6) {
          clearInterval(timer)
          res.end(`${chunk({}, "stop")}data: [DONE]\n\n`)
        } else res.write(chunk({ content: " tick" }, null))
      }, 50)
      res.on("close", () => clearInterval(timer))
    })
  })

let upstream: Server
let gw: GatewayProcess
beforeAll(async () => {
  upstream = upstreamServer()
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r))
  const { port } = upstream.address() as AddressInfo
  const file = join(mkdtempSync(join(tmpdir(), "switchyard-shutdown-")), "gateway.json")
  const endpoint = (m: string) => ({
    provider: "loop",
    upstreamModel: m,
    price: { prompt: 1, completion: 1 },
    contextLength: 1e4,
  })
  writeFileSync(
    file,
    JSON.stringify({
      providers: [{ slug: "loop", kind: "openai-compatible", options: { baseUrl: `http://127.0.0.1:${port}/v1` } }],
      models: [
        { id: "test/endless", endpoints: [endpoint("endless")] },
        { id: "test/short", endpoints: [endpoint("short")] },
        { id: "test/hang", endpoints: [endpoint("hang")] },
      ],
      gateway: { shutdownGraceMs: GRACE_MS },
      logging: { format: "json" },
    }),
  )
  gw = await startGatewayProcess(["--config", file], {})
})
afterAll(async () => {
  await gw.stop()
  upstream.closeAllConnections()
  await new Promise((r) => upstream.close(r))
})

/** Start a stream and wait for its first bytes; resolves with the whole text once it ends. */
const openStream = async (model: string, trace = false): Promise<{ readonly done: Promise<string> }> => {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: trace ? { "x-switchyard-trace": "true" } : {},
    body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "hi" }] }),
  })
  expect(r.status).toBe(200)
  const reader = r.body!.getReader()
  const decoder = new TextDecoder()
  let text = decoder.decode((await reader.read()).value)
  const done = (async () => {
    for (;;) {
      const step = await reader.read()
      if (step.done) return text
      text += decoder.decode(step.value)
    }
  })()
  return { done }
}

describe("SIGTERM with open streams", () => {
  it("lets streams that finish within the grace finish, ends the others in-band with [DONE], and exits 0", async () => {
    // the last one asks for its trace
    const endless = await Promise.all(Array.from({ length: 5 }, (_, i) => openStream("test/endless", i === 4)))
    const short = await openStream("test/short")
    const unanswered = fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "test/hang", messages: [{ role: "user", content: "hi" }] }),
    })
    await vi.waitFor(() => expect(hangs).toBe(1))
    const signalled = Date.now()
    gw.signal("SIGTERM")
    // no new connections once the drain has begun
    await vi.waitFor(() => expect(fetch(`${gw.url}/healthz`)).rejects.toThrow(), { timeout: 5000, interval: 50 })

    const finished = await short.done
    expect(finished).toContain('"finish_reason":"stop"')
    expect(finished.trimEnd().endsWith("data: [DONE]")).toBe(true)

    for (const [i, stream] of endless.entries()) {
      const text = await stream.done
      const frames = text.trimEnd().split("\n\n")
      expect(frames.at(-1)).toBe("data: [DONE]")
      const first = JSON.parse(frames[0]!.slice("data: ".length))
      const last = JSON.parse(frames.at(-2)!.slice("data: ".length))
      expect(last.error.code).toBe("server_shutting_down")
      expect(last.choices[0].finish_reason).toBe("error")
      // the stream's own chunk: the same id, created and model as every other (wire-facts §5)
      expect(last).toMatchObject({ id: first.id, created: first.created, model: first.model })
      if (i === 4) expect(last.switchyard_trace).toMatchObject({ attempts: expect.any(Array) })
      else expect(last).not.toHaveProperty("switchyard_trace")
    }
    const late = await unanswered
    expect(late.status).toBe(503)
    expect((await late.json()).error.code).toBe("server_shutting_down")
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(GRACE_MS - 50)
    expect(await gw.exited).toBe(0)
    expect(gw.stdout()).toMatch(/"msg":"shutdown grace over[^"]*".*"cut":6/)
  })
})
