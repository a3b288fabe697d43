import {
  type CapacitySignals,
  type ChatStream,
  type Endpoint,
  type ProviderClient,
  type ProviderError,
  sourcedChunks,
} from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Transport } from "../http/transport.js"
import { readSignals } from "../signals/headers.js"
import { callContext } from "../translation/call-context.js"
import { translateEvents, translateSse } from "../translation/translated-stream.js"
import { classifyGoogleStreamError } from "./error.js"
import { geminiUnmapped } from "./parameters.js"
import { toGeminiRequest } from "./request.js"
import { fromGeminiResponse } from "./response.js"
import { GeminiStreamTranslator } from "./stream.js"

/** Where and how one Google flavour (Gemini API, Vertex) sends a generateContent call. */
export interface GoogleTarget {
  readonly url: (endpoint: Endpoint, stream: boolean) => string
  readonly headers: (endpoint: Endpoint) => Effect.Effect<Readonly<Record<string, string>>, ProviderError>
}

/** Where a proxy or Google's front end puts a request id (else the body's `responseId` is used). */
export const GOOGLE_REQUEST_ID_HEADERS: ReadonlyArray<string> = ["x-request-id", "x-goog-request-id"]

const withTraffic = (signals: CapacitySignals, traffic: CapacitySignals["trafficType"]): CapacitySignals =>
  traffic === undefined ? signals : { ...signals, trafficType: traffic }

/**
 * A ProviderClient speaking generateContent / streamGenerateContent (shared by `google` and `google-vertex`).
 * `requestId` is an `x-request-id` / `x-goog-request-id` header when one is set, else Google's `responseId`.
 * `http` classifies non-2xx answers with `classifyGoogleError` (`makeTransport({ classify })`).
 */
export const makeGoogleClient = (http: Transport, target: GoogleTarget): ProviderClient => {
  const provider = http.provider

  const chat: ProviderClient["chat"] = (call) =>
    Effect.gen(function* () {
      const body = yield* Effect.fromResult(toGeminiRequest(call.body, provider))
      const headers = yield* target.headers(call.endpoint)
      const url = target.url(call.endpoint, false)
      const { response: res, json } = yield* http.requestJson({
        url,
        headers,
        body: JSON.stringify(body),
        deadline: call.deadline,
        traceparent: call.traceparent,
      })
      const ctx = yield* callContext(provider, call.endpoint.upstreamModel, http.redact)
      const out = yield* Effect.fromResult(fromGeminiResponse(json, ctx))
      const signals = yield* readSignals(res.headers)
      const responseId = (json as { responseId?: unknown }).responseId
      return {
        body: out.body,
        usage: out.usage,
        requestId: http.requestId(res.headers) ?? (typeof responseId === "string" ? responseId : undefined),
        signals: withTraffic(signals, out.trafficType),
      }
    })

  const stream: ProviderClient["stream"] = (call) =>
    Effect.gen(function* () {
      const body = yield* Effect.fromResult(toGeminiRequest(call.body, provider))
      const headers = yield* target.headers(call.endpoint)
      const url = target.url(call.endpoint, true)
      // Without SSE framing Google answers one JSON array of responses, errors included (`[{error}]`).
      const answer = yield* http.requestSse(
        { url, headers, body: JSON.stringify(body), traceparent: call.traceparent },
        { acceptJson: true },
      )
      const res = answer.response
      const ctx = yield* callContext(provider, call.endpoint.upstreamModel, http.redact)
      const translator = new GeminiStreamTranslator(ctx)
      const signals = yield* readSignals(res.headers)
      const headerId = http.requestId(res.headers)
      let chunks: Pick<ChatStream, "chunks" | "source">
      if (answer.messages !== undefined)
        chunks = sourcedChunks(translateSse(provider, answer.messages, translator, http.redact))
      else {
        const error = classifyGoogleStreamError(provider, answer.json, http.redact)
        if (error) return yield* Effect.fail(error)
        const events = Array.isArray(answer.json) ? (answer.json as ReadonlyArray<unknown>) : [answer.json]
        chunks = { chunks: translateEvents(Stream.fromIterable(events), translator) }
      }
      // Which pool served and the response id are only known once events arrive: read them live.
      return {
        get requestId() {
          return headerId ?? translator.responseId
        },
        get signals() {
          return withTraffic(signals, translator.traffic)
        },
        ...chunks,
      }
    })

  // the transport aborts a chat call at its deadline: the router need not race it
  return { chat, stream, enforcesDeadline: true, unmappedParameters: geminiUnmapped }
}
