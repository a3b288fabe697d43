/**
 * The plugins the gateway conformance suite runs, each with the recordings it replays and what a client
 * must get from them. Every plugin talks to the same loopback upstream (`upstream.ts`).
 */
import {
  anthropicFrames,
  anthropicText,
  geminiFrames,
  geminiText,
  lines,
  openAiFrames,
  openAiText,
  recording,
  sseFrames,
  ssePayloads,
} from "./recordings.js"

export interface ExpectedCall {
  readonly name: string
  readonly arguments: unknown
}

export interface ClientErrorCase {
  /** What it is and where it comes from. */
  readonly label: string
  readonly status: number
  readonly body: string
  /** The relayed error: the upstream's own type/code/param/message. */
  readonly error: {
    readonly type?: string
    readonly code: string
    readonly param?: string | null
    readonly message: string
  }
}

export interface PluginCase {
  readonly name: string
  readonly kind: string
  readonly options: (baseUrl: string) => Record<string, unknown>
  readonly upstreamModel: string
  /** Response header the plugin reads the upstream request id from. */
  readonly requestIdHeader: string
  /** A recorded non-streamed answer. */
  readonly json: string
  readonly stream: { readonly frames: ReadonlyArray<string>; readonly text: string }
  readonly toolStream?: {
    readonly frames: ReadonlyArray<string>
    readonly calls: ReadonlyArray<ExpectedCall>
    /** Argument fragments the client must receive (arguments streamed upstream stay streamed). */
    readonly argumentFragments?: number
  }
  readonly clientError: ClientErrorCase
  /** A parameter the plugin's translation has no equivalent for (absent: the plugin passes every parameter through). */
  readonly unmappable?: { readonly name: string; readonly value: unknown }
  /** Rate-limit headers the provider documents (absent for providers that send none: Gemini, Vertex). */
  readonly rateLimitHeaders?: Readonly<Record<string, string>>
}

/** OpenAI's documented example of its rate-limit headers (platform docs, "Rate limits in headers"). */
const openAiRateLimits = {
  "x-ratelimit-limit-requests": "60",
  "x-ratelimit-limit-tokens": "150000",
  "x-ratelimit-remaining-requests": "59",
  "x-ratelimit-remaining-tokens": "149984",
  "x-ratelimit-reset-requests": "1s",
  "x-ratelimit-reset-tokens": "6m0s",
}

/** Anthropic's rate-limit headers (docs: "Response headers"), reset as RFC 3339. */
const anthropicRateLimits = {
  "anthropic-ratelimit-requests-limit": "50",
  "anthropic-ratelimit-requests-remaining": "49",
  "anthropic-ratelimit-requests-reset": "2030-01-01T00:00:00Z",
  "anthropic-ratelimit-tokens-limit": "80000",
  "anthropic-ratelimit-tokens-remaining": "60000",
  "anthropic-ratelimit-tokens-reset": "2030-01-01T00:00:00Z",
}

const openAiErrorMessage = (body: string): string => (JSON.parse(body) as { error: { message: string } }).error.message

const openAiChunks = lines(recording("fixtures/openai/openai-chat-text.chunks.txt"))
const unsupported = recording("fixtures/openai/openai-chat-error-400-unsupported-parameter.json")
const modelNotFound = recording("fixtures/openai/openai-chat-error-404-model-not-found.json")

/** Azure's first stream chunk in its documented shape: prompt-filter results, `id: ""`, `created: 0`, `object: ""`. */
const azurePromptFilterFrame = `data: ${JSON.stringify({
  choices: [],
  created: 0,
  id: "",
  model: "",
  object: "",
  prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
})}\n\n`

const anthropicTool = lines(recording("anthropic/fixtures/anthropic-messages-tool-call.chunks.txt"))
const anthropicCalls = (): ReadonlyArray<ExpectedCall> => {
  const calls: Array<{ name: string; args: string }> = []
  for (const l of anthropicTool) {
    const e = JSON.parse(l) as {
      type: string
      content_block?: { type: string; name: string }
      delta?: { type: string; partial_json?: string }
    }
    if (e.type === "content_block_start" && e.content_block?.type === "tool_use")
      calls.push({ name: e.content_block.name, args: "" })
    if (e.type === "content_block_delta" && e.delta?.type === "input_json_delta") {
      const last = calls[calls.length - 1]
      if (last) last.args += e.delta.partial_json ?? ""
    }
  }
  return calls.map((c) => ({ name: c.name, arguments: c.args === "" ? {} : JSON.parse(c.args) }))
}

const anthropicError = recording("anthropic/fixtures/anthropic-messages-error-400-unsupported-effort.json")
const geminiError = recording("google/fixtures/gemini-error-404-model-not-found.json")
const vertexError = recording("google/fixtures/vertex-error-400-invalid-argument.json")
const googleMessage = (body: string): string => (JSON.parse(body) as { error: { message: string } }).error.message
const vertexFlex = recording("google/fixtures/vertex-stream-text-flex.sse")

export const plugins: ReadonlyArray<PluginCase> = [
  {
    name: "openai",
    kind: "openai-compatible",
    options: (url) => ({ baseUrl: `${url}/v1`, apiKey: { env: "UPSTREAM_KEY" } }),
    upstreamModel: "gpt-4.1-nano",
    requestIdHeader: "x-request-id",
    json: recording("fixtures/openai/openai-chat-text.json"),
    stream: { frames: openAiFrames(openAiChunks), text: openAiText(openAiChunks) },
    toolStream: {
      // sanitized live trace: the tool call's index starts at 1
      frames: sseFrames(recording("fixtures/openai-compatible/gateway-anthropic-fallback-tool-call.sse")),
      calls: [{ name: "read_file", arguments: { path: "a.txt" } }],
    },
    clientError: {
      label: "recorded OpenAI 400 unsupported_parameter",
      status: 400,
      body: unsupported,
      error: {
        type: "invalid_request_error",
        code: "unsupported_parameter",
        param: "max_tokens",
        message: openAiErrorMessage(unsupported),
      },
    },
    rateLimitHeaders: openAiRateLimits,
  },
  {
    name: "azure",
    kind: "azure-openai",
    options: (url) => ({ resourceUrl: url, apiVersion: "2024-10-21", apiKey: { env: "UPSTREAM_KEY" } }),
    upstreamModel: "gpt-4o",
    requestIdHeader: "apim-request-id",
    json: recording("fixtures/openai/openai-chat-text.json"),
    // no recorded Azure stream: the recorded OpenAI stream behind Azure's documented id-less prompt-filter chunk
    stream: { frames: [azurePromptFilterFrame, ...openAiFrames(openAiChunks)], text: openAiText(openAiChunks) },
    clientError: {
      label: "recorded OpenAI 404 model_not_found (Azure speaks the same error wire; no Azure 4xx recording exists)",
      status: 404,
      body: modelNotFound,
      error: {
        type: "invalid_request_error",
        code: "model_not_found",
        param: null,
        message: openAiErrorMessage(modelNotFound),
      },
    },
    rateLimitHeaders: openAiRateLimits,
  },
  {
    name: "anthropic",
    kind: "anthropic",
    options: (url) => ({ baseUrl: url, apiKey: { env: "UPSTREAM_KEY" } }),
    upstreamModel: "claude-sonnet-4-5",
    requestIdHeader: "request-id",
    json: recording("anthropic/fixtures/anthropic-messages-text.json"),
    stream: (() => {
      const ls = lines(recording("anthropic/fixtures/anthropic-messages-text.chunks.txt"))
      return { frames: anthropicFrames(ls), text: anthropicText(ls) }
    })(),
    toolStream: { frames: anthropicFrames(anthropicTool), calls: anthropicCalls() },
    clientError: {
      label: "recorded Anthropic 400 invalid_request_error",
      status: 400,
      body: anthropicError,
      error: {
        type: "invalid_request_error",
        code: "upstream_bad_request",
        message: openAiErrorMessage(anthropicError),
      },
    },
    rateLimitHeaders: anthropicRateLimits,
    unmappable: { name: "seed", value: 7 },
  },
  {
    name: "gemini",
    kind: "google",
    unmappable: { name: "logit_bias", value: { "50256": -100 } },
    options: (url) => ({ baseUrl: url, apiKey: { env: "UPSTREAM_KEY" } }),
    upstreamModel: "gemini-3-pro-preview",
    requestIdHeader: "x-goog-request-id",
    json: recording("google/fixtures/gemini-text.json"),
    stream: (() => {
      const ls = lines(recording("google/fixtures/gemini-text.chunks.txt"))
      return { frames: geminiFrames(ls), text: geminiText(ls) }
    })(),
    clientError: {
      label: "recorded Gemini 404 NOT_FOUND",
      status: 404,
      body: geminiError,
      error: { code: "NOT_FOUND", message: googleMessage(geminiError) },
    },
  },
  {
    name: "vertex",
    kind: "google-vertex",
    unmappable: { name: "parallel_tool_calls", value: false },
    options: (url) => ({ project: "p", location: "us-central1", accessToken: { env: "UPSTREAM_KEY" }, baseUrl: url }),
    upstreamModel: "gemini-3-pro-preview",
    requestIdHeader: "x-request-id",
    json: recording("google/fixtures/gemini-text.json"),
    stream: { frames: sseFrames(vertexFlex), text: geminiText(ssePayloads(vertexFlex)) },
    toolStream: {
      // Vertex streamed function-call arguments: partialArgs pieces, willContinue, empty functionCall terminators
      frames: geminiFrames(lines(recording("google/fixtures/vertex-stream-tool-call-partial-args.chunks.txt"))),
      calls: [
        { name: "getWeather", arguments: { location: "Boston" } },
        { name: "getWeather", arguments: { location: "San Francisco" } },
      ],
      // item 8: per call `{"location":"Boston`, `"`, `}` as the pieces arrive, not one fragment at the end
      argumentFragments: 6,
    },
    clientError: {
      label: "recorded Vertex 400 INVALID_ARGUMENT",
      status: 400,
      body: vertexError,
      error: { code: "INVALID_ARGUMENT", message: googleMessage(vertexError) },
    },
  },
]
