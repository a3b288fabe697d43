import { expect } from "vitest"
import { googleVertexPlugin } from "../../src/google/index.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { runConformance } from "../conformance/suite.js"
import type { WireAdapter } from "../conformance/wire-adapter.js"
import { cassetteResponse, geminiFrames, googleChunks, googleErrorBody } from "./replay.js"

const partialArgs = googleChunks("vertex-stream-tool-call-partial-args.chunks.txt")

export const vertexOptions = (p: { baseUrl: string; apiKey: string; timeouts?: unknown }) => ({
  project: "switchyard-test",
  location: "us-central1",
  accessToken: p.apiKey,
  baseUrl: p.baseUrl,
  ...(p.timeouts ? { timeouts: p.timeouts } : {}),
})

const vertexWire: WireAdapter = {
  requestIdHeader: "x-request-id",
  chatBody: cassetteResponse("vertex-generate-content-text.cassette.yaml").body,
  toolCallBody: cassetteResponse("vertex-tool-call-then-error-400.cassette.yaml", 0).body,
  streamFrames: [cassetteResponse("vertex-stream-text-flex.cassette.yaml").body],
  // function-call arguments streamed in pieces (partialArgs / willContinue / empty functionCall terminators)
  toolCallStreamFrames: geminiFrames(partialArgs),
  truncatedFrames: geminiFrames(partialArgs.slice(0, 3)),
  invalidJsonFrame: 'data: {"candidates": [{"content": {"role": "model",\r\n\r\n',
  errorBody: googleErrorBody,
  expected: {
    text: "The capital of France is Paris.\n",
    finishReason: "stop",
    usage: { promptTokens: 13, completionTokens: 8, cachedTokens: 0, reasoningTokens: 0 },
    streamText: "OK",
    streamFinishReason: "stop",
    // candidatesTokenCount 1 + thoughtsTokenCount 100
    streamUsage: { promptTokens: 5, completionTokens: 101, cachedTokens: 0, reasoningTokens: 100 },
    toolCalls: [{ name: "get_file", arguments: { type: "IMAGE" } }],
    streamToolCalls: [
      { name: "getWeather", arguments: { location: "Boston" } },
      { name: "getWeather", arguments: { location: "San Francisco" } },
    ],
  },
  checkRequest: (req, { endpoint, apiKey, stream }) => {
    const method = stream ? "streamGenerateContent?alt=sse" : "generateContent"
    expect(req.url).toBe(
      `/v1/projects/switchyard-test/locations/us-central1/publishers/google/models/${endpoint.upstreamModel}:${method}`,
    )
    expect(req.headers.authorization).toBe(`Bearer ${apiKey}`)
    // a standard (pay-as-you-go) endpoint never draws on the PT reservation
    expect(req.headers["x-vertex-ai-llm-request-type"]).toBe("shared")
    expect(req.json).not.toHaveProperty("model")
  },
}

runConformance({
  name: "google-vertex (Vertex AI)",
  plugin: googleVertexPlugin,
  options: vertexOptions,
  endpoint: testEndpoint({
    provider: "google-vertex",
    providerKind: "google-vertex",
    upstreamModel: "gemini-2.0-flash",
  }),
  wire: vertexWire,
})
