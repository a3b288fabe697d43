import { type JsonObject, MalformedResponse, type ProviderError, TransportError, type Usage } from "@switchyard/core"
import * as Result from "effect/Result"
import { redactGeneric } from "../errors/redact.js"
import { type CompletionMeta, deltaChunk, usageChunk } from "../translation/openai-shape.js"
import { classifyAnthropicStreamError } from "./error.js"
import { messageMeta, type TranslateContext } from "./response.js"
import { stopReason } from "./stop-reason.js"
import { anthropicUsage } from "./usage.js"

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

interface ToolBlock {
  readonly index: number
  sentArguments: boolean
}

/**
 * Translates Anthropic stream events (`message_start`, `content_block_*`, `message_delta`,
 * `message_stop`, `ping`, `error`) into OpenAI `chat.completion.chunk`s:
 * - text/thinking deltas → `content` / `reasoning_content`; the first chunk carries the role;
 * - a `tool_use` block → a `tool_calls` delta with id and name, its `input_json_delta`s → argument
 *   fragments with the same `index` (a call with no input gets `"{}"`);
 * - `message_delta.stop_reason` → the finish chunk; `message_delta.usage` is CUMULATIVE, so each
 *   field replaces the previous value (never summed);
 * - `message_stop` → the closing `choices: []` usage chunk;
 * - an `error` event fails the stream with the classified error (overloaded_error → Overloaded);
 * - the forced structured-output tool (a JSON `response_format`) streams its input as `content`, finish `stop`.
 */
export class AnthropicStreamTranslator {
  private meta: CompletionMeta | undefined
  private usageFields: Json = {}
  private started = false
  private finished = false
  private closed = false
  private toolCount = 0
  private readonly tools = new Map<number, ToolBlock>()
  /** Content blocks of the forced structured-output tool: their input is streamed as `content`. */
  private readonly structured = new Map<number, ToolBlock>()

  constructor(
    private readonly ctx: TranslateContext,
    /** The forced tool that carries a JSON `response_format` (`structured-output.ts`). */
    private readonly structuredTool?: string | undefined,
  ) {}

  get usage(): Usage {
    return anthropicUsage(this.usageFields)
  }

  /** `message_stop` came: the stream is over (`StreamTranslator.complete`). */
  get complete(): boolean {
    return this.closed
  }

  push(event: unknown): Result.Result<Array<JsonObject>, ProviderError> {
    if (!isObject(event) || typeof event.type !== "string") return this.malformed("Stream event has no type")
    if (this.closed) return Result.succeed([])
    switch (event.type) {
      case "message_start": {
        const message = isObject(event.message) ? event.message : {}
        this.meta = messageMeta(message, this.ctx)
        if (isObject(message.usage)) this.usageFields = { ...message.usage }
        return Result.succeed([])
      }
      case "content_block_start":
        return this.blockStart(event)
      case "content_block_delta":
        return this.blockDelta(event)
      case "content_block_stop":
        return this.blockStop(event)
      case "message_delta": {
        if (isObject(event.usage)) this.usageFields = { ...this.usageFields, ...event.usage }
        const delta = isObject(event.delta) ? event.delta : {}
        if (delta.stop_reason === undefined || delta.stop_reason === null || this.finished) return Result.succeed([])
        this.finished = true
        const finish = stopReason(delta.stop_reason)
        // the forced structured-output tool answered: a plain answer for the client
        return this.emit(
          {},
          finish === "tool_calls" && this.structured.size > 0 && this.toolCount === 0 ? "stop" : finish,
        )
      }
      case "message_stop":
        return this.close()
      case "error":
        return Result.fail(classifyAnthropicStreamError(this.ctx.provider, event, this.ctx.redact ?? redactGeneric))
      default:
        // ping and event types added later carry nothing to translate.
        return Result.succeed([])
    }
  }

  /** The upstream body ended: close normally if the message finished, else fail as a cut stream. */
  end(): Result.Result<Array<JsonObject>, ProviderError> {
    if (this.closed) return Result.succeed([])
    if (!this.finished) {
      return Result.fail(
        new TransportError({
          provider: this.ctx.provider,
          status: 200,
          kind: "reset",
          message: "Stream ended before message_delta stop_reason",
        }),
      )
    }
    return this.close()
  }

  private close(): Result.Result<Array<JsonObject>, ProviderError> {
    if (!this.finished) return this.malformed("message_stop before a stop_reason")
    this.closed = true
    return Result.succeed([usageChunk(this.requireMeta(), this.usage)])
  }

  private blockStart(event: Json): Result.Result<Array<JsonObject>, ProviderError> {
    const block = isObject(event.content_block) ? event.content_block : {}
    const blockIndex = typeof event.index === "number" ? event.index : -1
    if (block.type === "text" && typeof block.text === "string" && block.text !== "") {
      return this.emit({ content: block.text })
    }
    if (block.type === "thinking" && typeof block.thinking === "string" && block.thinking !== "") {
      return this.emit({ reasoning_content: block.thinking })
    }
    if (block.type === "tool_use" && this.structuredTool !== undefined && block.name === this.structuredTool) {
      this.structured.set(blockIndex, { index: 0, sentArguments: false })
      return Result.succeed([])
    }
    if (block.type === "tool_use") {
      if (typeof block.id !== "string" || typeof block.name !== "string") return this.malformed("tool_use without id")
      const index = this.toolCount++
      this.tools.set(blockIndex, { index, sentArguments: false })
      return this.emit({
        tool_calls: [{ index, id: block.id, type: "function", function: { name: block.name, arguments: "" } }],
      })
    }
    return Result.succeed([])
  }

  private blockDelta(event: Json): Result.Result<Array<JsonObject>, ProviderError> {
    const delta = isObject(event.delta) ? event.delta : {}
    switch (delta.type) {
      case "text_delta":
        return typeof delta.text === "string" && delta.text !== ""
          ? this.emit({ content: delta.text })
          : Result.succeed([])
      case "thinking_delta":
        return typeof delta.thinking === "string" && delta.thinking !== ""
          ? this.emit({ reasoning_content: delta.thinking })
          : Result.succeed([])
      case "input_json_delta": {
        const structured = this.structured.get(typeof event.index === "number" ? event.index : -1)
        if (structured !== undefined) {
          if (typeof delta.partial_json !== "string" || delta.partial_json === "") return Result.succeed([])
          structured.sentArguments = true
          return this.emit({ content: delta.partial_json })
        }
        const tool = this.tools.get(typeof event.index === "number" ? event.index : -1)
        if (tool === undefined) return this.malformed("input_json_delta outside a tool_use block")
        if (typeof delta.partial_json !== "string" || delta.partial_json === "") return Result.succeed([])
        tool.sentArguments = true
        return this.emit({ tool_calls: [{ index: tool.index, function: { arguments: delta.partial_json } }] })
      }
      default:
        // signature_delta, citations_delta: nothing to carry in the OpenAI shape.
        return Result.succeed([])
    }
  }

  private blockStop(event: Json): Result.Result<Array<JsonObject>, ProviderError> {
    const structured = this.structured.get(typeof event.index === "number" ? event.index : -1)
    if (structured !== undefined && !structured.sentArguments) {
      structured.sentArguments = true
      return this.emit({ content: "{}" })
    }
    const tool = this.tools.get(typeof event.index === "number" ? event.index : -1)
    if (tool === undefined || tool.sentArguments) return Result.succeed([])
    tool.sentArguments = true
    return this.emit({ tool_calls: [{ index: tool.index, function: { arguments: "{}" } }] })
  }

  private emit(
    delta: JsonObject,
    finish: ReturnType<typeof stopReason> | null = null,
  ): Result.Result<Array<JsonObject>, ProviderError> {
    if (this.meta === undefined) return this.malformed("Content before message_start")
    const withRole = this.started ? delta : { role: "assistant", ...delta }
    this.started = true
    return Result.succeed([deltaChunk(this.meta, 0, withRole, finish)])
  }

  private requireMeta(): CompletionMeta {
    return this.meta ?? { id: this.ctx.fallbackId, created: this.ctx.created, model: this.ctx.model }
  }

  private malformed(message: string): Result.Result<never, MalformedResponse> {
    return Result.fail(new MalformedResponse({ provider: this.ctx.provider, status: 200, message }))
  }
}
