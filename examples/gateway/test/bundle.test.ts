/**
 * The production bundle (`pnpm bundle:gateway` → dist/gateway.mjs, run with plain `node`) is the same
 * gateway: built here into a temporary file, it starts on the embedded default config (simulated
 * providers) and answers a completion, a stream and a client mistake as the sources do.
 */
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundleGateway } from "../scripts/bundle.js"
import { type GatewayProcess, startGatewayProcess } from "./support/gateway-process.js"

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
