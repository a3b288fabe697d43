import { type JsonObject, MalformedResponse, type Usage } from "@switchyard/core"
import * as Result from "effect/Result"
import type { TranslateContext } from "../translation/call-context.js"
import {
  type CompletionMeta,
  completionBody,
  completionChoice,
  type OpenAiToolCall,
} from "../translation/openai-shape.js"
import { stopReason } from "./stop-reason.js"
import { anthropicUsage } from "./usage.js"

export type { TranslateContext }

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

export const messageMeta = (message: Json, ctx: TranslateContext): CompletionMeta => ({
  id: typeof message.id === "string" ? message.id : ctx.fallbackId,
  created: ctx.created,
  model: typeof message.model === "string" ? message.model : ctx.model,
})

/** Anthropic Messages response → OpenAI `chat.completion`. */
export const fromAnthropicResponse = (
  raw: unknown,
  ctx: TranslateContext,
  /** The forced tool that carries a JSON `response_format`: its input is the answer's content. */
  structuredTool?: string | undefined,
): Result.Result<{ readonly body: JsonObject; readonly usage: Usage }, MalformedResponse> => {
  if (!isObject(raw) || !Array.isArray(raw.content)) {
    return Result.fail(
      new MalformedResponse({ provider: ctx.provider, status: 200, message: "Body is not an Anthropic message" }),
    )
  }
  let text = ""
  let reasoning = ""
  const toolCalls: Array<OpenAiToolCall> = []
  let structured = false
  for (const block of raw.content) {
    if (!isObject(block)) continue
    if (block.type === "text" && typeof block.text === "string") text += block.text
    else if (block.type === "thinking" && typeof block.thinking === "string") reasoning += block.thinking
    else if (block.type === "tool_use" && structuredTool !== undefined && block.name === structuredTool) {
      structured = true
      text += JSON.stringify(isObject(block.input) ? block.input : {})
    } else if (block.type === "tool_use" && typeof block.id === "string" && typeof block.name === "string") {
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(isObject(block.input) ? block.input : {}) },
      })
    }
  }
  const usage = anthropicUsage(raw.usage)
  const finish = stopReason(raw.stop_reason)
  const choice = completionChoice(
    0,
    { text, reasoning, toolCalls },
    // the forced structured-output tool answered: a plain answer for the client
    finish === "tool_calls" && structured && toolCalls.length === 0 ? "stop" : finish,
  )
  return Result.succeed({ body: completionBody(messageMeta(raw, ctx), [choice], usage), usage })
}
