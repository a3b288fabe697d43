import { expect } from "vitest"
import { anthropicPlugin } from "../../src/anthropic/index.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { runConformance } from "../conformance/suite.js"
import type { WireAdapter } from "../conformance/wire-adapter.js"
import { anthropicChunks, anthropicErrorBody, anthropicFixture, anthropicFrames, anthropicResponse } from "./replay.js"

const toolCall = [{ name: "weather", arguments: { location: "San Francisco" } }]

const anthropicWire: WireAdapter = {
  requestIdHeader: "request-id",
  chatBody: anthropicFixture("anthropic-messages-text.json"),
  toolCallBody: anthropicFixture("anthropic-messages-tool-call.json"),
  // raw SSE from api.anthropic.com: JSON padded with spaces, `{"type": "ping"}`
  streamFrames: [anthropicResponse("anthropic-messages-text-stream.cassette.yaml").body],
  toolCallStreamFrames: anthropicFrames(anthropicChunks("anthropic-messages-tool-call.chunks.txt")),
  // message_start, content_block_start, ping, first text_delta — cut before message_delta
  truncatedFrames: anthropicFrames(anthropicChunks("anthropic-messages-text.chunks.txt").slice(0, 4)),
  invalidJsonFrame: 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":\n\n',
  errorBody: anthropicErrorBody,
  expected: {
    text: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
    finishReason: "stop",
    usage: { promptTokens: 12, completionTokens: 29, cachedTokens: 0, reasoningTokens: 0 },
    streamText: "2",
    streamFinishReason: "stop",
    // message_delta usage is cumulative: output_tokens 5 replaces message_start's 1
    streamUsage: { promptTokens: 20, completionTokens: 5, cachedTokens: 0, reasoningTokens: 0 },
    toolCalls: toolCall,
    streamToolCalls: toolCall,
  },
  checkRequest: (req, { endpoint, apiKey, stream }) => {
    expect(req.url).toBe("/v1/messages")
    expect(req.headers["x-api-key"]).toBe(apiKey)
    expect(req.headers["anthropic-version"]).toBe("2023-06-01")
    expect(req.json).toMatchObject({
      model: endpoint.upstreamModel,
      // no max_tokens in the request: the model's documented maximum output (claude-sonnet-4-5: 64,000)
      max_tokens: 64_000,
      messages: [{ role: "user", content: [{ type: "text", text: "What is the capital of France?" }] }],
    })
    if (stream) expect(req.json).toMatchObject({ stream: true })
    else expect(req.json).not.toHaveProperty("stream")
  },
}

runConformance({
  name: "anthropic (Messages API)",
  plugin: anthropicPlugin,
  options: ({ baseUrl, apiKey, timeouts }) => ({ baseUrl, apiKey, ...(timeouts ? { timeouts } : {}) }),
  endpoint: testEndpoint({ provider: "anthropic", providerKind: "anthropic", upstreamModel: "claude-sonnet-4-5" }),
  wire: anthropicWire,
})
