/**
 * A completion as the chunks of a stream, for an upstream that answered a `stream: true` request with one JSON
 * completion (some OpenAI-compatible hosts ignore `stream`):
 *
 *   completionChunks(completion) → [one chunk with every choice's message as its delta and its finish_reason,
 *                                   then `choices: []` with the usage when the completion has one]
 *
 * Put in the chunk shape by the caller (`ChunkShape`: role, tool-call `index` and `type`). A choice's `message`
 * becomes its `delta` as it is (role, content, tool calls, refusal, reasoning), its `logprobs` stay.
 */
import type { JsonObject } from "@switchyard/core"

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

export const completionChunks = (completion: JsonObject): Array<JsonObject> => {
  const head = {
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
  }
  const choices = (Array.isArray(completion.choices) ? completion.choices : []).map((c, i): JsonObject => {
    const choice = isObj(c) ? c : {}
    const delta: JsonObject = isObj(choice.message) ? { ...choice.message } : {}
    if (Array.isArray(delta.tool_calls))
      delta.tool_calls = delta.tool_calls.map((tc, index) => (isObj(tc) ? { index, ...tc } : tc))
    const out: JsonObject = { index: typeof choice.index === "number" ? choice.index : i, delta }
    if (choice.logprobs !== undefined) out.logprobs = choice.logprobs
    out.finish_reason = choice.finish_reason ?? "stop"
    return out
  })
  const chunks: Array<JsonObject> = [{ ...head, choices }]
  if (isObj(completion.usage)) chunks.push({ ...head, choices: [], usage: completion.usage })
  return chunks
}
