/**
 * The production bundle (`pnpm bundle:gateway` → dist/gateway.mjs, run with plain `node`) is the same
 * gateway: built here into a temporary file, it starts on the embedded default config (simulated
 * providers) and answers a completion, a stream and a client mistake as the sources do.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundleGateway } from "../scripts/bundle.js"
import { type GatewayProcess, startGatewayProcess } from "./support/gateway-process.js"
import { startUpstream } from "./support/upstream.js"

let gateway: GatewayProcess
let bundle: string

beforeAll(async () => {
  bundle = join(mkdtempSync(join(tmpdir(), "switchyard-bundle-")), "gateway.mjs")
  await bundleGateway(bundle)
  gateway = await startGatewayProcess([], {}, bundle)
}, 60_000)
afterAll(async () => {
  await gateway?.stop()
})

const chat = (body: unknown) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  })

const MODEL = "google/gemini-2.5-pro-preview"

describe("the bundled gateway", () => {
  it("is one module without the sources' comments, with its licenses and source map beside it", () => {
    const text = readFileSync(bundle, "utf8")
    expect(text).not.toMatch(/^\s*\/\*\*\n \* Describes data shapes/m)
    expect(readFileSync(`${bundle}.LEGAL.txt`, "utf8")).toContain("License")
    expect(JSON.parse(readFileSync(`${bundle}.map`, "utf8")).sources.length).toBeGreaterThan(100)
  })

  it("answers a completion", async () => {
    const res = await chat({ model: MODEL, messages: [{ role: "user", content: "Hello" }] })
    expect(res.status).toBe(200)
    expect(res.headers.get("x-switchyard-provider")).toBeTruthy()
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> }
    expect(body.choices[0]?.message.content.length).toBeGreaterThan(0)
  })

  it("streams a completion to [DONE]", async () => {
    const res = await chat({ model: MODEL, stream: true, messages: [{ role: "user", content: "Hello" }] })
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/)
    const text = await res.text()
    expect(text).toMatch(/^data: \{/)
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true)
  })

  it("answers a client mistake with the OpenAI error envelope", async () => {
    const res = await chat({ model: MODEL })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { type: string; code: string | null } }
    expect(body.error.type).toBe("invalid_request_error")
  })
})

// The bundle's own build of undici (its HTTP/2 client loads `node:http2` only to connect, see
// scripts/lazy-http2.ts) and of prom-client (three of its modules): a config whose provider is a real
// upstream on loopback, and the Prometheus scrape.
describe("the bundled gateway on a real upstream", () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>
  let relay: GatewayProcess
  beforeAll(async () => {
    upstream = await startUpstream()
    const file = join(mkdtempSync(join(tmpdir(), "switchyard-bundle-up-")), "gateway.json")
    writeFileSync(
      file,
      JSON.stringify({
        providers: [{ slug: "loop", kind: "openai-compatible", options: { baseUrl: upstream.baseUrl } }],
        models: [
          {
            id: "acme/chat",
            endpoints: [
              {
                provider: "loop",
                upstreamModel: "up-model",
                price: { prompt: 1, completion: 4 },
                contextLength: 100_000,
              },
            ],
          },
        ],
        logging: { format: "json" },
      }),
    )
    relay = await startGatewayProcess(["--config", file], {}, bundle)
  }, 60_000)
  afterAll(async () => {
    await relay?.stop()
    await upstream?.close()
  })

  const relayed = (body: unknown) =>
    fetch(`${relay.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "acme/chat", messages: [{ role: "user", content: "Hello" }], ...(body as object) }),
    })

  it("relays a completion and a stream", async () => {
    const res = await relayed({})
    expect(res.status).toBe(200)
    expect(
      ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content,
    ).toBe("Hi there")
    const stream = await relayed({ stream: true })
    expect(stream.status).toBe(200)
    const text = await stream.text()
    expect(text).toContain('"content":" there"')
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true)
    expect(upstream.hits.map((h) => h.model)).toEqual(["up-model", "up-model"])
  })

  it("serves its Prometheus metrics, the relayed requests counted", async () => {
    const res = await fetch(`${relay.url}/metrics`)
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toMatch(/^switchyard_requests_total\{[^}]*\} [1-9]/m)
    expect(text).toContain("switchyard_endpoint_breaker_state")
  })
})
