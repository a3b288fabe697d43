import { BadRequest, type ChatRequest, type JsonObject } from "@switchyard/core"
import * as Result from "effect/Result"
import { contentText, parseArguments } from "../translation/content-text.js"
import { decodeChatBody } from "../translation/decode-chat.js"
import { topKOf } from "../translation/top-k.js"
import { isEmptyObjectSchema } from "./json-schema.js"
import { type GeminiPart, toParts } from "./parts.js"

/**
 * OpenAI chat-completions body → Gemini `generateContent` body (wire-facts §3).
 * The model goes in the URL, not the body. Pure: no I/O, no clock. Tool parameters and `response_format`
 * schemas go as JSON Schema (`parametersJsonSchema`, `responseJsonSchema`), unconverted, so `$ref`/`$defs`
 * (Pydantic, Zod) reach the model; `top_k` → `topK`. What is not mapped: `geminiUnmapped` (parameters.ts).
 */
export const toGeminiRequest = (body: JsonObject, provider: string): Result.Result<JsonObject, BadRequest> => {
  const decoded = decodeChatBody(body, provider)
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
  const req = decoded.success
  const contents = toContents(req, body, provider)
  if (Result.isFailure(contents)) return Result.fail(contents.failure)
  const out: Record<string, unknown> = { contents: contents.success.contents }
  if (contents.success.system.length > 0) out.systemInstruction = { parts: contents.success.system }
  if (req.tools !== undefined && req.tools.length > 0) {
    out.tools = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.function.name,
          ...(t.function.description !== undefined ? { description: t.function.description } : {}),
          // the JSON Schema as sent ($ref/$defs, additionalProperties, … included): Gemini takes it as is
          ...(isEmptyObjectSchema(t.function.parameters) ? {} : { parametersJsonSchema: t.function.parameters }),
        })),
      },
    ]
  }
  const toolConfig = toToolConfig(req)
  if (toolConfig !== undefined) out.toolConfig = toolConfig
  const generationConfig = toGenerationConfig(req, body)
  if (Object.keys(generationConfig).length > 0) out.generationConfig = generationConfig
  return Result.succeed(out)
}

interface Contents {
  readonly contents: Array<{ role: "user" | "model"; parts: Array<GeminiPart> }>
  readonly system: Array<GeminiPart>
}

const toContents = (req: ChatRequest, raw: JsonObject, provider: string): Result.Result<Contents, BadRequest> => {
  const contents: Contents["contents"] = []
  const system: Array<GeminiPart> = []
  /** tool_call id → function name, to name each `functionResponse` (Gemini matches results by name). */
  const names = new Map<string, string>()
  for (const [mi, message] of req.messages.entries()) {
    switch (message.role) {
      case "system":
      case "developer":
        system.push({ text: contentText(message.content) })
        break
      case "user": {
        const parts = toParts(message.content, provider)
        if (Result.isFailure(parts)) return Result.fail(parts.failure)
        contents.push({ role: "user", parts: parts.success })
        break
      }
      case "assistant": {
        const parts: Array<GeminiPart> = []
        const text = contentText(message.content)
        if (text !== "") parts.push({ text })
        for (const [ti, call] of (message.tool_calls ?? []).entries()) {
          const args = parseArguments(call.function.arguments)
          if (args === undefined) {
            return Result.fail(
              new BadRequest({
                provider,
                status: 0,
                message: `messages[${mi}].tool_calls[${ti}].function.arguments is not a JSON object`,
                param: `messages.${mi}.tool_calls.${ti}.function.arguments`,
              }),
            )
          }
          names.set(call.id, call.function.name)
          const signature = thoughtSignature(raw, mi, ti)
          parts.push({
            functionCall: { name: call.function.name, args },
            ...(signature !== undefined ? { thoughtSignature: signature } : {}),
          })
        }
        if (parts.length > 0) contents.push({ role: "model", parts })
        break
      }
      case "tool": {
        const name = names.get(message.tool_call_id)
        if (name === undefined) {
          return Result.fail(
            new BadRequest({
              provider,
              status: 0,
              message: `messages[${mi}].tool_call_id "${message.tool_call_id}" does not match any earlier assistant tool call`,
              param: `messages.${mi}.tool_call_id`,
            }),
          )
        }
        const part = { functionResponse: { name, response: toolResponse(contentText(message.content)) } }
        const last = contents[contents.length - 1]
        // Parallel tool results go back in one turn, as Gemini returned the calls in one turn.
        if (last !== undefined && last.role === "user" && last.parts.every((p) => "functionResponse" in p)) {
          last.parts.push(part)
        } else {
          contents.push({ role: "user", parts: [part] })
        }
        break
      }
    }
  }
  return Result.succeed({ contents, system })
}

/** A tool result that is a JSON object is sent as the response object; anything else as `{output: text}`. */
const toolResponse = (text: string): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // not JSON: plain text output
  }
  return { output: text }
}

/** `tool_calls[ti].extra_content.google.thought_signature` as this plugin returned it (Gemini 3 requires it back). */
const thoughtSignature = (raw: JsonObject, mi: number, ti: number): string | undefined => {
  const messages = raw.messages as ReadonlyArray<{ tool_calls?: ReadonlyArray<unknown> }> | undefined
  const call = messages?.[mi]?.tool_calls?.[ti] as { extra_content?: { google?: { thought_signature?: unknown } } }
  const sig = call?.extra_content?.google?.thought_signature
  return typeof sig === "string" ? sig : undefined
}

const toToolConfig = (req: ChatRequest): JsonObject | undefined => {
  const choice = req.tool_choice
  if (choice === undefined) return undefined
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } }
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } }
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } }
  return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.function.name] } }
}

/** OpenAI `reasoning_effort` → thinking budget (the mapping Vertex's OpenAI endpoint documents). */
const thinkingBudget: Record<string, number> = { low: 1024, medium: 8192, high: 24576 }

const toGenerationConfig = (req: ChatRequest, raw: JsonObject): Record<string, unknown> => {
  const config: Record<string, unknown> = {}
  if (req.temperature != null) config.temperature = req.temperature
  if (req.top_p != null) config.topP = req.top_p
  const topK = topKOf(raw)
  if (topK !== undefined) config.topK = topK
  const maxTokens = req.max_completion_tokens ?? req.max_tokens
  if (maxTokens != null) config.maxOutputTokens = maxTokens
  if (req.stop != null) config.stopSequences = typeof req.stop === "string" ? [req.stop] : req.stop
  if (req.seed != null) config.seed = req.seed
  if (req.n != null && req.n > 1) config.candidateCount = req.n
  if (req.presence_penalty != null) config.presencePenalty = req.presence_penalty
  if (req.frequency_penalty != null) config.frequencyPenalty = req.frequency_penalty
  const format = req.response_format
  if (format?.type === "json_object") config.responseMimeType = "application/json"
  if (format?.type === "json_schema") {
    config.responseMimeType = "application/json"
    if (format.json_schema.schema !== undefined) config.responseJsonSchema = format.json_schema.schema
  }
  const budget = req.reasoning_effort === undefined ? undefined : thinkingBudget[req.reasoning_effort]
  if (budget !== undefined) config.thinkingConfig = { thinkingBudget: budget }
  return config
}
