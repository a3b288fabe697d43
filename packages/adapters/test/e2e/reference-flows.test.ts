/**
 * The reference description's three client calls and its "Advanced routing configuration" list, sent
 * as a user would send them (plain HTTP with a Bearer key, exactly the JSON bodies of the description),
 * against the real router over simulated providers.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type Stack, startStack } from "../support/stack.js"

const MODEL = "google/gemini-2.5-pro-preview"
const messages = [{ role: "user", content: "Hello" }]

interface Capacities {
  readonly aiStudio?: number
  readonly vertex?: number
  readonly reseller?: number
}

/** Three standard providers (cheapest first) and the provisioned `google-vertex/pt`. */
const geminiConfig = (rpm: Capacities = {}, escalation: "allow" | "deny" = "allow") => ({
  providers: [
    {
      slug: "google-ai-studio",
      kind: "simulated",
      options: {
        latency: 40,
        throughput: 100,
        outputTokens: 8,
        streamChunkTokens: 2,
        ...(rpm.aiStudio ? { capacity: { requestsPerMinute: rpm.aiStudio } } : {}),
      },
    },
    {
      slug: "google-vertex",
      kind: "simulated",
      options: {
        latency: 5,
        throughput: 200,
        outputTokens: 8,
        streamChunkTokens: 2,
        endpoints: {
          [`${MODEL}@google-vertex`]: rpm.vertex ? { capacity: { requestsPerMinute: rpm.vertex } } : {},
          "google-vertex/pt": { latency: 10 },
        },
      },
    },
    {
      slug: "sim-reseller",
      kind: "simulated",
      options: {
        latency: 20,
        throughput: 2000,
        outputTokens: 8,
        streamChunkTokens: 2,
        ...(rpm.reseller ? { capacity: { requestsPerMinute: rpm.reseller } } : {}),
      },
    },
  ],
  models: [
    {
      id: MODEL,
      endpoints: [
        {
          provider: "google-ai-studio",
          price: { prompt: 1.25, completion: 10 },
          contextLength: 1048576,
          dataPolicy: { collects: true, zdr: false },
        },
        {
          provider: "google-vertex",
          price: { prompt: 1.4, completion: 11 },
          contextLength: 1048576,
          dataPolicy: { collects: false, zdr: true },
        },
        {
          provider: "sim-reseller",
          price: { prompt: 1.75, completion: 14 },
          contextLength: 1048576,
          dataPolicy: { collects: false, zdr: false },
        },
        {
          provider: "google-vertex",
          variant: "pt",
          pool: "provisioned",
          price: { prompt: 1.6, completion: 12.5 },
          contextLength: 1048576,
          capacity: { tokensPerMinute: 1_000_000 },
        },
      ],
    },
  ],
  routing: { escalation, maxRetrySleepMs: 0 },
  gateway: { keys: [{ name: "app", key: "sk-app" }] },
})

const headers = { Authorization: "Bearer sk-app", "Content-Type": "application/json" }
const post = (stack: Stack, json: unknown) =>
  fetch(`${stack.url}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify(json) })
const servedBy = async (stack: Stack, json: unknown): Promise<string> => {
  const r = await post(stack, json)
  expect(r.status).toBe(200)
  const body = (await r.json()) as { provider: string }
  expect(r.headers.get("x-switchyard-provider")).toBe(body.provider)
  return body.provider
}

describe("default mode and PT mode", () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack(geminiConfig(), { runtime: { stats: { minSamples: 1 } } })
  })
  afterAll(() => stack.close())

  it("Default mode: the standard call is cost-routed among standard providers and never uses PT", async () => {
    const served: Array<string> = []
    for (let i = 0; i < 30; i++) served.push(await servedBy(stack, { model: MODEL, messages }))
    expect(served).not.toContain("google-vertex/pt")
    // price-weighted: the cheapest provider is picked most often
    const count = (p: string) => served.filter((s) => s === p).length
    expect(count("google-ai-studio")).toBeGreaterThan(count("sim-reseller"))
  })

  it("PT mode: provider.order ['google-vertex/pt'] with allow_fallbacks lands on the provisioned pool", async () => {
    for (let i = 0; i < 3; i++) {
      const provider = await servedBy(stack, {
        model: MODEL,
        messages,
        provider: { order: ["google-vertex/pt"], allow_fallbacks: true },
      })
      expect(provider).toBe("google-vertex/pt")
    }
  })
})

describe("Advanced routing configuration", () => {
  let stack: Stack
  beforeEach(async () => {
    stack = await startStack(geminiConfig(), { runtime: { stats: { minSamples: 1 } } })
  })
  afterEach(() => stack.close())

  /** Give the live stats one streamed sample per standard provider (time to first token and tokens/s). */
  const warmUp = async () => {
    for (const only of ["google-ai-studio", "google-vertex", "sim-reseller"]) {
      const r = await post(stack, { model: MODEL, messages, stream: true, provider: { only: [only] } })
      expect(r.headers.get("x-switchyard-provider")).toBe(only)
      await r.text()
    }
  }

  it("sort: 'price' → always the cheapest admissible provider", async () => {
    for (let i = 0; i < 5; i++)
      expect(await servedBy(stack, { model: MODEL, messages, provider: { sort: "price" } })).toBe("google-ai-studio")
  })

  it("sort: 'latency' with preferred_max_latency {p90: 3} → the provider with the lowest observed latency", async () => {
    await warmUp()
    for (let i = 0; i < 3; i++)
      expect(
        await servedBy(stack, {
          model: MODEL,
          messages,
          provider: { sort: "latency", preferred_max_latency: { p90: 3 } },
        }),
      ).toBe("google-vertex")
  })

  it("sort: 'throughput' → the provider with the highest observed tokens/s", async () => {
    await warmUp()
    const r = await post(stack, { model: MODEL, messages, stream: true, provider: { sort: "throughput" } })
    expect(r.headers.get("x-switchyard-provider")).toBe("sim-reseller")
    await r.text()
  })

  it("data_collection: 'deny' → never a provider that stores prompts", async () => {
    const served: Array<string> = []
    for (let i = 0; i < 10; i++)
      served.push(await servedBy(stack, { model: MODEL, messages, provider: { data_collection: "deny" } }))
    expect(served).not.toContain("google-ai-studio")
    expect(served).not.toContain("google-vertex/pt")
    expect(
      await servedBy(stack, { model: MODEL, messages, provider: { data_collection: "deny", sort: "price" } }),
    ).toBe("google-vertex")
  })
})

describe("Smart retry: cost-optimized first, PT on 429", () => {
  /** The description's `call_with_retry`, in TypeScript, unchanged except base URL and key. */
  const callWithRetry = async (stack: Stack, msgs: unknown, maxRetries = 3) => {
    const log: Array<number> = []
    const first = await post(stack, { model: MODEL, messages: msgs })
    log.push(first.status)
    if (first.status === 200) return { body: await first.json(), log }
    await first.text()
    for (let attempt = 0; attempt < maxRetries; attempt++) {
      const r = await post(stack, {
        model: MODEL,
        messages: msgs,
        provider: { order: ["google-vertex/pt"], allow_fallbacks: true },
      })
      log.push(r.status)
      if (r.status === 200) return { body: await r.json(), log }
      if (r.status === 429) {
        const retryAfter = Number(r.headers.get("retry-after-ms") ?? 1000) / 1000
        await new Promise((res) => setTimeout(res, Math.min(retryAfter, 0.05) * 1000))
      }
      await r.text()
    }
    throw new Error("All retries failed")
  }

  it("with PT escalation off: the standard pool answers 429 with retry-after-ms, the PT retry succeeds", async () => {
    const stack = await startStack(geminiConfig({ aiStudio: 1, vertex: 1, reseller: 1 }, "deny"))
    try {
      // use up the standard pool's capacity for this minute
      for (let i = 0; i < 3; i++) await (await post(stack, { model: MODEL, messages })).text()
      const limited = await post(stack, { model: MODEL, messages })
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get("retry-after-ms"))).toBeGreaterThan(0)
      expect((await limited.json()).error.code).toBe("capacity_exhausted")

      const { body, log } = await callWithRetry(stack, messages)
      expect(log).toEqual([429, 200])
      expect(body.provider).toBe("google-vertex/pt")
    } finally {
      await stack.close()
    }
  })

  it("with PT escalation on (the default): the router itself escalates the rate-limited request to PT", async () => {
    const stack = await startStack(geminiConfig({ aiStudio: 1, vertex: 1, reseller: 1 }, "allow"))
    try {
      for (let i = 0; i < 3; i++) await (await post(stack, { model: MODEL, messages })).text()
      const r = await post(stack, { model: MODEL, messages, switchyard_trace: true })
      expect(r.status).toBe(200)
      const body = await r.json()
      expect(body.provider).toBe("google-vertex/pt")
      expect(body.switchyard_trace.escalated).toBe(true)
      const escalatedAttempt = body.switchyard_trace.attempts.at(-1)
      expect(escalatedAttempt).toMatchObject({ endpoint: `${MODEL}@google-vertex/pt`, outcome: "success" })
      expect(escalatedAttempt.escalation).toBeTruthy()
    } finally {
      await stack.close()
    }
  })

  it("a streamed request that fell back says so in its headers: the serving provider and the attempts it took", async () => {
    const config = geminiConfig()
    const aiStudio = config.providers[0]!
    const failing = {
      ...config,
      providers: [{ ...aiStudio, options: { ...aiStudio.options, errorRate: 1 } }, ...config.providers.slice(1)],
    }
    const stack = await startStack(failing)
    try {
      const r = await post(stack, {
        model: MODEL,
        messages,
        stream: true,
        provider: { sort: "price" },
        switchyard_trace: true,
      })
      expect(r.status).toBe(200)
      expect(r.headers.get("content-type")).toContain("text/event-stream")
      expect(r.headers.get("x-switchyard-provider")).toBe("google-vertex")
      const frames = (await r.text()).split("\n\n").filter((f) => f.startsWith("data: {"))
      const trace = JSON.parse(frames.at(-1)!.slice("data: ".length)).switchyard_trace
      expect(trace.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(["upstream_error", "success"])
      expect(r.headers.get("x-switchyard-attempts")).toBe("2")
    } finally {
      await stack.close()
    }
  })
})
