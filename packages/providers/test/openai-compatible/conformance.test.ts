import { expect } from "vitest"
import { openAiCompatiblePlugin } from "../../src/openai-compatible/plugin.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { runConformance } from "../conformance/suite.js"
import { readCassette, readFixture } from "../support/fixtures.js"
import type { RecordedRequest } from "../support/loopback.js"
import { openAiWire } from "./wire.js"

const bearer = (req: RecordedRequest, apiKey: string) => {
  expect(req.url).toBe("/v1/chat/completions")
  expect(req.headers.authorization).toBe(`Bearer ${apiKey}`)
  expect(req.headers["content-type"]).toBe("application/json")
}

const options = ({ baseUrl, apiKey, timeouts }: { baseUrl: string; apiKey: string; timeouts?: object }) => ({
  baseUrl: `${baseUrl}/v1`,
  apiKey,
  ...(timeouts ? { timeouts } : {}),
})

const endpoint = (provider: string, upstreamModel: string) =>
  testEndpoint({ provider, providerKind: "openai-compatible", upstreamModel })

// OpenAI: usage in a separate `choices: []` chunk; tool call from the recorded cassette (2nd answer).
runConformance({
  name: "openai-compatible (OpenAI recordings)",
  plugin: openAiCompatiblePlugin,
  options,
  endpoint: endpoint("openai", "gpt-4.1-nano"),
  wire: openAiWire({
    chatBody: readFixture("openai/openai-chat-text.json"),
    toolCallBody: readCassette("openai/openai-chat-tool-call.cassette.yaml")[1]?.response.body ?? "",
    chunks: readFixture("openai/openai-chat-text.chunks.txt"),
    usage: { promptTokens: 16, completionTokens: 363, cachedTokens: 0, reasoningTokens: 0 },
    streamUsage: { promptTokens: 16, completionTokens: 300, cachedTokens: 0, reasoningTokens: 0 },
    finishReason: "stop",
    streamFinishReason: "stop",
    toolCalls: [{ name: "final_result", arguments: { city: "Mexico City", country: "Mexico" } }],
    checkRequest: bearer,
  }),
})

// DeepSeek: usage in the finish chunk, prompt_cache_hit_tokens, reasoning tokens on the tool call.
runConformance({
  name: "openai-compatible (DeepSeek recordings)",
  plugin: openAiCompatiblePlugin,
  options,
  endpoint: endpoint("deepseek", "deepseek-chat"),
  wire: openAiWire({
    chatBody: readFixture("deepseek/deepseek-chat-text.json"),
    toolCallBody: readFixture("deepseek/deepseek-chat-tool-call.json"),
    chunks: readFixture("deepseek/deepseek-chat-text.chunks.txt"),
    usage: { promptTokens: 13, completionTokens: 300, cachedTokens: 0, reasoningTokens: 0 },
    streamUsage: { promptTokens: 13, completionTokens: 400, cachedTokens: 0, reasoningTokens: 0 },
    finishReason: "length",
    streamFinishReason: "length",
    toolCalls: [{ name: "weather", arguments: { location: "San Francisco" } }],
    checkRequest: bearer,
  }),
})

// Groq: usage both in x_groq.usage and top-level usage of the finish chunk; tool-call message without content.
runConformance({
  name: "openai-compatible (Groq recordings)",
  plugin: openAiCompatiblePlugin,
  options,
  endpoint: endpoint("groq", "llama-3.3-70b-versatile"),
  wire: openAiWire({
    chatBody: readFixture("groq/groq-chat-text.json"),
    toolCallBody: readFixture("groq/groq-chat-tool-call.json"),
    chunks: readFixture("groq/groq-chat-text.chunks.txt"),
    usage: { promptTokens: 45, completionTokens: 607, cachedTokens: 0, reasoningTokens: 0 },
    streamUsage: { promptTokens: 45, completionTokens: 662, cachedTokens: 0, reasoningTokens: 0 },
    finishReason: "stop",
    streamFinishReason: "stop",
    toolCalls: [{ name: "weather", arguments: {} }],
    checkRequest: bearer,
  }),
})

// xAI: no finish_reason keys on intermediate chunks, separate usage chunk, reasoning counted outside completion.
runConformance({
  name: "openai-compatible (xAI recordings)",
  plugin: openAiCompatiblePlugin,
  options,
  endpoint: endpoint("xai", "grok-3-mini"),
  wire: openAiWire({
    chatBody: readFixture("xai/xai-chat-text.json"),
    toolCallBody: readFixture("xai/xai-chat-tool-call.json"),
    chunks: readFixture("xai/xai-chat-text-trimmed.chunks.txt"),
    usage: { promptTokens: 12, completionTokens: 229, cachedTokens: 2, reasoningTokens: 228 },
    streamUsage: { promptTokens: 12, completionTokens: 291, cachedTokens: 11, reasoningTokens: 290 },
    finishReason: "stop",
    streamFinishReason: "stop",
    toolCalls: [{ name: "weather", arguments: { location: "San Francisco" } }],
    checkRequest: bearer,
  }),
})

// Mistral: tool calls without `type`, usage in the finish chunk.
runConformance({
  name: "openai-compatible (Mistral recordings)",
  plugin: openAiCompatiblePlugin,
  options,
  endpoint: endpoint("mistral", "mistral-small-latest"),
  wire: openAiWire({
    chatBody: readFixture("mistral/mistral-chat-text.json"),
    toolCallBody: readFixture("mistral/mistral-chat-tool-call.json"),
    chunks: readFixture("mistral/mistral-chat-text.chunks.txt"),
    usage: { promptTokens: 13, completionTokens: 434, cachedTokens: 0, reasoningTokens: 0 },
    streamUsage: { promptTokens: 13, completionTokens: 8, cachedTokens: 0, reasoningTokens: 0 },
    finishReason: "stop",
    streamFinishReason: "stop",
    toolCalls: [{ name: "weather", arguments: { location: "San Francisco" } }],
    checkRequest: bearer,
  }),
})
