import type { Endpoint } from "../catalog/endpoint.js"
import type { JsonObject } from "../provider/contract.js"
import type { Usage } from "../provider/usage.js"

/** USD: effective (discounted) price per million tokens × usage, plus the per-request price if any. */
export const costOf = (endpoint: Endpoint, usage: Usage): number =>
  (usage.promptTokens * endpoint.effectivePrompt + usage.completionTokens * endpoint.effectiveCompletion) / 1_000_000 +
  (endpoint.price.request ?? 0) * (1 - (endpoint.price.discount ?? 0))

/** OpenAI `usage` object with `cost`, keeping any extra fields the upstream sent. */
export const usageJson = (existing: unknown, usage: Usage, cost: number): JsonObject => {
  const base: JsonObject =
    existing !== null && typeof existing === "object" && !Array.isArray(existing)
      ? { ...(existing as JsonObject) }
      : {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          total_tokens: usage.promptTokens + usage.completionTokens,
        }
  base.cost = cost
  return base
}

/** The completion as the client sees it: `provider` (serving slug), `model` (model used), `usage.cost`. */
export const decorateCompletion = (body: JsonObject, endpoint: Endpoint, usage: Usage, cost: number): JsonObject => ({
  ...body,
  model: endpoint.model,
  provider: endpoint.slug,
  usage: usageJson(body.usage, usage, cost),
})
