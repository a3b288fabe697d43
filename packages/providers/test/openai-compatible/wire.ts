/**
 * WireAdapter for OpenAI-format hosts: replays one host's recordings (JSON body, `.chunks.txt` framed as
 * `data: <line>\n\n` + `data: [DONE]`) and the recorded OpenAI-format streamed tool call.
 */
import type { JsonObject, Usage } from "@switchyard/core"
import { expect } from "vitest"
import type { ExpectedToolCall, WireAdapter } from "../conformance/wire-adapter.js"
import { chunkLines, openAiSseFrames, readFixture } from "../support/fixtures.js"
import type { RecordedRequest } from "../support/loopback.js"

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** Text of a recorded stream: the concatenated `delta.content` of its chunk lines. */
export const recordedStreamText = (lines: ReadonlyArray<string>): string =>
  lines
    .map((l) => JSON.parse(l) as JsonObject)
    .flatMap((c) => (Array.isArray(c.choices) ? c.choices : []))
    .map((c) => (isObj(c) && isObj(c.delta) && typeof c.delta.content === "string" ? c.delta.content : ""))
    .join("")

export const recordedText = (body: string): string => {
  const j = JSON.parse(body) as { choices: Array<{ message: { content: string } }> }
  return j.choices[0]?.message.content ?? ""
}

export const toolStreamFrames = (): ReadonlyArray<string> =>
  readFixture("openai-compatible/gateway-anthropic-fallback-tool-call.sse")
    .split(/\n\n/)
    .filter((f) => f.trim() !== "")
    .map((f) => `${f}\n\n`)

export const openAiErrorBody = (status: number, message: string): string =>
  JSON.stringify({
    error: {
      message,
      type: status === 429 ? "requests" : status === 401 ? "invalid_request_error" : "server_error",
      param: null,
      code: status === 429 ? "rate_limit_exceeded" : status === 401 ? "invalid_api_key" : null,
    },
  })

export const openAiInvalidJsonFrame = 'data: {"id":"chatcmpl-x","choices":[{"delta":{"content":"oo\n\n'

export interface OpenAiHostRecording {
  readonly chatBody: string
  readonly toolCallBody: string
  readonly chunks: string
  readonly usage: Usage
  readonly streamUsage: Usage
  readonly finishReason: string
  readonly streamFinishReason: string
  readonly toolCalls: ReadonlyArray<ExpectedToolCall>
  /** Response header with the request id (default `x-request-id`). */
  readonly requestIdHeader?: string
  /** Whether the plugin sends `model` (OpenAI hosts) or leaves it out (Azure: the URL names the deployment). */
  readonly model?: "upstream" | "omit"
  /** Frames to put before the recorded chunks (Azure's prompt-filter chunk). */
  readonly leadingFrames?: ReadonlyArray<string>
  /** How the request should look beyond the common OpenAI checks. */
  readonly checkRequest: (req: RecordedRequest, apiKey: string) => void
}

export const openAiWire = (host: OpenAiHostRecording): WireAdapter => {
  const lines = chunkLines(host.chunks)
  return {
    requestIdHeader: host.requestIdHeader ?? "x-request-id",
    chatBody: host.chatBody,
    toolCallBody: host.toolCallBody,
    streamFrames: [...(host.leadingFrames ?? []), ...openAiSseFrames(lines)],
    toolCallStreamFrames: toolStreamFrames(),
    truncatedFrames: [...(host.leadingFrames ?? []), ...openAiSseFrames(lines.slice(0, 4), false)],
    invalidJsonFrame: openAiInvalidJsonFrame,
    errorBody: openAiErrorBody,
    expected: {
      text: recordedText(host.chatBody),
      finishReason: host.finishReason,
      usage: host.usage,
      streamText: recordedStreamText(lines),
      streamFinishReason: host.streamFinishReason,
      streamUsage: host.streamUsage,
      toolCalls: host.toolCalls,
      streamToolCalls: [{ name: "read_file", arguments: { path: "a.txt" } }],
    },
    checkRequest: (req, { endpoint, apiKey, stream }) => {
      expect(req.method).toBe("POST")
      const body = req.json as JsonObject
      if (host.model === "omit") expect(body.model).toBeUndefined()
      else expect(body.model).toBe(endpoint.upstreamModel)
      expect(body.stream).toBe(stream)
      expect(body.messages).toEqual([{ role: "user", content: "What is the capital of France?" }])
      if (stream) expect(body.stream_options).toEqual({ include_usage: true })
      else expect(body.stream_options).toBeUndefined()
      host.checkRequest(req, apiKey)
    },
  }
}
