import type { JsonObject } from "../provider/contract.js"
import { type CacheUse, NO_CACHE_USE } from "./prompt-cache.js"

/** OpenAI wire shapes the simulated upstream answers with. */

export interface CompletionIds {
  readonly id: string
  readonly created: number
  readonly model: string
}

/** OpenAI usage; cache reads as `cached_tokens`, cache writes (when any) as `cache_write_tokens`, as OpenRouter. */
export const usageBody = (prompt: number, completion: number, cacheRead = 0, cacheWrite = 0): JsonObject => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details:
    cacheWrite > 0 ? { cached_tokens: cacheRead, cache_write_tokens: cacheWrite } : { cached_tokens: cacheRead },
  completion_tokens_details: { reasoning_tokens: 0 },
})

export const completionBody = (
  ids: CompletionIds,
  text: string,
  finishReason: "stop" | "length",
  prompt: number,
  completion: number,
  cache: CacheUse = NO_CACHE_USE,
): JsonObject => ({
  id: ids.id,
  object: "chat.completion",
  created: ids.created,
  model: ids.model,
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: text, refusal: null },
      logprobs: null,
      finish_reason: finishReason,
    },
  ],
  usage: usageBody(prompt, completion, cache.read, cache.write),
})

const chunk = (
  ids: CompletionIds,
  choices: ReadonlyArray<JsonObject>,
  usage: JsonObject | null = null,
): JsonObject => ({
  id: ids.id,
  object: "chat.completion.chunk",
  created: ids.created,
  model: ids.model,
  choices,
  usage,
})

export const roleChunk = (ids: CompletionIds): JsonObject =>
  chunk(ids, [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }])

export const contentChunk = (ids: CompletionIds, content: string): JsonObject =>
  chunk(ids, [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }])

export const finishChunk = (ids: CompletionIds, finishReason: "stop" | "length"): JsonObject =>
  chunk(ids, [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }])

export const usageChunk = (
  ids: CompletionIds,
  prompt: number,
  completion: number,
  cache: CacheUse = NO_CACHE_USE,
): JsonObject => chunk(ids, [], usageBody(prompt, completion, cache.read, cache.write))
