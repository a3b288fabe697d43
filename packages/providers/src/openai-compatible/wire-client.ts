/**
 * A ProviderClient for any OpenAI chat-completions wire (used by `openai-compatible` and `azure-openai`).
 *
 *   makeOpenAiWireClient({ transport, url, headers, streamUsage, model }) → ProviderClient
 *   (the request id comes from the transport's `requestIdHeaders`)
 *
 * chat: POST the body with `model` := endpoint.upstreamModel (or removed, for Azure) and `stream: false`;
 *   a completion already in the client's wire format is relayed (`relayableCompletion`), not re-parsed.
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
  passedThroughMembers,
  relayableCompletion,
  relayedChatResult,
  sourcedChunks,
  usageFromOpenAi,
} from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type { HttpResponse, Transport } from "../http/transport.js"
import { readSignals } from "../signals/headers.js"
import { ChunkShape } from "./chunk-shape.js"
import { openAiChunks } from "./chunks.js"
import { completionChunks } from "./completion-chunks.js"
import { errorInBody } from "./error-in-body.js"

export interface OpenAiWireConfig {
  readonly transport: Transport
  readonly url: (endpoint: Endpoint) => string
  /** Auth and extra headers, built once. */
  readonly headers: Readonly<Record<string, string>>
  readonly streamUsage: boolean
  /** `upstream`: send endpoint.upstreamModel as `model`; `omit`: drop `model` (Azure: the URL names the deployment). */
  readonly model: "upstream" | "omit"
}

/** The members the client's body does not pass on: the plugin writes them. */
const WRITTEN_HERE: ReadonlySet<string> = new Set(["model", "stream", "stream_options"])

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

export const makeOpenAiWireClient = (cfg: OpenAiWireConfig): ProviderClient => {
  const { transport } = cfg
  const provider = transport.provider
  const jsonHeaders = { "content-type": "application/json", accept: "application/json", ...cfg.headers }
  const sseHeaders = { "content-type": "application/json", accept: "text/event-stream", ...cfg.headers }

  /**
   * The upstream body: `model` (unless omitted), the client's other members, `stream`, `stream_options`. The client's
   * members are copied from its JSON text when the call has it (`passedThroughMembers`: nothing parsed is serialised
   * again), else serialised from `call.body`; both give the same JSON.
   */
  const bodyFor = (call: ChatCall, stream: boolean): string => {
    const src = call.body
    const options = src.stream_options
    const streamOptions =
      stream && cfg.streamUsage
        ? { ...(isObj(options) ? options : {}), include_usage: true }
        : stream && options !== undefined
          ? options
          : undefined
    const members = call.bodyText === undefined ? undefined : passedThroughMembers(call.bodyText, src, WRITTEN_HERE)
    if (members !== undefined) {
      const parts: Array<string> = []
      if (cfg.model === "upstream") parts.push(`"model":${JSON.stringify(call.endpoint.upstreamModel)}`)
      if (members !== "") parts.push(members)
      parts.push(`"stream":${stream}`)
      if (streamOptions !== undefined) parts.push(`"stream_options":${JSON.stringify(streamOptions)}`)
      return `{${parts.join(",")}}`
    }
    const body: JsonObject = cfg.model === "upstream" ? { model: call.endpoint.upstreamModel } : {}
    for (const key in src) {
      if (WRITTEN_HERE.has(key)) continue
      // a JSON `"__proto__"` member is data: keep it as an own property, never as the prototype
      if (key === "__proto__") Object.defineProperty(body, key, { value: src[key], enumerable: true, writable: true })
      else body[key] = src[key]
    }
    body.stream = stream
    if (streamOptions !== undefined) body.stream_options = streamOptions
    return JSON.stringify(body)
  }

  /** A 2xx JSON answer as a completion: an object with `choices`, else the error in it, else MalformedResponse. */
  const checkedCompletion = (
    status: number,
    json: unknown,
    requestId: string | undefined,
  ): Result.Result<JsonObject, ProviderError> => {
    if (!isObj(json))
      return Result.fail(new MalformedResponse({ provider, status, message: "completion is not an object" }))
    const inBody = errorInBody(provider, json, status, transport.redact, requestId)
    if (inBody !== undefined) return Result.fail(inBody)
    if (!Array.isArray(json.choices))
      return Result.fail(new MalformedResponse({ provider, status, message: "completion has no choices" }))
    return Result.succeed(json)
  }

  const completion = (response: HttpResponse, body: unknown): Effect.Effect<ChatResult, ProviderError> => {
    const requestId = transport.requestId(response.headers)
    const checked = checkedCompletion(response.status, body, requestId)
    if (Result.isFailure(checked)) return Effect.fail(checked.failure)
    const json = checked.success
    return Effect.map(readSignals(response.headers), (signals) => ({
      body: json,
      usage: usageFromOpenAi(json.usage) ?? emptyUsage,
      requestId,
      signals,
    }))
  }

  /**
   * A body in the exact wire format the client gets (canonical JSON, `choices`, no `error`) is relayed:
   * usage read from it, `body` parsed only on demand; any other is parsed and checked as always.
   */
  const answered = (response: HttpResponse, text: string): Effect.Effect<ChatResult, ProviderError> => {
    const relayed = relayableCompletion(text)
    if (relayed === undefined)
      return Effect.flatMap(transport.parseJson(response.status, text), (json) => completion(response, json))
    const requestId = transport.requestId(response.headers)
    return Effect.map(readSignals(response.headers), (signals) => relayedChatResult(relayed, requestId, signals))
  }

  const chat = (call: ChatCall): Effect.Effect<ChatResult, ProviderError> =>
    Effect.flatMap(
      transport.requestText({
        url: cfg.url(call.endpoint),
        headers: jsonHeaders,
        body: bodyFor(call, false),
        deadline: call.deadline,
        traceparent: call.traceparent,
      }),
      ({ response, text }) => answered(response, text),
    )

  /**
   * A stream: resolves at 200 headers. A 2xx that answers with JSON instead of SSE is read whole: an error in it is
   * classified as a non-streamed answer's would be (a client error is relayed, not retried elsewhere), a completion
   * (the host ignored `stream`) is streamed as its chunks.
   */
  const stream = (call: ChatCall): Effect.Effect<ChatStream, ProviderError> =>
    Effect.gen(function* () {
      const answer = yield* transport.requestSse(
        { url: cfg.url(call.endpoint), headers: sseHeaders, body: bodyFor(call, true), traceparent: call.traceparent },
        { acceptJson: true },
      )
      const { response, messages } = answer
      const signals = yield* readSignals(response.headers)
      const requestId = transport.requestId(response.headers)
      if (messages !== undefined)
        return { requestId, signals, ...sourcedChunks(openAiChunks(provider, messages, transport.redact, requestId)) }
      const json = yield* Effect.fromResult(checkedCompletion(response.status, answer.json, requestId))
      const shape = new ChunkShape()
      const chunks: Array<JsonObject> = []
      for (const chunk of completionChunks(json)) shape.push(chunk, chunks)
      shape.flush(chunks)
      return { requestId, signals, chunks: Stream.fromIterable(chunks) }
    })

  // the transport aborts a call at its deadline: the router need not race it
  return { chat, stream, enforcesDeadline: true }
}
