import { describe, expect, it } from "vitest"
import { ChatRequest, RoutingRequest, requestDecoderSync } from "../../src/index.js"

const decodeRouting = requestDecoderSync(RoutingRequest)
const decodeChat = requestDecoderSync(ChatRequest)

const hello = [{ role: "user", content: "Hello" }]

describe("RoutingRequest decoding", () => {
  it("accepts the reference description's three request bodies", () => {
    const bodies = [
      { model: "google/gemini-2.5-pro-preview", messages: hello },
      {
        model: "google/gemini-2.5-pro-preview",
        messages: hello,
        provider: { order: ["google-vertex/pt"], allow_fallbacks: true },
      },
      {
        model: "google/gemini-2.5-pro-preview",
        messages: hello,
        provider: { sort: "latency", preferred_max_latency: { p90: 3 } },
      },
      { model: "m", messages: hello, provider: { sort: "price" } },
      { model: "m", messages: hello, provider: { sort: "throughput" } },
      { model: "m", messages: hello, provider: { data_collection: "deny" } },
    ]
    for (const body of bodies) {
      const r = decodeRouting(body)
      expect(r.ok, JSON.stringify(body)).toBe(true)
    }
  })

  it("rejects an unknown sort with the allowed values and param provider.sort", () => {
    const r = decodeRouting({ model: "m", messages: hello, provider: { sort: "fastest" } })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.param).toBe("provider.sort")
    expect(r.error.message).toContain('"price"')
    expect(r.error.message).toContain('"latency"')
    expect(r.error.message).toContain('"throughput"')
  })

  it("points at the offending message index", () => {
    const r = decodeRouting({ model: "m", messages: [{ role: "user" }, { role: "robot" }] })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.param).toBe("messages.1.role")
  })

  it("requires at least one message", () => {
    const r = decodeRouting({ model: "m", messages: [] })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.param).toBe("messages")
  })

  it("accepts sort objects with partition and string max_price values", () => {
    const r = decodeRouting({
      model: "m",
      messages: hello,
      provider: { sort: { by: "price", partition: "none" }, max_price: { prompt: "1.5", completion: 2 } },
    })
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.value.provider?.max_price).toEqual({ prompt: 1.5, completion: 2 })
  })

  it("rejects a negative max_tokens with its param", () => {
    const r = decodeRouting({ model: "m", messages: hello, max_tokens: -1 })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.param).toBe("max_tokens")
  })
})

describe("ChatRequest decoding", () => {
  it("accepts every message role, tool calls, multimodal parts and response formats", () => {
    const r = decodeChat({
      model: "m",
      messages: [
        { role: "system", content: "be brief" },
        { role: "developer", content: "really" },
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }],
        },
        { role: "tool", tool_call_id: "call_1", content: "42" },
      ],
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
      tool_choice: { type: "function", function: { name: "lookup" } },
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" }, strict: true } },
      temperature: 0.2,
      top_p: 1,
      max_completion_tokens: 100,
      stop: ["\n"],
      seed: 7,
      stream: true,
      stream_options: { include_usage: true },
      user: "u1",
      some_future_field: { kept: true },
    })
    expect(r.ok).toBe(true)
  })

  it("rejects a tool message without tool_call_id", () => {
    const r = decodeChat({ model: "m", messages: [{ role: "tool", content: "x" }] })
    expect(r.ok).toBe(false)
  })

  it("rejects temperature above 2 with param temperature", () => {
    const r = decodeChat({ model: "m", messages: hello, temperature: 3 })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.param).toBe("temperature")
  })

  it("a body with many bad fields gets a bounded message: the first ten issues, then how many more", () => {
    const messages = Array.from({ length: 100_000 }, () => ({ role: "nobody", content: "x" }))
    const r = decodeRouting({ model: "m", messages })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.message.length).toBeLessThan(10 * 400)
    expect(r.error.message).toMatch(/; and 99990 more$/)
    expect(r.error.param).toBe("messages.0.role")
  })
})
