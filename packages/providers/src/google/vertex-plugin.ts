import { AuthFailed, definePlugin, type Endpoint, type ProviderError } from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { Redactor } from "../errors/redact.js"
import { makeTransport } from "../http/transport.js"
import { resolveSecret } from "../secrets/secret.js"
import { GOOGLE_REQUEST_ID_HEADERS, makeGoogleClient } from "./client.js"
import { classifyGoogleError } from "./error.js"
import { type AccessTokenFunction, VertexOptions } from "./options.js"

/** The Vertex header that picks the pool (wire-facts §3). */
export const VERTEX_REQUEST_TYPE = "x-vertex-ai-llm-request-type"

/**
 * `dedicated` for a provisioned endpoint: PT only, so a full PT pool answers 429 (and the router can
 * decide) instead of silently spilling to pay-as-you-go; `shared` for a standard endpoint: straight to
 * pay-as-you-go, never consuming the PT reservation.
 */
export const vertexRequestType = (endpoint: Endpoint): "dedicated" | "shared" =>
  endpoint.pool === "provisioned" ? "dedicated" : "shared"

export const vertexBaseUrl = (location: string): string =>
  location === "global" ? "https://aiplatform.googleapis.com" : `https://${location}-aiplatform.googleapis.com`

const tokenFrom = (fn: AccessTokenFunction, provider: string, redact: Redactor): Effect.Effect<string, ProviderError> =>
  Effect.tryPromise({
    try: () => Promise.resolve(fn()),
    catch: (cause) =>
      new AuthFailed({
        provider,
        status: 0,
        message: redact(`access token function failed: ${cause instanceof Error ? cause.message : String(cause)}`),
      }),
  })

/**
 * `google-vertex`: Gemini on Vertex AI, standard (pay-as-you-go) or Provisioned Throughput endpoints.
 * POST `https://{location}-aiplatform.googleapis.com/{v1}/projects/{p}/locations/{loc}/publishers/google/models/{m}:generateContent`
 * (or `:streamGenerateContent?alt=sse`); `Authorization: Bearer` from `accessToken` (literal / env / function);
 * `X-Vertex-AI-LLM-Request-Type` from the endpoint's pool; which pool served comes back as
 * `signals.trafficType` (from `usageMetadata.trafficType`). An upstreamModel starting with `projects/`
 * is used as the full resource name.
 */
export const googleVertexPlugin = definePlugin<VertexOptions>({
  kind: "google-vertex",
  options: VertexOptions,
  make: (options, ctx) =>
    Effect.gen(function* () {
      const access = options.accessToken
      const secret = typeof access === "function" ? undefined : yield* resolveSecret(access, ctx.env, "accessToken")
      const http = yield* makeTransport({
        provider: ctx.slug,
        timeouts: options.timeouts,
        connections: options.connections,
        secrets: secret === undefined ? [] : [secret],
        classify: classifyGoogleError,
        requestIdHeaders: GOOGLE_REQUEST_ID_HEADERS,
      })
      const token: Effect.Effect<string, ProviderError> =
        typeof access === "function"
          ? tokenFrom(access, ctx.slug, http.redact)
          : Effect.succeed(Redacted.value(secret!))
      const base = (options.baseUrl ?? vertexBaseUrl(options.location)).replace(/\/+$/, "")
      const version = options.apiVersion ?? "v1"
      const modelRoot = `${base}/${version}/projects/${options.project}/locations/${options.location}/publishers/google/models`
      return makeGoogleClient(http, {
        url: (endpoint, stream) => {
          const method = stream ? "streamGenerateContent?alt=sse" : "generateContent"
          const model = endpoint.upstreamModel
          return model.startsWith("projects/")
            ? `${base}/${version}/${model}:${method}`
            : `${modelRoot}/${model}:${method}`
        },
        headers: (endpoint) =>
          Effect.map(token, (t) => ({
            "content-type": "application/json",
            authorization: `Bearer ${t}`,
            [VERTEX_REQUEST_TYPE]: vertexRequestType(endpoint),
            ...options.headers,
          })),
      })
    }),
})
