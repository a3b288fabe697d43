/**
 * Conversation affinity end to end (issue #18): the gateway on a real port, two OpenAI-compatible
 * providers on a real loopback upstream answering the OpenAI prompt-caching answer (1,920 of 2,006
 * prompt tokens cached), read over HTTP and with the official SDK. Turn 2 of a conversation goes back to
 * turn 1's endpoint although a cheaper one (cold: its cache does not hold the conversation) is there,
 * within the price tolerance.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Json, rawJson } from "../conformance/client.js"
import { lines, openAiFrames, recording } from "../conformance/recordings.js"
import { startUpstream } from "../conformance/upstream.js"
import { type Stack, startStack } from "../support/stack.js"

const KEY = "sk-gateway-affinity"
const cachedAnswer = recording("fixtures/openai/openai-chat-cached.json")
const cachedStream = openAiFrames(lines(recording("fixtures/openai/openai-chat-cached.chunks.txt")))
let upstream: Awaited<ReturnType<typeof startUpstream>>
let stack: Stack

beforeAll(async () => {
  upstream = await startUpstream()
  upstream.reply({ body: cachedAnswer })
  const provider = (slug: string) => ({
    slug,
    kind: "openai-compatible",
    options: { baseUrl: `${upstream.url}/${slug}/v1`, apiKey: "upstream-key-0123456789" },
  })
  stack = await startStack({
    providers: [provider("warm"), provider("cold")],
    models: [
      {
        id: "acme/chat",
        endpoints: [
          // cold is 10% cheaper; both bill cache reads at half the prompt price (the kind's default)
          { provider: "warm", price: { prompt: 1.1, completion: 4.4 }, contextLength: 128_000 },
          { provider: "cold", price: { prompt: 1, completion: 4 }, contextLength: 128_000 },
        ],
      },
    ],
    gateway: { keys: [{ name: "affinity", key: KEY }] },
  })
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

const ask = (body: Json, headers: Record<string, string> = {}) =>
  rawJson(
    stack.url,
    KEY,
    { model: "acme/chat", messages: [{ role: "user", content: "Summarise the catalogue." }], ...body },
    { "x-switchyard-trace": "true", ...headers },
  )
const servedBy = (r: Awaited<ReturnType<typeof ask>>) => r.headers.get("x-switchyard-provider")
const lastPath = () => upstream.requests.at(-1)!.path

describe("conversation affinity through the gateway", () => {
  it("turn 2 goes to turn 1's endpoint while a cheaper cold endpoint exists within tolerance; session_id is not sent upstream", async () => {
    upstream.reply({ body: cachedAnswer })
    // turn 1: the conversation starts on `warm` (named first)
    const first = await ask({ session_id: "conv-42", provider: { order: ["warm"] } })
    expect(servedBy(first)).toBe("warm")
    expect(lastPath()).toMatch(/^\/warm\//)
    expect(upstream.requests.at(-1)!.body).not.toHaveProperty("session_id")

    // turn 2, ranked by price: `cold` is cheaper, but `warm` holds the conversation's prefix
    const second = await ask({ session_id: "conv-42", provider: { sort: "price" } })
    expect(second.status).toBe(200)
    expect(servedBy(second)).toBe("warm")
    expect(lastPath()).toMatch(/^\/warm\//)
    const trace = second.json.switchyard_trace as { plan: { steps: Array<string> } }
    expect(trace.plan.steps).toContain("affinity: acme/chat@warm first (10% above the cheapest, within 25%)")
    // the turn is billed with its cache reads: 86 uncached × 1.1 + 1,920 × 0.55 + 300 × 4.4, per million
    expect((second.json.usage as Json).cost).toBeCloseTo((86 * 1.1 + 1920 * 0.55 + 300 * 4.4) / 1e6, 12)

    // the same request outside the conversation goes to the cheaper endpoint
    const stranger = await ask({ provider: { sort: "price" } })
    expect(servedBy(stranger)).toBe("cold")
  })

  it("the x-session-id header names the conversation too, for the default load balancing, JSON and streamed (OpenAI SDK)", async () => {
    upstream.reply({ body: cachedAnswer })
    const first = await ask({ provider: { order: ["warm"] } }, { "x-session-id": "conv-sdk" })
    expect(servedBy(first)).toBe("warm")
    const client = stack.client(KEY)
    for (let i = 0; i < 6; i++) {
      const stream = i % 2 === 1
      upstream.reply(stream ? { frames: cachedStream } : { body: cachedAnswer })
      const { data, response } = await client.chat.completions
        .create(
          { model: "acme/chat", messages: [{ role: "user", content: "And then?" }], stream },
          { headers: { "x-session-id": "conv-sdk" } },
        )
        .withResponse()
      if (stream) for await (const _ of data as AsyncIterable<unknown>);
      // load balancing would draw `cold` about half the time; the conversation stays on `warm`
      expect(response.headers.get("x-switchyard-provider")).toBe("warm")
      expect(lastPath()).toMatch(/^\/warm\//)
    }
  })
})
