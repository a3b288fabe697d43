import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type GatewayProcess, startGatewayProcess } from "./support/gateway-process.js"
import { startUpstream } from "./support/upstream.js"

const UPSTREAM_KEY = "sk-upstream-9f8e7d6c5b4a39281706"
const GATEWAY_KEY = "sk-gateway-1a2b3c4d5e6f7a8b9c0d"
const ADMIN_KEY = "sk-admin-0a9b8c7d6e5f4a3b2c1d"
const PROMPT = "The secret launch date of project HUMMINGBIRD is the fourth of July"

describe("the gateway process's log output (json)", () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>
  let gw: GatewayProcess
  const send = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${GATEWAY_KEY}` }) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, text: await r.text() }))

  beforeAll(async () => {
    // `cheap/chat` always answers 429, `broken/chat` 401 with the caller's key echoed back, `good/chat` serves
    upstream = await startUpstream((model) => (model === "cheap-model" ? 429 : model === "broken-model" ? 401 : 200))
    const dir = mkdtempSync(join(tmpdir(), "switchyard-logs-"))
    const file = join(dir, "gateway.json")
    const provider = (slug: string) => ({
      slug,
      kind: "openai-compatible",
      options: { baseUrl: upstream.baseUrl, apiKey: { env: "UPSTREAM_API_KEY" } },
    })
    const endpoint = (provider: string, upstreamModel: string, prompt: number) => ({
      provider,
      upstreamModel,
      price: { prompt, completion: prompt * 4 },
      contextLength: 100_000,
    })
    writeFileSync(
      file,
      JSON.stringify({
        providers: [provider("cheap"), provider("good"), provider("broken")],
        models: [
          {
            id: "acme/chat",
            // price order, not the 1/price² draw (unseeded in a gateway process): the 429ing cheap one first
            defaults: { provider: { sort: "price" } },
            endpoints: [endpoint("cheap", "cheap-model", 1), endpoint("good", "good-model", 2)],
          },
          { id: "acme/broken", endpoints: [endpoint("broken", "broken-model", 1)] },
        ],
        routing: { maxRetrySleepMs: 0 },
        gateway: { keys: [{ name: "app", key: { env: "APP_KEY" } }], adminKeys: [{ name: "ops", key: ADMIN_KEY }] },
        logging: { level: "debug", format: "json" },
      }),
    )
    gw = await startGatewayProcess(["--config", file], { UPSTREAM_API_KEY: UPSTREAM_KEY, APP_KEY: GATEWAY_KEY })
  }, 60_000)
  afterAll(async () => {
    await gw?.stop()
    await upstream?.close()
  })

  it("one JSON line per request and per state change, and no key or prompt text anywhere in the output", async () => {
    const messages = [{ role: "user", content: PROMPT }]
    // served after a 429 from the cheapest endpoint (which then cools down), streamed, and failures
    const served = await send(
      { model: "acme/chat", messages },
      { authorization: `Bearer ${GATEWAY_KEY}`, "x-request-id": "log-served" },
    )
    expect(served.status).toBe(200)
    const streamed = await send(
      { model: "acme/chat", messages, stream: true },
      { authorization: `Bearer ${GATEWAY_KEY}`, "x-request-id": "log-stream" },
    )
    expect(streamed.text).toContain("data: [DONE]")
    expect(
      (
        await send(
          { model: "acme/broken", messages },
          { authorization: `Bearer ${GATEWAY_KEY}`, "x-request-id": "log-broken" },
        )
      ).status,
    ).toBe(502)
    expect(
      (await send({ model: "acme/chat", messages }, { authorization: "Bearer sk-wrong", "x-request-id": "log-401" }))
        .status,
    ).toBe(401)
    expect(
      (
        await send(`{"model":"acme/chat","messages":[{"content":"${PROMPT}"`, {
          authorization: `Bearer ${GATEWAY_KEY}`,
          "x-request-id": "log-400",
        })
      ).status,
    ).toBe(400)
    expect(
      (
        await send(
          { model: "acme/chat", messages, provider: { sort: PROMPT } },
          { authorization: `Bearer ${GATEWAY_KEY}`, "x-request-id": "log-400b" },
        )
      ).status,
    ).toBe(400)
    expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(200)
    // the upstream did get the key and the prompt: the test would notice if they were simply not sent
    expect(upstream.hits.some((h) => h.headers.authorization === `Bearer ${UPSTREAM_KEY}`)).toBe(true)

    // the monitor samples once a second: the cooldown the 429 started is logged by the next sample
    await expect.poll(() => gw.stdout().includes('"msg":"cooldown started"'), { timeout: 15_000 }).toBe(true)
    expect(await gw.stop()).toBe(0)
    const output = gw.output()
    for (const secret of [UPSTREAM_KEY, GATEWAY_KEY, ADMIN_KEY, PROMPT, "HUMMINGBIRD"])
      expect(output).not.toContain(secret)

    const lines = gw
      .stdout()
      .split("\n")
      .filter((l) => l !== "")
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    const request = (id: string) => records.filter((r) => r.msg === "request" && r.request_id === id)
    expect(request("log-served")).toEqual([
      expect.objectContaining({
        level: "info",
        key: "app",
        model: "acme/chat",
        endpoint: "acme/chat@good",
        provider: "good",
        attempts: 2,
        escalated: false,
        status: 200,
        stream: false,
        prompt_tokens: 9,
        completion_tokens: 2,
        cost_usd: expect.any(Number),
        latency_ms: expect.any(Number),
        ttft_ms: expect.any(Number),
      }),
    ])
    expect(request("log-stream")).toEqual([expect.objectContaining({ status: 200, stream: true, provider: "good" })])
    expect(request("log-broken")).toEqual([expect.objectContaining({ status: 502, attempts: 1 })])
    expect(request("log-401")).toEqual([expect.objectContaining({ status: 401, error_code: "invalid_api_key" })])
    expect(request("log-400")).toEqual([expect.objectContaining({ status: 400, error_code: "invalid_json" })])
    expect(request("log-400b")).toEqual([expect.objectContaining({ status: 400, error_code: "invalid_parameter" })])
    // state changes: the cooldown the 429 started
    expect(records).toContainEqual(expect.objectContaining({ msg: "listening", level: "info" }))
    expect(records).toContainEqual(
      expect.objectContaining({ msg: "cooldown started", endpoint: "acme/chat@cheap", level: "warn" }),
    )
    for (const r of records)
      expect(r).toEqual(expect.objectContaining({ time: expect.any(String), level: expect.any(String) }))
  }, 60_000)
})
