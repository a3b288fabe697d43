import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseGatewayConfig } from "@switchyard/adapters"
import { makeClients, makePluginRegistry } from "@switchyard/providers"
import { Effect, Result } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningGateway, StartupConfigError, startGateway } from "../src/gateway.js"

const PRO = "google/gemini-2.5-pro-preview"
const hello = [{ role: "user", content: "Hello" }]
const post = (gw: RunningGateway, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  })

describe("the gateway on its embedded default config (no API keys)", () => {
  let gw: RunningGateway
  const logs: Array<string> = []
  beforeAll(async () => {
    gw = await startGateway({ port: 0, env: {}, logSink: (l) => logs.push(l), batchLogs: false })
  })
  afterAll(() => gw.close())

  it("warns that it is open, and lists the demo models", async () => {
    expect(logs.join("\n")).toMatch(/no gateway keys configured/)
    const models = (await (await fetch(`${gw.url}/v1/models`)).json()) as { data: Array<{ id: string }> }
    expect(models.data.map((m) => m.id)).toEqual(
      expect.arrayContaining([PRO, "google/gemini-2.5-flash", "openai/gpt-4o-mini"]),
    )
    const endpoints = (await (await fetch(`${gw.url}/v1/models/${PRO}/endpoints`)).json()) as {
      data: { endpoints: Array<{ tag: string; pool: string }> }
    }
    expect(endpoints.data.endpoints.map((e) => `${e.tag}:${e.pool}`)).toEqual([
      "google-ai-studio:standard",
      "google-vertex:standard",
      "sim-reseller:standard",
      "google-vertex/pt:provisioned",
    ])
  })

  it("the default call is served by a standard provider; the PT-mode call by google-vertex/pt", async () => {
    const standard = await post(gw, { model: PRO, messages: hello })
    expect(standard.status).toBe(200)
    expect(["google-ai-studio", "google-vertex", "sim-reseller"]).toContain(
      standard.headers.get("x-switchyard-provider"),
    )
    const pt = await post(gw, {
      model: PRO,
      messages: hello,
      provider: { order: ["google-vertex/pt"], allow_fallbacks: true },
    })
    expect(pt.status).toBe(200)
    expect(((await pt.json()) as { provider: string }).provider).toBe("google-vertex/pt")
  })

  it("gemini-2.5-flash: once its small standard endpoint is rate-limited, requests escalate to PT", async () => {
    const served: Array<string> = []
    for (let i = 0; i < 4; i++) {
      const r = await post(gw, { model: "google/gemini-2.5-flash", messages: hello })
      expect(r.status).toBe(200)
      served.push(r.headers.get("x-switchyard-provider") ?? "")
    }
    expect(served.slice(0, 2)).toEqual(["google-ai-studio", "google-ai-studio"])
    expect(served.slice(2)).toEqual(["google-vertex/pt", "google-vertex/pt"])
  })

  it("streams", async () => {
    const r = await post(gw, { model: "openai/gpt-4o-mini", messages: hello, stream: true })
    const text = await r.text()
    expect(r.headers.get("content-type")).toContain("text/event-stream")
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true)
  })
})

describe("config file: sample with real providers", () => {
  const file = new URL("../config.real-providers.json", import.meta.url)
  const env = {
    GEMINI_API_KEY: "g",
    VERTEX_ACCESS_TOKEN: "v",
    OPENROUTER_API_KEY: "o",
    OPENAI_API_KEY: "oa",
    AZURE_OPENAI_API_KEY: "az",
    ANTHROPIC_API_KEY: "an",
    DEEPSEEK_API_KEY: "d",
    SWITCHYARD_GATEWAY_KEY: "sk-gw",
    SWITCHYARD_BATCH_KEY: "sk-batch",
    SWITCHYARD_CRITICAL_KEY: "sk-crit",
  }

  it("validates, and every provider plugin accepts its options", async () => {
    const config = Result.getOrThrow(parseGatewayConfig(readFileSync(file, "utf8"), env))
    expect(config.keys.map((k) => k.name)).toEqual(["default", "batch-jobs", "checkout"])
    const clients = await Effect.runPromise(
      Effect.scoped(makeClients(config.catalog.config.providers, makePluginRegistry(), env)),
    )
    expect([...clients.keys()]).toHaveLength(7)
  })

  it("refuses to start without a key's environment variable, naming it", async () => {
    const { ANTHROPIC_API_KEY: _, ...missing } = env
    const e = await startGateway({ configFile: file.pathname, port: 0, env: missing, logSink: () => {} }).catch(
      (x: unknown) => x,
    )
    expect(e).toBeInstanceOf(StartupConfigError)
    expect((e as Error).message).toContain("ANTHROPIC_API_KEY")
  })
})

describe("config reload while serving", () => {
  const config = (models: ReadonlyArray<string>, key: string) =>
    JSON.stringify({
      providers: [
        // slow enough that a stream is still open while the config changes
        {
          slug: "sim",
          kind: "simulated",
          options: { latency: 5, throughput: 40, outputTokens: 12, streamChunkTokens: 1 },
        },
      ],
      models: models.map((id) => ({
        id,
        endpoints: [{ provider: "sim", price: { prompt: 1, completion: 2 }, contextLength: 8000 }],
      })),
      gateway: { keys: [{ name: "k", key }] },
    })

  it("applies a valid change without a restart; in-flight requests finish; live stats survive; invalid changes are rejected", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-gw-"))
    const file = join(dir, "gateway.json")
    writeFileSync(file, config(["alpha"], "sk-1"))
    const logs: Array<string> = []
    const gw = await startGateway({
      configFile: file,
      port: 0,
      env: {},
      logSink: (l) => logs.push(l),
      batchLogs: false,
      reloadDebounceMs: 20,
    })
    try {
      const auth1 = { authorization: "Bearer sk-1" }
      for (let i = 0; i < 5; i++) await (await post(gw, { model: "alpha", messages: hello }, auth1)).text()
      // percentiles are recomputed at most once a second (Stats' refreshMs): the 5th sample may need a moment
      const latencyOf = (headers: Record<string, string>) =>
        fetch(`${gw.url}/v1/models/alpha/endpoints`, { headers })
          .then((r) => r.json() as Promise<{ data: { endpoints: Array<{ latency: unknown }> } }>)
          .then((b) => b.data.endpoints[0]?.latency)
      await expect.poll(() => latencyOf(auth1), { timeout: 3000 }).not.toBeNull()

      const inFlight = post(gw, { model: "alpha", messages: hello, stream: true }, auth1).then((r) => r.text())
      await new Promise((r) => setTimeout(r, 50))
      writeFileSync(file, config(["alpha", "beta"], "sk-2"))
      const auth2 = { authorization: "Bearer sk-2" }
      await expect
        .poll(async () => (await fetch(`${gw.url}/v1/models`, { headers: auth2 })).status, { timeout: 3000 })
        .toBe(200)
      const streamed = await inFlight
      expect(streamed.endsWith("data: [DONE]\n\n")).toBe(true)
      expect(streamed).not.toContain('"error"')
      expect((await post(gw, { model: "beta", messages: hello }, auth2)).status).toBe(200)
      expect((await post(gw, { model: "beta", messages: hello }, auth1)).status).toBe(401)
      expect(await latencyOf(auth2)).not.toBeNull()

      writeFileSync(
        file,
        '{"providers": [{"slug": "sim", "kind": "simulated"}], "models": [{"id": "gamma", "endpoints": []}]}',
      )
      await expect.poll(() => logs.some((l) => l.includes("config reload rejected")), { timeout: 3000 }).toBe(true)
      expect(logs.find((l) => l.includes("config reload rejected"))).toContain("models.0.endpoints")
      const ids = (
        (await (await fetch(`${gw.url}/v1/models`, { headers: auth2 })).json()) as { data: Array<{ id: string }> }
      ).data.map((m) => m.id)
      expect(ids).toEqual(["alpha", "beta"])
    } finally {
      await gw.close()
    }
  })

  it("close() lets an in-flight request finish", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-gw-"))
    const file = join(dir, "gateway.json")
    writeFileSync(file, config(["alpha"], "sk-1"))
    const gw = await startGateway({ configFile: file, port: 0, env: {}, logSink: () => {} })
    const pending = post(gw, { model: "alpha", messages: hello }, { authorization: "Bearer sk-1" })
    await new Promise((r) => setTimeout(r, 30))
    const closed = gw.close()
    const r = await pending
    expect(r.status).toBe(200)
    await closed
  })
})
