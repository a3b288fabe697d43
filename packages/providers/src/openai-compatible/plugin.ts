/**
 * `kind: "openai-compatible"`: POST {baseUrl}/chat/completions with the client's body passed through,
 * `model` set to the endpoint's upstream model, `Authorization: Bearer <apiKey>`; request id from
 * `x-request-id`. Works for OpenAI, DeepSeek, Groq, xAI, Mistral, Together, Fireworks, vLLM, Ollama, …
 */
import { definePlugin } from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { joinUrl } from "../http/base-url.js"
import { lowerKeys } from "../http/lower-keys.js"
import { makeTransport } from "../http/transport.js"
import { resolveSecret } from "../secrets/secret.js"
import { OpenAiCompatibleOptions } from "./options.js"
import { makeOpenAiWireClient } from "./wire-client.js"

export const openAiCompatiblePlugin = definePlugin({
  kind: "openai-compatible",
  options: OpenAiCompatibleOptions,
  make: (options, ctx) =>
    Effect.gen(function* () {
      const apiKey = options.apiKey === undefined ? undefined : yield* resolveSecret(options.apiKey, ctx.env, "apiKey")
      const transport = yield* makeTransport({
        provider: ctx.slug,
        timeouts: options.timeouts,
        secrets: apiKey === undefined ? [] : [apiKey],
        connections: options.connections,
        requestIdHeaders: ["x-request-id"],
      })
      const url = joinUrl(options.baseUrl, "chat/completions")
      return makeOpenAiWireClient({
        transport,
        url: () => url,
        headers: {
          ...(apiKey === undefined ? {} : { authorization: `Bearer ${Redacted.value(apiKey)}` }),
          ...lowerKeys(options.headers),
        },
        streamUsage: options.streamUsage ?? true,
        model: "upstream",
      })
    }),
})
