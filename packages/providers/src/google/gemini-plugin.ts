import { definePlugin, type Endpoint } from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { makeTransport } from "../http/transport.js"
import { resolveSecret } from "../secrets/secret.js"
import { GOOGLE_REQUEST_ID_HEADERS, makeGoogleClient } from "./client.js"
import { classifyGoogleError } from "./error.js"
import { GoogleOptions } from "./options.js"

export const GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` name the same model. */
const modelPath = (endpoint: Endpoint): string => endpoint.upstreamModel.replace(/^models\//, "")

/**
 * `google`: the Gemini API (pay-as-you-go). POST `{baseUrl}/v1beta/models/{model}:generateContent`
 * or `:streamGenerateContent?alt=sse`, key in `x-goog-api-key`. Requests and answers are translated
 * from and to the OpenAI chat-completions shape.
 */
export const googlePlugin = definePlugin<GoogleOptions>({
  kind: "google",
  options: GoogleOptions,
  make: (options, ctx) =>
    Effect.gen(function* () {
      const apiKey = yield* resolveSecret(options.apiKey, ctx.env, "apiKey")
      const http = yield* makeTransport({
        provider: ctx.slug,
        timeouts: options.timeouts,
        connections: options.connections,
        secrets: [apiKey],
        classify: classifyGoogleError,
        requestIdHeaders: GOOGLE_REQUEST_ID_HEADERS,
      })
      const base = (options.baseUrl ?? GEMINI_BASE_URL).replace(/\/+$/, "")
      const headers = {
        "content-type": "application/json",
        "x-goog-api-key": Redacted.value(apiKey),
        ...options.headers,
      }
      return makeGoogleClient(http, {
        url: (endpoint, stream) =>
          `${base}/v1beta/models/${modelPath(endpoint)}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
        headers: () => Effect.succeed(headers),
      })
    }),
})
