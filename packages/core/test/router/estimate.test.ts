import { describe, expect, it } from "vitest"
import { estimatePromptTokens, MEDIA_PART_TOKENS } from "../../src/router/estimate.js"

const text = (content: string) => ({ messages: [{ role: "user", content }] })

describe("estimatePromptTokens: one estimate, from what the model reads", () => {
  it("text at ~4 characters a token plus a per-message overhead", () => {
    expect(estimatePromptTokens(text("x".repeat(400)))).toBe(100 + 4)
  })

  it("a 1 MiB base64 image is one image (MEDIA_PART_TOKENS), not 262k tokens", () => {
    const image = `data:image/png;base64,${"A".repeat(1024 * 1024)}`
    const body = {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "x".repeat(40) },
            { type: "image_url", image_url: { url: image } },
          ],
        },
      ],
    }
    expect(estimatePromptTokens(body)).toBe(10 + 4 + MEDIA_PART_TOKENS)
    expect(estimatePromptTokens(body)).toBeLessThan(128_000 / 10)
  })

  it("tool definitions, tool calls and a response_format schema count; audio and files count as media parts", () => {
    const base = estimatePromptTokens(text("hi"))
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }]
    expect(estimatePromptTokens({ ...text("hi"), tools })).toBe(
      base + Math.ceil((2 + JSON.stringify(tools).length) / 4) - 1,
    )
    const schema = { name: "answer", schema: { type: "object", properties: { a: { type: "string" } } } }
    expect(
      estimatePromptTokens({ ...text("hi"), response_format: { type: "json_schema", json_schema: schema } }),
    ).toBeGreaterThan(base)
    const call = {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
    }
    expect(estimatePromptTokens({ messages: [call] })).toBe(Math.ceil(8 / 4) + 4)
    const audio = { role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }
    expect(estimatePromptTokens({ messages: [audio] })).toBe(4 + MEDIA_PART_TOKENS)
  })
})
