/**
 * Azure OpenAI wire for the conformance suite. Recorded: the chat completion (`azure-chat-text.cassette.yaml`,
 * with prompt/content filter results). Not recorded anywhere in the fixture set: an Azure stream or tool call,
 * so those replay the OpenAI recordings (Azure speaks the same chat-completions wire), with an Azure-style
 * first stream chunk built here from the recorded `prompt_filter_results` (`choices: []`, no usage).
 */
import type { Endpoint } from "@switchyard/core"
import { expect } from "vitest"
import type { WireAdapter } from "../conformance/wire-adapter.js"
import { openAiWire } from "../openai-compatible/wire.js"
import { readCassette, readFixture } from "../support/fixtures.js"

export const azureChat = readCassette("azure/azure-chat-text.cassette.yaml")[0]
export const API_VERSION = "2024-12-01-preview"

const promptFilterFrame = (): string => {
  const recorded = JSON.parse(azureChat?.response.body ?? "{}") as { prompt_filter_results?: unknown }
  const chunk = {
    choices: [],
    created: 0,
    id: "",
    model: "",
    object: "",
    prompt_filter_results: recorded.prompt_filter_results,
  }
  return `data: ${JSON.stringify(chunk)}\n\n`
}

export const azureWire = (): WireAdapter =>
  openAiWire({
    chatBody: azureChat?.response.body ?? "",
    toolCallBody: readCassette("openai/openai-chat-tool-call.cassette.yaml")[1]?.response.body ?? "",
    chunks: readFixture("openai/openai-chat-text.chunks.txt"),
    usage: { promptTokens: 14, completionTokens: 9, cachedTokens: 0, reasoningTokens: 0 },
    streamUsage: { promptTokens: 16, completionTokens: 300, cachedTokens: 0, reasoningTokens: 0 },
    finishReason: "stop",
    streamFinishReason: "stop",
    toolCalls: [{ name: "final_result", arguments: { city: "Mexico City", country: "Mexico" } }],
    requestIdHeader: "apim-request-id",
    model: "omit",
    leadingFrames: [promptFilterFrame()],
    checkRequest: (req, apiKey) => {
      expect(req.headers["api-key"]).toBe(apiKey)
      expect(req.headers.authorization).toBeUndefined()
    },
  })

/** The deployment URL the recording used, for the endpoint's deployment name. */
export const deploymentPath = (endpoint: Endpoint): string =>
  `/openai/deployments/${endpoint.upstreamModel}/chat/completions?api-version=${API_VERSION}`
