import {
  type ChatCall,
  definePlugin,
  type JsonObject,
  type ProviderClient,
  type ProviderError,
  sourcedChunks,
} from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { joinUrl } from "../http/base-url.js"
import { makeTransport } from "../http/transport.js"
import { resolveSecret } from "../secrets/secret.js"
import { readSignals } from "../signals/headers.js"
import { callContext } from "../translation/call-context.js"
import { translateSse } from "../translation/translated-stream.js"
import { classifyAnthropicError } from "./error.js"
import { fittedMaxTokens, outputBudgetDefaulted } from "./max-output.js"
import { AnthropicOptions } from "./options.js"
import { anthropicUnmapped } from "./parameters.js"
import { toAnthropicRequest } from "./request.js"
import { fromAnthropicResponse } from "./response.js"
import { AnthropicStreamTranslator } from "./stream.js"
import { structuredOutput } from "./structured-output.js"

export const ANTHROPIC_BASE_URL = "https://api.anthropic.com"
export const ANTHROPIC_VERSION = "2023-06-01"

/**
 * `anthropic`: the Messages API (POST `{baseUrl}/v1/messages`), translated from and to the OpenAI
 * chat-completions shape. Headers `x-api-key`, `anthropic-version`; the upstream request id is the
 * `request-id` header; `anthropic-ratelimit-*` and `retry-after` headers become capacity signals.
 */
export const anthropicPlugin = definePlugin<AnthropicOptions>({
  kind: "anthropic",
  options: AnthropicOptions,
  make: (options, ctx) =>
    Effect.gen(function* () {
      const apiKey = yield* resolveSecret(options.apiKey, ctx.env, "apiKey")
      const http = yield* makeTransport({
        provider: ctx.slug,
        timeouts: options.timeouts,
        connections: options.connections,
        secrets: [apiKey],
        classify: classifyAnthropicError,
        requestIdHeaders: ["request-id"],
      })
      const url = joinUrl(options.baseUrl ?? ANTHROPIC_BASE_URL, "/v1/messages")
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "x-api-key": Redacted.value(apiKey),
        "anthropic-version": options.version ?? ANTHROPIC_VERSION,
        ...(options.beta !== undefined && options.beta.length > 0 ? { "anthropic-beta": options.beta.join(",") } : {}),
        ...options.headers,
      }
      const provider = ctx.slug

      /**
       * `send(body)`, and once more with the `max_tokens` that fits when Anthropic refuses the prompt and the budget
       * the plugin chose together (the client set none): a long prompt must not fail for an output size nobody asked.
       */
      const fitted = <A>(
        call: ChatCall,
        body: JsonObject,
        send: (body: JsonObject) => Effect.Effect<A, ProviderError>,
      ): Effect.Effect<A, ProviderError> =>
        outputBudgetDefaulted(call.body)
          ? Effect.catchTag(send(body), "ContextLengthExceeded", (e) => {
              const maxTokens = fittedMaxTokens(e)
              return maxTokens === undefined ? Effect.fail(e) : send({ ...body, max_tokens: maxTokens })
            })
          : send(body)

      const chat: ProviderClient["chat"] = (call) =>
        Effect.gen(function* () {
          const body = yield* Effect.fromResult(toAnthropicRequest(call.body, call.endpoint, provider, false))
          const { response, json } = yield* fitted(call, body, (b) =>
            http.requestJson({
              url,
              headers,
              body: JSON.stringify(b),
              deadline: call.deadline,
              traceparent: call.traceparent,
            }),
          )
          const context = yield* callContext(provider, call.endpoint.upstreamModel, http.redact)
          const out = yield* Effect.fromResult(fromAnthropicResponse(json, context, structuredOutput(call.body)?.name))
          return {
            body: out.body,
            usage: out.usage,
            requestId: http.requestId(response.headers),
            signals: yield* readSignals(response.headers),
          }
        })

      const stream: ProviderClient["stream"] = (call) =>
        Effect.gen(function* () {
          const body = yield* Effect.fromResult(toAnthropicRequest(call.body, call.endpoint, provider, true))
          const { response, messages } = yield* fitted(call, body, (b) =>
            http.requestSse({ url, headers, body: JSON.stringify(b), traceparent: call.traceparent }),
          )
          const context = yield* callContext(provider, call.endpoint.upstreamModel, http.redact)
          const translator = new AnthropicStreamTranslator(context, structuredOutput(call.body)?.name)
          return {
            requestId: http.requestId(response.headers),
            signals: yield* readSignals(response.headers),
            ...sourcedChunks(translateSse(provider, messages, translator, http.redact)),
          }
        })

      // the transport aborts a chat call at its deadline: the router need not race it
      return { chat, stream, enforcesDeadline: true, unmappedParameters: anthropicUnmapped }
    }),
})
