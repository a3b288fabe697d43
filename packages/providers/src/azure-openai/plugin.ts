/**
 * `kind: "azure-openai"`: Azure OpenAI deployments (standard and provisioned/PTU).
 * URL `{resourceUrl}/openai/deployments/{endpoint.upstreamModel}/chat/completions?api-version=…`,
 * `api-key` header, request id from `apim-request-id`. Capacity signals include
 * `azure-openai-deployment-utilization` (PTU) and `retry-after-ms`. A PTU 429 arrives before any token,
 * so `stream()` fails with RateLimited itself and the router can re-send the request elsewhere.
 */
import { ConfigInvalid, definePlugin } from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { joinUrl } from "../http/base-url.js"
import { lowerKeys } from "../http/lower-keys.js"
import { makeTransport } from "../http/transport.js"
import { makeOpenAiWireClient } from "../openai-compatible/wire-client.js"
import { resolveSecret } from "../secrets/secret.js"
import { AzureOpenAiOptions, defaultAzureApiVersion } from "./options.js"

const missingUrl = new ConfigInvalid({
  message: "Invalid provider options: resourceUrl: one of resourceUrl or endpoint is required",
  path: "resourceUrl",
  issues: ["resourceUrl: one of resourceUrl or endpoint is required"],
})

export const azureOpenAiPlugin = definePlugin({
  kind: "azure-openai",
  options: AzureOpenAiOptions,
  make: (options, ctx) =>
    Effect.gen(function* () {
      const base = options.resourceUrl ?? options.endpoint
      if (base === undefined) return yield* Effect.fail(missingUrl)
      const apiKey = options.apiKey === undefined ? undefined : yield* resolveSecret(options.apiKey, ctx.env, "apiKey")
      const transport = yield* makeTransport({
        provider: ctx.slug,
        timeouts: options.timeouts,
        secrets: apiKey === undefined ? [] : [apiKey],
        connections: options.connections,
        requestIdHeaders: ["apim-request-id", "x-request-id"],
      })
      const version = encodeURIComponent(options.apiVersion ?? defaultAzureApiVersion)
      const urls = new Map<string, string>()
      const url = (deployment: string): string => {
        let u = urls.get(deployment)
        if (u === undefined) {
          u = `${joinUrl(base, `openai/deployments/${encodeURIComponent(deployment)}/chat/completions`)}?api-version=${version}`
          urls.set(deployment, u)
        }
        return u
      }
      return makeOpenAiWireClient({
        transport,
        url: (endpoint) => url(endpoint.upstreamModel),
        headers: {
          ...(apiKey === undefined ? {} : { "api-key": Redacted.value(apiKey) }),
          ...(options.spilloverDeployment === undefined
            ? {}
            : { "x-ms-spillover-deployment": options.spilloverDeployment }),
          ...lowerKeys(options.headers),
        },
        streamUsage: options.streamUsage ?? true,
        model: "omit",
      })
    }),
})
