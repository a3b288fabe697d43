import {
  type CapacitySignals,
  emptyUsage,
  type JsonObject,
  MalformedResponse,
  type ProviderError,
  TransportError,
  type Usage,
} from "@switchyard/core"
import * as Result from "effect/Result"
import { redactGeneric } from "../errors/redact.js"
import { type CompletionMeta, deltaChunk, type OpenAiToolCall, usageChunk } from "../translation/openai-shape.js"
import { classifyGoogleStreamError } from "./error.js"
import { finishReason } from "./finish-reason.js"
import { PartialArgsWriter } from "./partial-args.js"
import { blockedPrompt, completionMeta, type TranslateContext, toolCallFrom } from "./response.js"
import { geminiUsage, hasTokenCounts, trafficType } from "./usage.js"

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

interface PendingCall {
  readonly index: number
  readonly args: PartialArgsWriter
}

interface CandidateState {
  started: boolean
  finished: boolean
  toolCalls: number
  pending: PendingCall | undefined
}

/**
 * Translates a `streamGenerateContent?alt=sse` stream (each event a full GenerateContentResponse,
 * no `[DONE]`) into OpenAI `chat.completion.chunk`s:
 * - the first chunk of each choice carries `role: "assistant"` together with the first content
 *   (no empty lifecycle chunk is emitted before real content);
 * - function calls become `tool_calls` deltas with a running `index` per choice; Vertex streamed
 *   arguments (`partialArgs`) go out as argument fragments as they arrive (`PartialArgsWriter`), the
 *   closing text when the call completes;
 * - `finishReason` → a finish chunk; the latest `usageMetadata` with token counts → a closing
 *   `choices: []` usage chunk when the stream ends.
 * A stream that ends before any finishReason fails with `TransportError{kind:"reset"}`.
 */
export class GeminiStreamTranslator {
  private meta: CompletionMeta | undefined
  private readonly candidates = new Map<number, CandidateState>()
  private usage: Usage = emptyUsage
  private callCounter = 0
  /** Which pool served (Vertex `usageMetadata.trafficType`), once an event said so. */
  traffic: CapacitySignals["trafficType"]
  /** The upstream `responseId`, once the first event arrived. */
  responseId: string | undefined

  constructor(private readonly ctx: TranslateContext) {}

  push(event: unknown): Result.Result<Array<JsonObject>, ProviderError> {
    const error = classifyGoogleStreamError(this.ctx.provider, event, this.ctx.redact ?? redactGeneric)
    if (error) return Result.fail(error)
    if (!isObject(event)) return this.malformed("Stream event is not a JSON object")
    const blocked = blockedPrompt(event, this.ctx.provider, 200)
    if (blocked) return Result.fail(blocked)
    if (this.meta === undefined) {
      this.meta = completionMeta(event, this.ctx)
      if (typeof event.responseId === "string") this.responseId = event.responseId
    }
    const meta = this.meta
    if (hasTokenCounts(event.usageMetadata)) this.usage = geminiUsage(event.usageMetadata)
    this.traffic = trafficType(event.usageMetadata) ?? this.traffic
    const out: Array<JsonObject> = []
    const candidates = Array.isArray(event.candidates) ? event.candidates : []
    for (const [position, candidate] of candidates.entries()) {
      if (!isObject(candidate)) return this.malformed("Candidate is not an object")
      const index = typeof candidate.index === "number" ? candidate.index : position
      const state = this.state(index)
      const delta: Record<string, unknown> = {}
      let text = ""
      let reasoning = ""
      const toolCalls: Array<JsonObject> = []
      const parts = isObject(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : []
      for (const part of parts) {
        if (!isObject(part)) continue
        if (typeof part.text === "string") {
          if (part.thought === true) reasoning += part.text
          else text += part.text
        }
        if (isObject(part.functionCall)) {
          const handled = this.functionCall(state, part, toolCalls)
          if (Result.isFailure(handled)) return Result.fail(handled.failure)
        }
      }
      if (text !== "") delta.content = text
      if (reasoning !== "") delta.reasoning_content = reasoning
      if (toolCalls.length > 0) delta.tool_calls = toolCalls
      if (Object.keys(delta).length > 0) out.push(deltaChunk(meta, index, this.withRole(state, delta)))
      if (candidate.finishReason !== undefined && candidate.finishReason !== null && !state.finished) {
        const flushed = this.flushPending(state)
        if (flushed) out.push(deltaChunk(meta, index, this.withRole(state, { tool_calls: [flushed] })))
        state.finished = true
        out.push(
          deltaChunk(meta, index, this.withRole(state, {}), finishReason(candidate.finishReason, state.toolCalls > 0)),
        )
      }
    }
    return Result.succeed(out)
  }

  /** The upstream body ended: the closing usage chunk, or a reset error if no choice finished. */
  end(): Result.Result<Array<JsonObject>, ProviderError> {
    const finished = [...this.candidates.values()].some((c) => c.finished)
    if (!finished || this.meta === undefined) {
      return Result.fail(
        new TransportError({
          provider: this.ctx.provider,
          status: 200,
          kind: "reset",
          message: "Stream ended before a finishReason",
        }),
      )
    }
    return Result.succeed([usageChunk(this.meta, this.usage)])
  }

  private state(index: number): CandidateState {
    let state = this.candidates.get(index)
    if (state === undefined) {
      state = { started: false, finished: false, toolCalls: 0, pending: undefined }
      this.candidates.set(index, state)
    }
    return state
  }

  private withRole(state: CandidateState, delta: Record<string, unknown>): JsonObject {
    if (state.started) return delta
    state.started = true
    return { role: "assistant", ...delta }
  }

  private nextId(): string {
    return `call_${(this.meta?.id ?? "").slice("chatcmpl-".length)}_${this.callCounter++}`
  }

  private functionCall(
    state: CandidateState,
    part: Json,
    out: Array<JsonObject>,
  ): Result.Result<void, MalformedResponse> {
    const call = part.functionCall as Json
    const streaming = call.willContinue === true
    if (typeof call.name === "string" && (streaming || Array.isArray(call.partialArgs))) {
      // Start of a call whose arguments follow in pieces (Vertex streamFunctionCallArguments).
      const flushed = this.flushPending(state)
      if (flushed) out.push(flushed)
      const index = state.toolCalls++
      const header = toolCallFrom({ ...part, functionCall: { name: call.name } }, this.nextId()) as OpenAiToolCall
      out.push({ index, ...header, function: { name: call.name, arguments: "" } })
      state.pending = { index, args: new PartialArgsWriter() }
    } else if (typeof call.name === "string") {
      const flushed = this.flushPending(state)
      if (flushed) out.push(flushed)
      const full = toolCallFrom(part, this.nextId()) as OpenAiToolCall
      out.push({ index: state.toolCalls++, ...full })
      return Result.succeed(undefined)
    }
    if (Array.isArray(call.partialArgs)) {
      const pending = state.pending
      if (pending === undefined) return this.malformed("partialArgs without a function call in progress")
      // each piece goes to the client as it arrives (an argument fragment of the call's index)
      let piece = ""
      for (const entry of call.partialArgs) {
        const written = pending.args.apply(entry)
        if (written === undefined)
          return this.malformed("partialArgs entry that is unreadable or out of document order")
        piece += written
      }
      if (piece !== "") out.push({ index: pending.index, function: { arguments: piece } })
    }
    if (!streaming) {
      const flushed = this.flushPending(state)
      if (flushed) out.push(flushed)
    }
    return Result.succeed(undefined)
  }

  private flushPending(state: CandidateState): JsonObject | undefined {
    const pending = state.pending
    if (pending === undefined) return undefined
    state.pending = undefined
    return { index: pending.index, function: { arguments: pending.args.finish() } }
  }

  private malformed(message: string): Result.Result<never, MalformedResponse> {
    return Result.fail(new MalformedResponse({ provider: this.ctx.provider, status: 200, message }))
  }
}
