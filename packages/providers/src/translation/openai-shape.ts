import type { JsonObject, Usage } from "@switchyard/core"
import { toOpenAiUsage } from "../openai-compatible/usage.js"

/**
 * Builders for the OpenAI chat-completions shapes a translating plugin (Google, Anthropic) emits.
 * Kept in one place so both translations answer in exactly the same shape.
 */

/** Identity of one translated completion: every chunk of a stream carries the same id/created/model. */
export interface CompletionMeta {
  readonly id: string
  /** Unix seconds. */
  readonly created: number
  readonly model: string
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter"

export interface OpenAiToolCall {
  readonly id: string
  readonly type: "function"
  readonly function: { readonly name: string; readonly arguments: string }
  /** Provider data that must come back with the call on the next turn (Gemini `thoughtSignature`). */
  readonly extra_content?: JsonObject
}

export interface AssistantOutput {
  readonly text: string
  readonly reasoning: string
  readonly toolCalls: ReadonlyArray<OpenAiToolCall>
}

/** One `choices[]` entry of a `chat.completion`. */
export const completionChoice = (index: number, out: AssistantOutput, finish: FinishReason): JsonObject => {
  const message: Record<string, unknown> = {
    role: "assistant",
    // OpenAI sends `content: null` for a tool-call-only answer.
    content: out.text === "" && out.toolCalls.length > 0 ? null : out.text,
    refusal: null,
  }
  if (out.reasoning !== "") message.reasoning_content = out.reasoning
  if (out.toolCalls.length > 0) message.tool_calls = out.toolCalls
  return { index, message, logprobs: null, finish_reason: finish }
}

export const completionBody = (meta: CompletionMeta, choices: ReadonlyArray<JsonObject>, usage: Usage): JsonObject => ({
  id: meta.id,
  object: "chat.completion",
  created: meta.created,
  model: meta.model,
  choices,
  usage: toOpenAiUsage(usage),
})

/** A `chat.completion.chunk` with one choice. */
export const deltaChunk = (
  meta: CompletionMeta,
  index: number,
  delta: JsonObject,
  finish: FinishReason | null = null,
): JsonObject => ({
  id: meta.id,
  object: "chat.completion.chunk",
  created: meta.created,
  model: meta.model,
  choices: [{ index, delta, logprobs: null, finish_reason: finish }],
})

/** The closing usage chunk (`choices: []`), as OpenAI sends it with `stream_options.include_usage`. */
export const usageChunk = (meta: CompletionMeta, usage: Usage): JsonObject => ({
  id: meta.id,
  object: "chat.completion.chunk",
  created: meta.created,
  model: meta.model,
  choices: [],
  usage: toOpenAiUsage(usage),
})
