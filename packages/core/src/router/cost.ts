import type { Endpoint } from "../catalog/endpoint.js"
import type { JsonObject } from "../provider/contract.js"
import { type Usage, uncachedPromptTokens } from "../provider/usage.js"
import { copyObject } from "./copy-object.js"

/**
 * What a served request cost (USD), by part: each part of the usage at its effective (discounted) price
 * per million tokens — uncached prompt tokens at the prompt price, cache reads and writes (5-minute,
 * 1-hour) at the cache prices, output at the completion price — plus the per-request price if any.
 */
export interface CostDetails {
  readonly total: number
  /** Uncached prompt tokens. */
  readonly prompt: number
  readonly cacheRead: number
  /** Cache writes, 5-minute and 1-hour. */
  readonly cacheWrite: number
  readonly completion: number
  readonly request: number
  /** What the cache reads saved against the prompt price (≥ 0 at sane prices). */
  readonly readSavings: number
  /** What the cache writes cost above the prompt price (Anthropic's write surcharge; 0 where writes are free). */
  readonly writePremium: number
}

export const costBreakdown = (endpoint: Endpoint, usage: Usage): CostDetails => {
  const write = usage.cacheWriteTokens ?? 0
  const write1h = usage.cacheWrite1hTokens ?? 0
  const p = endpoint.effectivePrompt
  // USD × 10⁶ per part, divided once each (a sum of divided parts would print 0.000013000000000000001)
  const prompt = uncachedPromptTokens(usage) * p
  const cacheRead = usage.cachedTokens * endpoint.effectiveCacheRead
  const cacheWrite = (write - write1h) * endpoint.effectiveCacheWrite + write1h * endpoint.effectiveCacheWrite1h
  const completion = usage.completionTokens * endpoint.effectiveCompletion
  const request = (endpoint.price.request ?? 0) * (1 - (endpoint.price.discount ?? 0))
  return {
    total: (prompt + cacheRead + cacheWrite + completion) / 1_000_000 + request,
    prompt: prompt / 1_000_000,
    cacheRead: cacheRead / 1_000_000,
    cacheWrite: cacheWrite / 1_000_000,
    completion: completion / 1_000_000,
    request,
    readSavings: (usage.cachedTokens * p - cacheRead) / 1_000_000,
    writePremium: (cacheWrite - write * p) / 1_000_000,
  }
}

/**
 * `usage.cost_details` on the wire: the cost by part (`prompt` = uncached prompt tokens, `cache_read`,
 * `cache_write`, `completion`, `request`, summing to `cost`) and `cache_savings`, what prompt caching
 * saved against every prompt token at the prompt price (negative when cache writes cost more than the
 * reads saved, as Anthropic's write surcharge can on a conversation's first turn).
 */
export const costDetailsJson = (d: CostDetails): JsonObject => ({
  prompt: d.prompt,
  cache_read: d.cacheRead,
  cache_write: d.cacheWrite,
  completion: d.completion,
  request: d.request,
  cache_savings: d.readSavings - d.writePremium,
})

/**
 * OpenAI `usage` object with `cost` and `cost_details` (ours replace an upstream's), keeping any other
 * fields the upstream sent.
 */
export const usageJson = (existing: unknown, usage: Usage, cost: CostDetails): JsonObject => {
  const base: JsonObject =
    existing !== null && typeof existing === "object" && !Array.isArray(existing)
      ? copyObject(existing as JsonObject)
      : {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          total_tokens: usage.promptTokens + usage.completionTokens,
        }
  base.cost = cost.total
  base.cost_details = costDetailsJson(cost)
  return base
}

/**
 * The completion as the client sees it: `provider` (serving slug; an upstream's own `provider`, as
 * OpenRouter sends, moves to `upstream_provider`), `model` (model used), `usage.cost`.
 */
export const decorateCompletion = (
  body: JsonObject,
  endpoint: Endpoint,
  usage: Usage,
  cost: CostDetails,
): JsonObject => {
  const out = copyObject(body)
  out.model = endpoint.model
  if (body.provider !== undefined && body.provider !== endpoint.slug) out.upstream_provider = body.provider
  out.provider = endpoint.slug
  out.usage = usageJson(body.usage, usage, cost)
  return out
}
