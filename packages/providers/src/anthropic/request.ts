import {
  BadRequest,
  type CacheControl,
  type ChatRequest,
  type ContentPart,
  type Endpoint,
  type JsonObject,
} from "@switchyard/core"
import * as Result from "effect/Result"
import { contentText, parseArguments } from "../translation/content-text.js"
import { parseDataUrl } from "../translation/data-url.js"
import { decodeChatBody } from "../translation/decode-chat.js"
import { topKOf } from "../translation/top-k.js"
import { defaultMaxOutput } from "./max-output.js"
import { temperatureOnly } from "./parameters.js"
import { structuredOutput } from "./structured-output.js"

type Block = Record<string, unknown>
interface Message {
  role: "user" | "assistant"
  content: Array<Block>
}

/**
 * OpenAI chat-completions body → Anthropic Messages body (wire-facts §4).
 * - system/developer messages → `system` text blocks (in order);
 * - assistant `tool_calls` → `tool_use` blocks; `tool` messages → `tool_result` blocks in a user
 *   message (consecutive results share one user message);
 * - `max_tokens` is required upstream: the request's, else the endpoint's `maxOutput`, else the model's
 *   documented maximum output (`max-output.ts`);
 * - `temperature` is clamped to Anthropic's 0..1 (with a `temperature`, `top_p` is not sent: `temperatureOnly`);
 *   `top_k` → `top_k`; `stop` → `stop_sequences`;
 *   `user` → `metadata.user_id`;
 * - `response_format` (`json_schema`, `json_object`) → a forced tool (`structured-output.ts`);
 * - `cache_control` (prompt-cache breakpoints, OpenRouter's convention) → Anthropic `cache_control` on the
 *   same block: on a content part, its block (system parts stay separate system blocks); on a message, its
 *   last block (a tool message's `tool_result`); on a tool, the tool.
 * Not translated (`anthropicUnmapped` names them, the router drops or excludes): `n` > 1, `seed`, penalties,
 * `logprobs`, `reasoning_effort`, and anything else Anthropic has no equivalent for.
 */
export const toAnthropicRequest = (
  body: JsonObject,
  endpoint: Endpoint,
  provider: string,
  stream: boolean,
): Result.Result<JsonObject, BadRequest> => {
  const decoded = decodeChatBody(body, provider)
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
  const req = decoded.success
  const converted = toMessages(req, provider)
  if (Result.isFailure(converted)) return Result.fail(converted.failure)
  const out: Record<string, unknown> = {
    model: endpoint.upstreamModel,
    max_tokens:
      req.max_completion_tokens ?? req.max_tokens ?? defaultMaxOutput(endpoint.upstreamModel, endpoint.maxOutput),
    messages: converted.success.messages,
  }
  if (converted.success.system.length > 0) out.system = converted.success.system
  if (stream) out.stream = true
  if (req.temperature != null) out.temperature = Math.min(req.temperature, 1)
  if (req.top_p != null && !temperatureOnly(body)) out.top_p = req.top_p
  const topK = topKOf(body)
  if (topK !== undefined) out.top_k = topK
  if (req.stop != null) {
    const stops = (typeof req.stop === "string" ? [req.stop] : req.stop).filter((s) => s.trim() !== "")
    if (stops.length > 0) out.stop_sequences = stops
  }
  if (req.user !== undefined) out.metadata = { user_id: req.user }
  if (req.tools !== undefined && req.tools.length > 0) {
    out.tools = req.tools.map((t) =>
      cached(
        {
          name: t.function.name,
          ...(t.function.description !== undefined ? { description: t.function.description } : {}),
          input_schema: t.function.parameters ?? { type: "object", properties: {} },
        },
        t.cache_control,
      ),
    )
  }
  const toolChoice = toToolChoice(req)
  if (toolChoice !== undefined) out.tool_choice = toolChoice
  const structured = structuredOutput(body)
  if (structured !== undefined) {
    out.tools = [{ name: structured.name, description: structured.description, input_schema: structured.schema }]
    out.tool_choice = { type: "tool", name: structured.name }
  }
  return Result.succeed(out)
}

const toToolChoice = (req: ChatRequest): JsonObject | undefined => {
  const choice = req.tool_choice
  const noParallel = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {}
  if (choice === undefined)
    return req.parallel_tool_calls === false && req.tools ? { type: "auto", ...noParallel } : undefined
  if (choice === "none") return { type: "none" }
  if (choice === "auto") return { type: "auto", ...noParallel }
  if (choice === "required") return { type: "any", ...noParallel }
  return { type: "tool", name: choice.function.name, ...noParallel }
}

const invalid = (provider: string, message: string, param: string): BadRequest =>
  new BadRequest({ provider, status: 0, message, param })

/** `block` with a prompt-cache breakpoint, when there is one (Anthropic's `cache_control`, same shape). */
const cached = (block: Block, control: CacheControl | undefined): Block =>
  control === undefined ? block : { ...block, cache_control: control }

/** A message's own `cache_control` goes on its last block. */
const markLast = (blocks: Array<Block>, control: CacheControl | undefined): void => {
  const last = blocks.length - 1
  if (control !== undefined && last >= 0) blocks[last] = cached(blocks[last]!, control)
}

const toBlock = (part: ContentPart, provider: string, param: string): Result.Result<Block, BadRequest> => {
  switch (part.type) {
    case "text":
      return Result.succeed(cached({ type: "text", text: part.text }, part.cache_control))
    case "image_url": {
      const inline = parseDataUrl(part.image_url.url)
      return Result.succeed(
        cached(
          {
            type: "image",
            source: inline
              ? { type: "base64", media_type: inline.mimeType, data: inline.data }
              : { type: "url", url: part.image_url.url },
          },
          part.cache_control,
        ),
      )
    }
    case "file": {
      const inline = part.file.file_data === undefined ? undefined : parseDataUrl(part.file.file_data)
      if (inline?.mimeType === "application/pdf") {
        return Result.succeed(
          cached(
            { type: "document", source: { type: "base64", media_type: inline.mimeType, data: inline.data } },
            part.cache_control,
          ),
        )
      }
      return Result.fail(invalid(provider, "Anthropic accepts only inline PDF files (data: URLs)", param))
    }
    case "input_audio":
      return Result.fail(invalid(provider, "Anthropic does not accept audio input", param))
  }
}

const toBlocks = (
  content: string | ReadonlyArray<ContentPart>,
  provider: string,
  param: string,
): Result.Result<Array<Block>, BadRequest> => {
  if (typeof content === "string") return Result.succeed([{ type: "text", text: content }])
  const out: Array<Block> = []
  for (const part of content) {
    const block = toBlock(part, provider, param)
    if (Result.isFailure(block)) return Result.fail(block.failure)
    out.push(block.success)
  }
  return Result.succeed(out)
}

const toMessages = (
  req: ChatRequest,
  provider: string,
): Result.Result<{ messages: Array<Message>; system: Array<Block> }, BadRequest> => {
  const messages: Array<Message> = []
  const system: Array<Block> = []
  for (const [mi, message] of req.messages.entries()) {
    switch (message.role) {
      case "system":
      case "developer": {
        const blocks = systemBlocks(message.content)
        markLast(blocks, message.cache_control)
        system.push(...blocks)
        break
      }
      case "user": {
        const blocks = toBlocks(message.content, provider, `messages.${mi}.content`)
        if (Result.isFailure(blocks)) return Result.fail(blocks.failure)
        markLast(blocks.success, message.cache_control)
        messages.push({ role: "user", content: blocks.success })
        break
      }
      case "assistant": {
        const content: Array<Block> = []
        const text = contentText(message.content)
        if (text !== "") content.push(cached({ type: "text", text }, lastCacheControl(message.content)))
        for (const [ti, call] of (message.tool_calls ?? []).entries()) {
          const input = parseArguments(call.function.arguments)
          if (input === undefined) {
            return Result.fail(
              invalid(
                provider,
                `messages[${mi}].tool_calls[${ti}].function.arguments is not a JSON object`,
                `messages.${mi}.tool_calls.${ti}.function.arguments`,
              ),
            )
          }
          content.push({ type: "tool_use", id: call.id, name: call.function.name, input })
        }
        markLast(content, message.cache_control)
        // Anthropic rejects empty assistant turns; an empty one carries nothing to translate.
        if (content.length > 0) messages.push({ role: "assistant", content })
        break
      }
      case "tool": {
        const block = cached(
          { type: "tool_result", tool_use_id: message.tool_call_id, content: contentText(message.content) },
          message.cache_control ?? lastCacheControl(message.content),
        )
        const last = messages[messages.length - 1]
        if (last !== undefined && last.role === "user" && last.content.every((b) => b.type === "tool_result")) {
          last.content.push(block)
        } else {
          messages.push({ role: "user", content: [block] })
        }
        break
      }
    }
  }
  return Result.succeed({ messages, system })
}

/**
 * System blocks of a system/developer message: its text parts as separate blocks, each keeping its
 * `cache_control` (so a breakpoint after a long stable part caches only that prefix); empty text dropped.
 */
const systemBlocks = (content: string | ReadonlyArray<ContentPart>): Array<Block> => {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }]
  const out: Array<Block> = []
  for (const part of content)
    if (part.type === "text" && part.text !== "")
      out.push(cached({ type: "text", text: part.text }, part.cache_control))
  return out
}

/** The `cache_control` of the last content part that has one, for content Anthropic takes as one text. */
const lastCacheControl = (
  content: string | ReadonlyArray<ContentPart> | null | undefined,
): CacheControl | undefined => {
  if (content === null || content === undefined || typeof content === "string") return undefined
  for (let i = content.length - 1; i >= 0; i--) {
    const control = content[i]!.cache_control
    if (control !== undefined) return control
  }
  return undefined
}
