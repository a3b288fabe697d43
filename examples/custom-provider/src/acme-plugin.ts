/**
 * A complete provider plugin, written the way a Switchyard user would write one: an options schema,
 * a `make` that builds a client once (its connection pool lives as long as the plugin's Scope), and
 * `chat` / `stream` that speak the provider's wire format and return OpenAI shapes.
 */
import { configStruct, definePlugin, MalformedResponse, type ProviderClient } from "@switchyard/core"
import { joinUrl, makeTransport, readSignals, resolveSecret, SecretInput } from "@switchyard/providers"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { AcmeResponse, toAcmeRequest, toOpenAiCompletion } from "./acme-wire.js"

/** `configStruct`: a misspelt option (`apikey`) fails the start with its path and "did you mean", not silently. */
export const AcmeOptions = configStruct({
  baseUrl: Schema.String,
  apiKey: SecretInput,
})

const decodeResponse = Schema.decodeUnknownResult(AcmeResponse)

export const acmePlugin = definePlugin({
  kind: "acme",
  options: AcmeOptions,
  make: (options, ctx) =>
    Effect.gen(function* () {
      const apiKey = yield* resolveSecret(options.apiKey, ctx.env, "apiKey")
      const http = yield* makeTransport({ provider: ctx.slug, secrets: [apiKey] })
      const url = joinUrl(options.baseUrl, "v2/generate")
      const headers = { "content-type": "application/json", "x-acme-key": Redacted.value(apiKey) }

      const chat: ProviderClient["chat"] = ({ body, endpoint }) =>
        Effect.gen(function* () {
          const request = toAcmeRequest(body, endpoint.upstreamModel)
          const { response, json } = yield* http.requestJson({ url, headers, body: JSON.stringify(request) })
          const decoded = decodeResponse(json)
          if (decoded._tag === "Failure")
            return yield* new MalformedResponse({
              provider: ctx.slug,
              status: response.status,
              message: "Acme answered an unexpected body",
            })
          const res = decoded.success
          return {
            body: toOpenAiCompletion(res, endpoint.model),
            usage: {
              promptTokens: res.tokens.input,
              completionTokens: res.tokens.output,
              cachedTokens: 0,
              reasoningTokens: 0,
            },
            requestId: response.headers["x-acme-request"],
            signals: yield* readSignals(response.headers),
          }
        })

      // Acme cannot stream: answer the completion as OpenAI chunks (role, content, finish, usage).
      const stream: ProviderClient["stream"] = (call) =>
        Effect.map(chat(call), (result) => {
          const c = result.body as ReturnType<typeof toOpenAiCompletion>
          const base = { id: c.id, object: "chat.completion.chunk", created: c.created, model: c.model }
          const choice = c.choices[0]!
          return {
            requestId: result.requestId,
            signals: result.signals,
            chunks: Stream.fromIterable([
              { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
              { ...base, choices: [{ index: 0, delta: { content: choice.message.content }, finish_reason: null }] },
              { ...base, choices: [{ index: 0, delta: {}, finish_reason: choice.finish_reason }] },
              { ...base, choices: [], usage: c.usage },
            ]),
          }
        })

      return { chat, stream }
    }),
})
