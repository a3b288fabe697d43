import { readFileSync } from "node:fs"
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually } from "../support/listen.js"
import { startLoopbackUpstream } from "../support/loopback-upstream.js"
import { type Stack, startStack } from "../support/stack.js"

const UPSTREAM_KEY = "sk-upstream-secret-0123456789"
const fixtureText = (() => {
  const body = JSON.parse(readFileSync(new URL("../fixtures/openai-chat-text.json", import.meta.url), "utf8"))
  return body.choices[0].message.content as string
})()
const fixtureStreamText = readFileSync(new URL("../fixtures/openai-chat-text.chunks.txt", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l).choices[0]?.delta?.content ?? "")
  .join("")

let upstream: Awaited<ReturnType<typeof startLoopbackUpstream>>
let stack: Stack
beforeAll(async () => {
  upstream = await startLoopbackUpstream()
  stack = await startStack(
    {
      providers: [
        {
          slug: "loop",
          kind: "openai-compatible",
          options: { baseUrl: upstream.baseUrl, apiKey: { env: "LOOP_KEY" } },
        },
        { slug: "sim", kind: "simulated", options: { latency: 5, throughput: 2000, outputTokens: 12 } },
      ],
      models: [
        {
          id: "openai/gpt-4.1-nano",
          endpoints: [
            {
              provider: "loop",
              upstreamModel: "gpt-4.1-nano",
              price: { prompt: 0.1, completion: 0.4 },
              contextLength: 128000,
            },
          ],
        },
        {
          id: "acme/hang",
          endpoints: [
            { provider: "loop", upstreamModel: "hang", price: { prompt: 1, completion: 1 }, contextLength: 1000 },
          ],
        },
        { id: "sim/echo", endpoints: [{ provider: "sim", price: { prompt: 1, completion: 2 }, contextLength: 10000 }] },
      ],
      // a lone rate-limited endpoint: answer 429 at once instead of sleeping through its retry-after
      routing: { maxRetrySleepMs: 0 },
      gateway: { keys: [{ name: "tests", key: "sk-gateway-test" }] },
    },
    { env: { LOOP_KEY: UPSTREAM_KEY } },
  )
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

const client = () => stack.client("sk-gateway-test")
const user = [{ role: "user" as const, content: "Invent a new holiday and describe its traditions." }]

describe("the official openai SDK against a running gateway", () => {
  it("JSON completion: the upstream's answer, plus provider, usage.cost and Switchyard headers", async () => {
    const { data, response } = await client()
      .chat.completions.create({ model: "openai/gpt-4.1-nano", messages: user, temperature: 0.2 })
      .withResponse()
    expect(data.choices[0]?.message.content).toBe(fixtureText)
    expect((data as unknown as { provider: string }).provider).toBe("loop")
    expect(data.model).toBe("openai/gpt-4.1-nano")
    expect((data.usage as unknown as { cost: number }).cost).toBeGreaterThan(0)
    expect(response.headers.get("x-switchyard-provider")).toBe("loop")
    expect(response.headers.get("x-switchyard-attempts")).toBe("1")
    expect(response.headers.get("x-request-id")).toBeTruthy()
    const sent = upstream.received.at(-1)!
    expect(sent.body).toMatchObject({ model: "gpt-4.1-nano", temperature: 0.2, messages: user })
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
  })

  it("streaming: the SDK reassembles the upstream's text; usage with cost arrives on the last chunk", async () => {
    const stream = await client().chat.completions.create({
      model: "openai/gpt-4.1-nano",
      messages: user,
      stream: true,
    })
    let text = ""
    const providers: Array<string> = []
    let last: OpenAI.Chat.Completions.ChatCompletionChunk | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? ""
      const p = (chunk as unknown as { provider?: string }).provider
      if (p) providers.push(p)
      last = chunk
    }
    expect(text).toBe(fixtureStreamText)
    // the serving provider is named once, on the first chunk (clients merge and concatenate repeated strings)
    expect(providers).toEqual(["loop"])
    expect((last?.usage as unknown as { cost: number } | undefined)?.cost).toBeGreaterThan(0)
    expect(upstream.received.at(-1)?.body).toMatchObject({ stream: true })
  })

  const tools: Array<OpenAI.Chat.Completions.ChatCompletionTool> = [
    {
      type: "function",
      function: { name: "weather", description: "Weather in a city", parameters: { type: "object", properties: {} } },
    },
  ]

  it("tool calls, JSON", async () => {
    const r = await client().chat.completions.create({
      model: "openai/gpt-4.1-nano",
      messages: user,
      tools,
      tool_choice: "auto",
    })
    expect(r.choices[0]?.finish_reason).toBe("tool_calls")
    const call = r.choices[0]?.message.tool_calls?.[0]
    expect(call?.type).toBe("function")
    expect(call?.type === "function" && call.function.name).toBe("weather")
    expect(upstream.received.at(-1)?.body.tools).toEqual(tools)
  })

  it("tool calls, streamed: deltas accumulate into one call", async () => {
    const stream = await client().chat.completions.create({
      model: "openai/gpt-4.1-nano",
      messages: user,
      tools,
      stream: true,
    })
    const calls = new Map<number, { name: string; args: string }>()
    let finish: string | null | undefined
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
        const c = calls.get(d.index) ?? { name: "", args: "" }
        c.name += d.function?.name ?? ""
        c.args += d.function?.arguments ?? ""
        calls.set(d.index, c)
      }
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect([...calls.values()]).toEqual([{ name: "read_file", args: '{"path": "a.txt"}' }])
    expect(finish).toBe("tool_calls")
  })

  it("the trace opt-in travels as an SDK extra body field and never reaches the upstream", async () => {
    const r = await client().chat.completions.create({
      model: "openai/gpt-4.1-nano",
      messages: user,
      // @ts-expect-error Switchyard extension
      switchyard_trace: true,
    })
    const trace = (r as unknown as { switchyard_trace: { attempts: Array<{ endpoint: string; outcome: string }> } })
      .switchyard_trace
    expect(trace.attempts).toEqual([
      expect.objectContaining({ endpoint: "openai/gpt-4.1-nano@loop", outcome: "success" }),
    ])
    expect(upstream.received.at(-1)?.body).not.toHaveProperty("switchyard_trace")
  })

  it("models.list() returns the catalog", async () => {
    const ids: Array<string> = []
    for await (const m of client().models.list()) ids.push(m.id)
    expect(ids).toEqual(["openai/gpt-4.1-nano", "acme/hang", "sim/echo"])
  })

  describe("error mapping as the SDK sees it", () => {
    it("unknown gateway key → AuthenticationError 401", async () => {
      const e = await stack
        .client("sk-wrong")
        .chat.completions.create({ model: "sim/echo", messages: user })
        .catch((x: unknown) => x)
      expect(e).toBeInstanceOf(OpenAI.AuthenticationError)
      expect((e as InstanceType<typeof OpenAI.APIError>).code).toBe("invalid_api_key")
    })

    it("unknown model → NotFoundError 404 model_not_found", async () => {
      const e = await client()
        .chat.completions.create({ model: "acme/nope", messages: user })
        .catch((x: unknown) => x)
      expect(e).toBeInstanceOf(OpenAI.NotFoundError)
      expect((e as InstanceType<typeof OpenAI.APIError>).code).toBe("model_not_found")
    })

    it("schema violation → BadRequestError 400 with param", async () => {
      const e = await client()
        .chat.completions.create({ model: "sim/echo", messages: [] })
        .catch((x: unknown) => x)
      expect(e).toBeInstanceOf(OpenAI.BadRequestError)
      expect((e as InstanceType<typeof OpenAI.APIError>).param).toBe("messages")
    })

    it("every endpoint rate-limited → RateLimitError 429 whose headers carry retry-after-ms and retry-after", async () => {
      upstream.rateLimit(10)
      try {
        const e = await client()
          .chat.completions.create({ model: "openai/gpt-4.1-nano", messages: user })
          .catch((x: unknown) => x)
        expect(e).toBeInstanceOf(OpenAI.RateLimitError)
        const err = e as InstanceType<typeof OpenAI.APIError>
        expect(err.status).toBe(429)
        expect(err.code).toBe("capacity_exhausted")
        const ms = Number(err.headers?.get("retry-after-ms"))
        expect(ms).toBeGreaterThan(0)
        expect(ms).toBeLessThanOrEqual(2000)
        expect(err.headers?.get("retry-after")).toBe(String(Math.ceil(ms / 1000)))
        expect(err.headers?.get("x-switchyard-ratelimit-origin")).toBe("upstream")
        expect(JSON.stringify(err.error)).not.toContain(UPSTREAM_KEY)
      } finally {
        upstream.rateLimit(0)
      }
    })

    it("the upstream key never appears in any response", async () => {
      const bodies = await Promise.all(
        ["/v1/models", "/v1/models/openai/gpt-4.1-nano/endpoints", "/metrics", "/healthz"].map((p) =>
          fetch(`${stack.url}${p}`, { headers: { authorization: "Bearer sk-gateway-test" } }).then((r) => r.text()),
        ),
      )
      for (const b of bodies) expect(b).not.toContain(UPSTREAM_KEY)
    })
  })

  it("a client that aborts cancels the upstream request", async () => {
    const ac = new AbortController()
    const pending = client()
      .chat.completions.create({ model: "acme/hang", messages: user }, { signal: ac.signal })
      .catch((x: unknown) => x)
    await eventually(() => upstream.received.some((r) => r.body.model === "hang"))
    ac.abort()
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError)
    await eventually(() => upstream.cancelled.includes("hang"))
  })
})
