/**
 * A completion relayed as the upstream wrote it (canonical JSON in OpenAI's shape: the router splices
 * `model`, `provider` and `usage` into the upstream's text) reaches the client byte for byte as the parse
 * path sends it. Each recorded completion is served by a real loopback upstream twice: as recorded
 * (pretty-printed, so parsed and re-serialised) and compacted (`JSON.stringify`, so relayed); the client
 * must get the same bytes, status and error envelope both times.
 */
import { relayableCompletion } from "@switchyard/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Stack, startStack } from "../support/stack.js"
import { recording } from "./recordings.js"
import { startUpstream } from "./upstream.js"

const KEY = "sk-gateway-relay"
const UPSTREAM_KEY = "upstream-secret-0123456789abcdef"

let upstream: Awaited<ReturnType<typeof startUpstream>>
let stack: Stack

beforeAll(async () => {
  upstream = await startUpstream()
  stack = await startStack(
    {
      providers: [
        {
          slug: "oai",
          kind: "openai-compatible",
          options: { baseUrl: `${upstream.url}/v1`, apiKey: { env: "UPSTREAM_KEY" } },
        },
      ],
      models: [
        {
          id: "relay/oai",
          endpoints: [
            {
              provider: "oai",
              upstreamModel: "upstream-model",
              price: { prompt: 0.3, completion: 0.5, cacheRead: 0.1 },
              contextLength: 128_000,
            },
          ],
        },
      ],
      routing: { maxRetrySleepMs: 0 },
      gateway: { keys: [{ name: "relay", key: KEY }] },
    },
    { env: { UPSTREAM_KEY } },
  )
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

/** The client's answer, raw, when the upstream answers `body` with 200. */
const answer = async (body: string, headers: Record<string, string> = {}) => {
  upstream.reply({ body, headers: { "x-request-id": "req-upstream-1" } })
  const res = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "relay/oai", messages: [{ role: "user", content: "Hi" }] }),
  })
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() }
}

const compact = (text: string): string => JSON.stringify(JSON.parse(text))

describe("relayed completions", () => {
  it.each([
    "fixtures/openai/openai-chat-text.json",
    "fixtures/openai/openai-chat-cached.json",
    "fixtures/groq/groq-chat-text.json",
    "fixtures/groq/groq-chat-tool-call.json",
    "fixtures/deepseek/deepseek-chat-text.json",
    "fixtures/deepseek/deepseek-chat-tool-call.json",
    "fixtures/mistral/mistral-chat-text.json",
    "fixtures/mistral/mistral-chat-tool-call.json",
    "fixtures/openrouter/openrouter-chat-cache-write.json",
  ])("%s: the compact body (relayed) reaches the client as the recorded one (parsed) does", async (path) => {
    const recorded = recording(path)
    expect(compact(recorded)).not.toBe(recorded)
    // OpenRouter's names its own `provider`, which the router moves: that one takes the parse path both times
    expect(relayableCompletion(compact(recorded)) !== undefined).toBe(!path.includes("openrouter"))
    expect(relayableCompletion(recorded)).toBeUndefined()
    const parsed = await answer(recorded)
    const relayed = await answer(compact(recorded))
    expect(parsed.status).toBe(200)
    expect(relayed).toEqual(parsed)
    const json = JSON.parse(relayed.text) as Record<string, unknown>
    expect(json.model).toBe("relay/oai")
    expect(json.provider).toBe("oai")
    expect((json.usage as Record<string, unknown>).cost).toBeTypeOf("number")
  })

  it("a relayed completion with the routing trace asked for: the same completion, trace and all", async () => {
    const recorded = recording("fixtures/openai/openai-chat-text.json")
    const trace = { "x-switchyard-trace": "true" }
    const parsed = JSON.parse((await answer(recorded, trace)).text) as Record<string, unknown>
    const relayed = JSON.parse((await answer(compact(recorded), trace)).text) as Record<string, unknown>
    expect(Object.keys(relayed)).toEqual(Object.keys(parsed))
    expect(relayed.switchyard_trace).toHaveProperty("attempts")
    expect({ ...relayed, switchyard_trace: undefined }).toEqual({ ...parsed, switchyard_trace: undefined })
  })

  it.each([
    ["an error in a 200's body", '{"error":{"message":"tool call failed","type":"invalid_request_error"}}'],
    ["a body without choices", '{"id":"c1","object":"chat.completion"}'],
    ["choices that are not a list", '{"id":"c1","choices":{}}'],
  ])("%s gets the same error envelope compact or not", async (_why, body) => {
    const spaced = JSON.stringify(JSON.parse(body), null, 2)
    const parsed = await answer(spaced)
    const relayed = await answer(body)
    expect(parsed.status).toBeGreaterThanOrEqual(400)
    expect({ ...relayed, text: withoutIds(relayed.text) }).toEqual({ ...parsed, text: withoutIds(parsed.text) })
    expect(JSON.parse(relayed.text)).toHaveProperty("error.message")
  })
})

/** Error bodies name the gateway's request id, new for every request. */
const withoutIds = (text: string): string => text.replace(/"(request_id|id)":"[^"]*"/g, '"$1":""')
