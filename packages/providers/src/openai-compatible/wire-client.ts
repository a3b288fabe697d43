/**
 * A ProviderClient for any OpenAI chat-completions wire (used by `openai-compatible` and `azure-openai`).
 *
 *   makeOpenAiWireClient({ transport, url, headers, requestIdHeaders, streamUsage, model }) → ProviderClient
 *
 * chat: POST the body with `model` := endpoint.upstreamModel (or removed, for Azure) and `stream: false`.
 * stream: `stream: true` plus `stream_options.include_usage: true`; resolves at 200 headers.
 */
import {
  type ChatCall,
  type ChatResult,
  type ChatStream,
  type Endpoint,
  emptyUsage,
  type JsonObject,
  MalformedResponse,
  type ProviderClient,
  type ProviderError,
} from "@switchyard/core"
import { Effect } from "effect"
import type { HeaderMap } from "../http/header-map.js"
import type { Transport } from "../http/transport.js"
import { readSignals } from "../signals/headers.js"
import { openAiChunks } from "./chunks.js"
import { errorInBody } from "./error-in-body.js"
import { normalizeOpenAiUsage } from "./usage.js"

export interface OpenAiWireConfig {
  readonly transport: Transport
  readonly url: (endpoint: Endpoint) => string
  /** Auth and extra headers, built once. */
  readonly headers: Readonly<Record<string, string>>
  /** Response headers that may carry the request id, first match wins. */
  readonly requestIdHeaders: ReadonlyArray<string>
  readonly streamUsage: boolean
  /** `upstream`: send endpoint.upstreamModel as `model`; `omit`: drop `model` (Azure: the URL names the deployment). */
  readonly model: "upstream" | "omit"
}

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

export const makeOpenAiWireClient = (cfg: OpenAiWireConfig): ProviderClient => {
  const { transport } = cfg
  const provider = transport.provider
  const jsonHeaders = { "content-type": "application/json", accept: "application/json", ...cfg.headers }
  const sseHeaders = { "content-type": "application/json", accept: "text/event-stream", ...cfg.headers }

  const requestId = (h: HeaderMap): string | undefined => {
    for (const name of cfg.requestIdHeaders) {
      const v = h[name]
      if (v !== undefined && v !== "") return v
    }
    return undefined
  }

  const bodyFor = (call: ChatCall, stream: boolean): string => {
    const { stream: _s, stream_options, model: _m, ...rest } = call.body
    const body: JsonObject = cfg.model === "upstream" ? { model: call.endpoint.upstreamModel, ...rest } : rest
    body.stream = stream
    if (stream && cfg.streamUsage)
      body.stream_options = { ...(isObj(stream_options) ? stream_options : {}), include_usage: true }
    else if (stream && stream_options !== undefined) body.stream_options = stream_options
    return JSON.stringify(body)
  }

  const chat = (call: ChatCall): Effect.Effect<ChatResult, ProviderError> =>
    Effect.gen(function* () {
      const { response, json } = yield* transport.requestJson({
        url: cfg.url(call.endpoint),
        headers: jsonHeaders,
        body: bodyFor(call, false),
      })
      if (!isObj(json))
        return yield* new MalformedResponse({
          provider,
          status: response.status,
          message: "completion is not an object",
        })
      const inBody = errorInBody(provider, json, response.status, transport.redact)
      if (inBody !== undefined) return yield* Effect.fail(inBody)
      if (!Array.isArray(json.choices))
        return yield* new MalformedResponse({ provider, status: response.status, message: "completion has no choices" })
      const signals = yield* readSignals(response.headers)
      return {
        body: json,
        usage: normalizeOpenAiUsage(json.usage) ?? emptyUsage,
        requestId: requestId(response.headers),
        signals,
      }
    })

  const stream = (call: ChatCall): Effect.Effect<ChatStream, ProviderError> =>
    Effect.gen(function* () {
      const { response, messages } = yield* transport.requestSse({
        url: cfg.url(call.endpoint),
        headers: sseHeaders,
        body: bodyFor(call, true),
      })
      const signals = yield* readSignals(response.headers)
      return {
        requestId: requestId(response.headers),
        signals,
        chunks: openAiChunks(provider, messages, transport.redact),
      }
    })

  return { chat, stream }
}
