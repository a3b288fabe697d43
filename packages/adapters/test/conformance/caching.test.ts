/**
 * Prompt caching through the whole gateway (issue #18): responses carrying cache counts, per provider kind,
 * replayed from a real loopback upstream through the plugins, the router and the gateway on a real port.
 * Recorded where a recording with cache counts exists (DeepSeek, xAI), otherwise a recording with its usage
 * replaced by one of the documented shape (OpenAI, OpenRouter, Anthropic, Gemini, Vertex: labelled in the
 * fixture READMEs). `usage.cost` must be exact — each part of the prompt at its own price — on the JSON and
 * the stream path alike, and `usage.cost_details` must split it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Stack, startStack } from "../support/stack.js"
import { type Json, rawJson, rawStream } from "./client.js"
import { plugins } from "./plugins.js"
import { anthropicFrames, geminiFrames, lines, openAiFrames, recording } from "./recordings.js"
import { startUpstream } from "./upstream.js"

const KEY = "sk-gateway-caching"
const UPSTREAM_KEY = "upstream-secret-0123456789abcdef"
const user = [{ role: "user", content: "What is the capital of France?" }]
const hosts = ["deepseek", "xai", "openrouter"] as const

let upstream: Awaited<ReturnType<typeof startUpstream>>
let stack: Stack

/** USD per million tokens of each endpoint (cache prices absent: the provider kind's default). */
const prices: Readonly<Record<string, Json>> = {
  openai: { prompt: 2, completion: 8 }, // openai-compatible default: reads at 0.5× = 1
  azure: { prompt: 2.5, completion: 10, cacheRead: 1.25 },
  anthropic: { prompt: 3, completion: 15 }, // anthropic defaults: reads 0.3, 5-minute writes 3.75, 1-hour writes 6
  gemini: { prompt: 1.25, completion: 10 }, // google default: reads at 0.1× = 0.125
  vertex: { prompt: 0.5, completion: 3 }, // google-vertex default: reads at 0.1× = 0.05
  deepseek: { prompt: 0.56, completion: 1.68, cacheRead: 0.07 },
  xai: { prompt: 0.3, completion: 0.5, cacheRead: 0.075 },
  openrouter: { prompt: 3, completion: 15, cacheWrite: 3.75 },
}

beforeAll(async () => {
  upstream = await startUpstream()
  stack = await startStack(
    {
      providers: [
        ...plugins.map((p) => ({ slug: p.name, kind: p.kind, options: p.options(upstream.url) })),
        ...hosts.map((h) => ({
          slug: h,
          kind: "openai-compatible",
          options: { baseUrl: `${upstream.url}/v1`, apiKey: { env: "UPSTREAM_KEY" } },
        })),
      ],
      models: [...plugins.map((p) => p.name), ...hosts].map((name) => ({
        id: `cache/${name}`,
        endpoints: [
          {
            provider: name,
            upstreamModel: plugins.find((p) => p.name === name)?.upstreamModel ?? `${name}-model`,
            price: prices[name],
            contextLength: 128_000,
          },
        ],
      })),
      gateway: { keys: [{ name: "caching", key: KEY }] },
    },
    { env: { UPSTREAM_KEY } },
  )
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

const json = async (name: string, body: string, extra: Json = {}) => {
  upstream.reply({ body })
  const r = await rawJson(stack.url, KEY, { model: `cache/${name}`, messages: user, ...extra })
  expect(r.status).toBe(200)
  return r.json.usage as Json
}
const streamed = async (name: string, frames: ReadonlyArray<string>) => {
  upstream.reply({ frames })
  const r = await rawStream(stack.url, KEY, { model: `cache/${name}`, messages: user })
  expect(r.status).toBe(200)
  const withUsage = r.chunks.filter((c) => c.usage !== undefined && c.usage !== null)
  expect(withUsage).toHaveLength(1)
  return withUsage[0]!.usage as Json
}

/** `usage.cost` is the sum of the parts priced by hand here, and `cost_details` names each part. */
const expectCost = (
  usage: Json,
  parts: {
    readonly prompt: number
    readonly cacheRead?: number
    readonly cacheWrite?: number
    readonly completion: number
    /** Every prompt token at the prompt price, plus the completion: the cost without caching. */
    readonly uncached: number
  },
) => {
  const read = parts.cacheRead ?? 0
  const write = parts.cacheWrite ?? 0
  const cost = parts.prompt + read + write + parts.completion
  expect(usage.cost).toBeCloseTo(cost, 12)
  const d = usage.cost_details as Record<string, number>
  expect(d.prompt).toBeCloseTo(parts.prompt, 12)
  expect(d.cache_read).toBeCloseTo(read, 12)
  expect(d.cache_write).toBeCloseTo(write, 12)
  expect(d.completion).toBeCloseTo(parts.completion, 12)
  expect(d.cache_savings).toBeCloseTo(parts.uncached - cost, 12)
}

const M = 1_000_000

describe("prompt caching through the gateway: usage and exact cost per provider kind", () => {
  it("OpenAI (openai-compatible, documented usage): cached_tokens at the kind's default read price, JSON and stream alike", async () => {
    const usage = await json("openai", recording("fixtures/openai/openai-chat-cached.json"))
    const parts = {
      prompt: (86 * 2) / M,
      cacheRead: (1920 * 1) / M,
      completion: (300 * 8) / M,
      uncached: (2006 * 2 + 300 * 8) / M,
    }
    expectCost(usage, parts)
    expect(usage.prompt_tokens_details).toMatchObject({ cached_tokens: 1920 })
    const chunks = lines(recording("fixtures/openai/openai-chat-cached.chunks.txt"))
    expectCost(await streamed("openai", openAiFrames(chunks)), parts)
  })

  it("Azure OpenAI (same usage shape): the endpoint's own cacheRead price", async () => {
    const usage = await json("azure", recording("fixtures/openai/openai-chat-cached.json"))
    expectCost(usage, {
      prompt: (86 * 2.5) / M,
      cacheRead: (1920 * 1.25) / M,
      completion: (300 * 10) / M,
      uncached: (2006 * 2.5 + 300 * 10) / M,
    })
  })

  it("DeepSeek (recorded): prompt_cache_hit_tokens, reasoning inside completion", async () => {
    const usage = await json("deepseek", recording("fixtures/deepseek/deepseek-chat-tool-call.json"))
    expectCost(usage, {
      prompt: (19 * 0.56) / M,
      cacheRead: (320 * 0.07) / M,
      completion: (92 * 1.68) / M,
      uncached: (339 * 0.56 + 92 * 1.68) / M,
    })
  })

  it("xAI (recorded stream): cached_tokens, and reasoning counted outside completion_tokens billed as output", async () => {
    const usage = await streamed("xai", openAiFrames(lines(recording("fixtures/xai/xai-chat-text-trimmed.chunks.txt"))))
    expectCost(usage, {
      prompt: (1 * 0.3) / M,
      cacheRead: (11 * 0.075) / M,
      completion: ((1 + 290) * 0.5) / M,
      uncached: (12 * 0.3 + 291 * 0.5) / M,
    })
  })

  it("OpenRouter (documented usage): cache_write_tokens at the write price; its own cost is replaced by ours", async () => {
    const usage = await json("openrouter", recording("fixtures/openrouter/openrouter-chat-cache-write.json"))
    expectCost(usage, {
      prompt: (94 * 3) / M,
      cacheWrite: (100 * 3.75) / M,
      completion: (2 * 15) / M,
      uncached: (194 * 3 + 2 * 15) / M,
    })
    expect(usage.cost_details).not.toHaveProperty("upstream_inference_cost")
  })

  it("Anthropic (JSON): reads 0.1×, 5-minute writes 1.25×, 1-hour writes 2× — and the cache_control breakpoints reached Anthropic", async () => {
    const usage = await json("anthropic", recording("anthropic/fixtures/anthropic-messages-cached.json"), {
      messages: [
        {
          role: "system",
          content: [{ type: "text", text: "<a long stable prompt>", cache_control: { type: "ephemeral", ttl: "1h" } }],
        },
        { role: "user", content: "Hello", cache_control: { type: "ephemeral" } },
      ],
    })
    expect(usage).toMatchObject({
      prompt_tokens: 2098,
      completion_tokens: 503,
      prompt_tokens_details: { cached_tokens: 1800, cache_write_tokens: 248, cache_write_1h_tokens: 100 },
    })
    expectCost(usage, {
      prompt: (50 * 3) / M,
      cacheRead: (1800 * 0.3) / M,
      cacheWrite: (148 * 3.75 + 100 * 6) / M,
      completion: (503 * 15) / M,
      uncached: (2098 * 3 + 503 * 15) / M,
    })
    const sent = upstream.requests.at(-1)!.body
    expect(sent.system).toEqual([
      { type: "text", text: "<a long stable prompt>", cache_control: { type: "ephemeral", ttl: "1h" } },
    ])
    expect(sent.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Hello", cache_control: { type: "ephemeral" } }] },
    ])
  })

  it("Anthropic (stream): the cache read on message_start and the cumulative message_delta, counted once", async () => {
    const frames = anthropicFrames(lines(recording("anthropic/fixtures/anthropic-messages-cached.chunks.txt")))
    expectCost(await streamed("anthropic", frames), {
      prompt: (12 * 3) / M,
      cacheRead: (2048 * 0.3) / M,
      completion: (30 * 15) / M,
      uncached: (2060 * 3 + 30 * 15) / M,
    })
  })

  it("Gemini (JSON and stream): implicit caching's cachedContentTokenCount at 0.1× the prompt price", async () => {
    const usage = await json("gemini", recording("google/fixtures/gemini-text-cached.json"))
    expectCost(usage, {
      prompt: (9 * 1.25) / M,
      cacheRead: (4096 * 0.125) / M,
      completion: ((28 + 244) * 10) / M,
      uncached: (4105 * 1.25 + 272 * 10) / M,
    })
    const frames = geminiFrames(lines(recording("google/fixtures/gemini-text-cached.chunks.txt")))
    expectCost(await streamed("gemini", frames), {
      prompt: (9 * 1.25) / M,
      cacheRead: (4096 * 0.125) / M,
      completion: ((23 + 185) * 10) / M,
      uncached: (4105 * 1.25 + 208 * 10) / M,
    })
  })

  it("Vertex: cachedContentTokenCount at 0.1× the prompt price", async () => {
    const usage = await json("vertex", recording("google/fixtures/vertex-generate-content-cached.json"))
    expectCost(usage, {
      prompt: (5 * 0.5) / M,
      cacheRead: (2048 * 0.05) / M,
      completion: ((1 + 51) * 3) / M,
      uncached: (2053 * 0.5 + 52 * 3) / M,
    })
  })

  it("metrics count tokens by type and the USD cache reads saved and writes cost extra", async () => {
    const text = await (await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text()
    const value = (series: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `))
      expect(line, series).toBeDefined()
      return Number(line!.slice(series.length + 1))
    }
    expect(value('switchyard_tokens_total{endpoint="deepseek",type="cache_read"}')).toBe(320)
    expect(value('switchyard_tokens_total{endpoint="deepseek",type="prompt"}')).toBe(19)
    expect(value('switchyard_tokens_total{endpoint="openrouter",type="cache_write"}')).toBe(100)
    expect(value('switchyard_cache_savings_usd_total{endpoint="deepseek"}')).toBeCloseTo((320 * (0.56 - 0.07)) / M, 12)
    expect(value('switchyard_cache_write_premium_usd_total{endpoint="openrouter"}')).toBeCloseTo(
      (100 * (3.75 - 3)) / M,
      12,
    )
  })
})
