import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type CaptureRecord, decodeCaptureLine } from "@switchyard/core"
import { Result } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decodeGatewayConfig } from "../../src/config/gateway-config.js"
import { type Stack, startStack } from "../support/stack.js"

const SECRET = "sk-capture-test-secret-0123456789"
const PROMPT = "Tell me about the confidential merger with Initech"

const config = (path: string) => ({
  providers: [
    { slug: "sim-a", kind: "simulated", options: { latency: 20, throughput: 2_000, seed: "a" } },
    {
      slug: "sim-small",
      kind: "simulated",
      options: { latency: 20, throughput: 2_000, seed: "b", outages: [{ startMs: 0, endMs: 86_400_000 }] },
    },
  ],
  models: [
    {
      id: "sim/model",
      endpoints: [{ provider: "sim-a", price: { prompt: 1, completion: 2 }, contextLength: 100_000 }],
    },
    {
      id: "sim/tiny",
      endpoints: [{ provider: "sim-small", price: { prompt: 1, completion: 2 }, contextLength: 100_000 }],
    },
  ],
  gateway: {
    keys: [{ name: "team-a", key: SECRET, priority: "critical" }],
    capture: { path, sample: 1 },
  },
})

describe("gateway.capture", () => {
  let stack: Stack
  let path: string
  beforeAll(async () => {
    path = join(mkdtempSync(join(tmpdir(), "gw-capture-")), "capture.jsonl")
    stack = await startStack(config(path))
  })
  afterAll(() => stack?.close())

  const post = (body: unknown, key = SECRET) =>
    fetch(`${stack.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    })

  it("records the shape of every routed request (JSON, stream, failures) and never its text or key", async () => {
    const json = await post({ model: "sim/model", messages: [{ role: "user", content: PROMPT }], max_tokens: 50 })
    expect(json.status).toBe(200)
    await json.text()
    const sse = await post({ model: "sim/model", messages: [{ role: "user", content: PROMPT }], stream: true })
    expect(sse.status).toBe(200)
    await sse.text()
    // sim/tiny's only endpoint is down (503 on every call)
    const down = await post({ model: "sim/tiny", messages: [{ role: "user", content: PROMPT }] })
    expect(down.status).toBeGreaterThanOrEqual(500)
    await down.text()
    const unauthorized = await post({ model: "sim/model", messages: [{ role: "user", content: "hi" }] }, "nope")
    expect(unauthorized.status).toBe(401)
    await stack.close()

    const text = readFileSync(path, "utf8")
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain("Initech")
    const records = text
      .trim()
      .split("\n")
      .map((line) => {
        const r = decodeCaptureLine(line)
        if (Result.isFailure(r)) throw new Error(`${line}: ${r.failure.message}`)
        return r.success
      })
    // the 401 never reached the router: not a routed request
    expect(records).toHaveLength(3)
    const [chat, stream, failed] = records as [CaptureRecord, CaptureRecord, CaptureRecord]
    expect(chat).toMatchObject({
      model: "sim/model",
      key: "team-a",
      priority: "critical",
      maxTokens: 50,
      stream: false,
      outcome: "ok",
      status: 200,
      endpoint: "sim-a",
      attempts: 1,
      escalated: false,
    })
    expect(chat.promptTokens).toBeGreaterThan(0)
    expect(chat.completionTokens).toBeGreaterThan(0)
    expect(chat.estimatedPromptTokens).toBeGreaterThan(0)
    expect(stream).toMatchObject({ stream: true, outcome: "ok", status: 200, endpoint: "sim-a" })
    expect(stream.at).toBeGreaterThanOrEqual(chat.at)
    expect(failed).toMatchObject({ model: "sim/tiny", status: down.status, outcome: "upstream_error" })
    expect(failed.attempts).toBeGreaterThanOrEqual(1)
    expect(failed.promptTokens).toBeUndefined()
    expect(failed.endpoint).toBeUndefined()
    for (const r of records) expect(r.latencyMs).toBeGreaterThanOrEqual(0)
  })

  it("validates the capture section with the path of each issue", () => {
    const bad = decodeGatewayConfig({ ...config("x"), gateway: { capture: { path: "", sample: 2 } } }, {})
    expect(Result.isFailure(bad)).toBe(true)
    const issues = Result.isFailure(bad) ? bad.failure.issues.join("\n") : ""
    expect(issues).toContain("gateway.capture.path")
    expect(issues).toContain("gateway.capture.sample")
  })
})
