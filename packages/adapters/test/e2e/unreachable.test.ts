/**
 * An upstream that cannot be reached (connection refused, unknown host) is reported to the client as
 * the provider's slug and the stable code `provider_unreachable` — never the host, port or URL (they
 * used to arrive as `connect ECONNREFUSED 127.0.0.1:9199`, in the body and the trace).
 */
import { createServer } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Stack, startStack } from "../support/stack.js"

/** A port nothing listens on: taken from the OS, then released. */
const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer()
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

const UNKNOWN_HOST = "internal-llm.corp.invalid"
let port = 0
let stack: Stack

beforeAll(async () => {
  port = await closedPort()
  const endpoint = (provider: string) => ({
    provider,
    upstreamModel: "m",
    price: { prompt: 1, completion: 1 },
    contextLength: 10_000,
  })
  // one provider per case: the retries of one case open its endpoint's breaker, which must not decide the next
  const cases = ["json", "stream"]
  stack = await startStack({
    providers: cases.flatMap((c) => [
      { slug: `refusing-${c}`, kind: "openai-compatible", options: { baseUrl: `http://127.0.0.1:${port}/v1` } },
      { slug: `nowhere-${c}`, kind: "openai-compatible", options: { baseUrl: `http://${UNKNOWN_HOST}:8443/v1` } },
    ]),
    models: cases.flatMap((c) => [
      { id: `test/refused-${c}`, endpoints: [endpoint(`refusing-${c}`)] },
      { id: `test/unknown-host-${c}`, endpoints: [endpoint(`nowhere-${c}`)] },
    ]),
    routing: { maxRetrySleepMs: 0 },
  })
})
afterAll(() => stack.close())

const ask = async (model: string, stream: boolean) => {
  const r = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "x-switchyard-trace": "true" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
  })
  return { status: r.status, text: await r.text() }
}

describe("an upstream that cannot be reached", () => {
  it.each([
    ["test/refused", "refusing"],
    ["test/unknown-host", "nowhere"],
  ])("%s: 502 provider_unreachable naming the provider, no host, port or URL", async (model, slug) => {
    for (const stream of [false, true]) {
      const { status, text } = await ask(`${model}-${stream ? "stream" : "json"}`, stream)
      expect(status).toBe(502)
      const { error, switchyard_trace } = JSON.parse(text)
      expect(error.code).toBe("provider_unreachable")
      expect(error.message).toContain(slug)
      expect(switchyard_trace.attempts.at(-1).error).toContain("connect failed")
      for (const leak of ["127.0.0.1", String(port), UNKNOWN_HOST, "corp.invalid", "8443", "http://"])
        expect(text).not.toContain(leak)
    }
  })
})
