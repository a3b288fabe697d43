import type { Endpoint } from "../catalog/endpoint.js"
import type { JsonObject } from "../provider/contract.js"
import type { Usage } from "../provider/usage.js"

/** USD: effective (discounted) price per million tokens × usage, plus the per-request price if any. */
export const costOf = (endpoint: Endpoint, usage: Usage): number =>
  (usage.promptTokens * endpoint.effectivePrompt + usage.completionTokens * endpoint.effectiveCompletion) / 1_000_000 +
  (endpoint.price.request ?? 0) * (1 - (endpoint.price.discount ?? 0))

/**
 * A shallow copy of a JSON object, key order kept — what `{ ...o }` gives, built by plain stores.
 * V8 gives a spread's clone a map with no transitions, so adding a key to it afterwards (`provider`,
 * `cost`) built a new map on every response (≈ 1.5 µs and garbage per request). `__proto__` (a key
 * JSON.parse can produce) is defined as an own property, as the spread would.
 */
const copyObject = (o: JsonObject): JsonObject => {
  const out: JsonObject = {}
  for (const key of Object.keys(o)) {
    if (key === "__proto__")
      Object.defineProperty(out, key, { value: o[key], enumerable: true, writable: true, configurable: true })
    else out[key] = o[key]
  }
  return out
}

/** OpenAI `usage` object with `cost`, keeping any extra fields the upstream sent. */
export const usageJson = (existing: unknown, usage: Usage, cost: number): JsonObject => {
  const base: JsonObject =
    existing !== null && typeof existing === "object" && !Array.isArray(existing)
      ? copyObject(existing as JsonObject)
      : {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          total_tokens: usage.promptTokens + usage.completionTokens,
        }
  base.cost = cost
  return base
}

/**
 * The completion as the client sees it: `provider` (serving slug; an upstream's own `provider`, as
 * OpenRouter sends, moves to `upstream_provider`), `model` (model used), `usage.cost`.
 */
export const decorateCompletion = (body: JsonObject, endpoint: Endpoint, usage: Usage, cost: number): JsonObject => {
  const out = copyObject(body)
  out.model = endpoint.model
  if (body.provider !== undefined && body.provider !== endpoint.slug) out.upstream_provider = body.provider
  out.provider = endpoint.slug
  out.usage = usageJson(body.usage, usage, cost)
  return out
}
