import { expect } from "vitest"
import { googlePlugin } from "../../src/google/index.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { runConformance } from "../conformance/suite.js"
import type { WireAdapter } from "../conformance/wire-adapter.js"
import { cassetteResponse, geminiFrames, googleChunks, googleErrorBody, googleFixture } from "./replay.js"

const toolCall = [{ name: "weather", arguments: { location: "San Francisco" } }]

export const geminiWire: WireAdapter = {
  requestIdHeader: "x-request-id",
  chatBody: googleFixture("gemini-text.json"),
  toolCallBody: googleFixture("gemini-tool-call.json"),
  // raw SSE bytes as generativelanguage.googleapis.com sent them (CRLF separators, no [DONE])
  streamFrames: [cassetteResponse("gemini-text-stream.cassette.yaml").body],
  // Gemini sends a whole function call in one event: the recorded answer as a one-event stream
  toolCallStreamFrames: geminiFrames([JSON.stringify(JSON.parse(googleFixture("gemini-tool-call.json")))]),
  truncatedFrames: geminiFrames(googleChunks("gemini-text.chunks.txt").slice(0, 2)),
  invalidJsonFrame: 'data: {"candidates": [{"content": {"parts": [\r\n\r\n',
  errorBody: googleErrorBody,
  expected: {
    text: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.",
    finishReason: "stop",
    // candidatesTokenCount 28 + thoughtsTokenCount 244 (thinking is billed as output)
    usage: { promptTokens: 9, completionTokens: 272, cachedTokens: 0, reasoningTokens: 244 },
    streamText: "The capital of France is Paris.\n",
    streamFinishReason: "stop",
    streamUsage: { promptTokens: 13, completionTokens: 8, cachedTokens: 0, reasoningTokens: 0 },
    toolCalls: toolCall,
    streamToolCalls: toolCall,
  },
  checkRequest: (req, { endpoint, apiKey, stream }) => {
    const method = stream ? "streamGenerateContent?alt=sse" : "generateContent"
    expect(req.url).toBe(`/v1beta/models/${endpoint.upstreamModel}:${method}`)
    expect(req.headers["x-goog-api-key"]).toBe(apiKey)
    expect(req.json).toMatchObject({
      contents: [{ role: "user", parts: [{ text: "What is the capital of France?" }] }],
    })
    // Gemini takes the model from the URL and streaming from the method: neither is in the body
    expect(req.json).not.toHaveProperty("model")
    expect(req.json).not.toHaveProperty("stream")
  },
}

runConformance({
  name: "google (Gemini API)",
  plugin: googlePlugin,
  options: ({ baseUrl, apiKey, timeouts }) => ({ baseUrl, apiKey, ...(timeouts ? { timeouts } : {}) }),
  endpoint: testEndpoint({ provider: "google", providerKind: "google", upstreamModel: "gemini-2.5-flash" }),
  wire: geminiWire,
})
