import { type CapacitySignals, ContentFiltered, type JsonObject, MalformedResponse, type Usage } from "@switchyard/core"
import * as Result from "effect/Result"
import type { TranslateContext } from "../translation/call-context.js"
import {
  type CompletionMeta,
  completionBody,
  completionChoice,
  type OpenAiToolCall,
} from "../translation/openai-shape.js"
import { finishReason } from "./finish-reason.js"
import { geminiUsage, trafficType } from "./usage.js"

export type { TranslateContext }

export interface TranslatedCompletion {
  readonly body: JsonObject
  readonly usage: Usage
  readonly trafficType: CapacitySignals["trafficType"]
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

export const completionMeta = (raw: Json, ctx: TranslateContext): CompletionMeta => ({
  id: `chatcmpl-${typeof raw.responseId === "string" ? raw.responseId : ctx.fallbackId}`,
  created: ctx.created,
  model: typeof raw.modelVersion === "string" ? raw.modelVersion : ctx.model,
})

/** A function call part → an OpenAI tool call (`arguments` as a JSON string, signature kept for the next turn). */
export const toolCallFrom = (part: Json, id: string): OpenAiToolCall | undefined => {
  const call = part.functionCall
  if (!isObject(call) || typeof call.name !== "string") return undefined
  return {
    id: typeof call.id === "string" && call.id !== "" ? call.id : id,
    type: "function",
    function: { name: call.name, arguments: JSON.stringify(isObject(call.args) ? call.args : {}) },
    ...(typeof part.thoughtSignature === "string"
      ? { extra_content: { google: { thought_signature: part.thoughtSignature } } }
      : {}),
  }
}

/** A prompt blocked before any candidate was produced (`promptFeedback.blockReason`). */
export const blockedPrompt = (raw: Json, provider: string, status: number): ContentFiltered | undefined => {
  const feedback = raw.promptFeedback
  if (!isObject(feedback) || typeof feedback.blockReason !== "string") return undefined
  if (Array.isArray(raw.candidates) && raw.candidates.length > 0) return undefined
  return new ContentFiltered({ provider, status, message: `Prompt blocked by Google: ${feedback.blockReason}` })
}

/** Gemini `GenerateContentResponse` → OpenAI `chat.completion`. */
export const fromGeminiResponse = (
  raw: unknown,
  ctx: TranslateContext,
): Result.Result<TranslatedCompletion, MalformedResponse | ContentFiltered> => {
  if (!isObject(raw)) {
    return Result.fail(
      new MalformedResponse({ provider: ctx.provider, status: 200, message: "Body is not a JSON object" }),
    )
  }
  const blocked = blockedPrompt(raw, ctx.provider, 200)
  if (blocked) return Result.fail(blocked)
  if (!Array.isArray(raw.candidates) || raw.candidates.length === 0) {
    return Result.fail(
      new MalformedResponse({ provider: ctx.provider, status: 200, message: "Response has no candidates" }),
    )
  }
  const meta = completionMeta(raw, ctx)
  let callCount = 0
  const choices: Array<JsonObject> = []
  for (const [position, candidate] of raw.candidates.entries()) {
    if (!isObject(candidate)) {
      return Result.fail(
        new MalformedResponse({ provider: ctx.provider, status: 200, message: "Candidate is not an object" }),
      )
    }
    const parts = isObject(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : []
    let text = ""
    let reasoning = ""
    const toolCalls: Array<OpenAiToolCall> = []
    for (const part of parts) {
      if (!isObject(part)) continue
      if (typeof part.text === "string") {
        if (part.thought === true) reasoning += part.text
        else text += part.text
      }
      const call = toolCallFrom(part, `call_${meta.id.slice("chatcmpl-".length)}_${callCount}`)
      if (call) {
        toolCalls.push(call)
        callCount++
      }
    }
    const index = typeof candidate.index === "number" ? candidate.index : position
    choices.push(
      completionChoice(
        index,
        { text, reasoning, toolCalls },
        finishReason(candidate.finishReason, toolCalls.length > 0),
      ),
    )
  }
  const usage = geminiUsage(raw.usageMetadata)
  return Result.succeed({
    body: completionBody(meta, choices, usage),
    usage,
    trafficType: trafficType(raw.usageMetadata),
  })
}
