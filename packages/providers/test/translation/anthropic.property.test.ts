import type { JsonObject } from "@switchyard/core"
import { usageFromOpenAi } from "@switchyard/core"
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toAnthropicRequest } from "../../src/anthropic/request.js"
import { fromAnthropicResponse } from "../../src/anthropic/response.js"
import { AnthropicStreamTranslator } from "../../src/anthropic/stream.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { finishReasons, streamedText, streamedToolCalls, streamedUsage } from "../conformance/openai-shape.js"
import { conversation, nonEmptyText, splitAt, toolArgs, toolName, viaJson } from "./arbitraries.js"

const endpoint = testEndpoint({ provider: "anthropic", providerKind: "anthropic", upstreamModel: "claude-haiku-4-5" })
const ctx = { provider: "anthropic", created: 1_700_000_000, fallbackId: "gen-1", model: "claude-haiku-4-5" }

type Item =
  | { role: string; text: string }
  | { role: string; call: { id: string; name: string; input: unknown } }
  | { role: string; result: { id: string; content: string } }

type Block = Record<string, unknown>

const readAnthropic = (req: JsonObject): { system: Array<string>; items: Array<Item> } => {
  const system = ((req.system ?? []) as Array<{ text: string }>).map((b) => b.text)
  const items: Array<Item> = []
  const messages = req.messages as Array<{ role: string; content: Array<Block> }>
  for (const [i, m] of messages.entries()) {
    expect(m.content.length).toBeGreaterThan(0)
    const onlyResults = (x: { content: Array<Block> } | undefined) =>
      x?.content.every((b) => b.type === "tool_result") === true
    // consecutive tool results travel in one user message
    if (onlyResults(m)) expect(onlyResults(messages[i + 1])).toBe(false)
    for (const b of m.content) {
      if (b.type === "text") items.push({ role: m.role, text: b.text as string })
      else if (b.type === "tool_use")
        items.push({ role: m.role, call: { id: b.id as string, name: b.name as string, input: b.input } })
      else items.push({ role: m.role, result: { id: b.tool_use_id as string, content: b.content as string } })
    }
  }
  return { system, items }
}

const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.map((p: { text: string }) => p.text).join("")
      : ""

const expectedOf = (
  messages: ReadonlyArray<Record<string, unknown>>,
): { system: Array<string>; items: Array<Item> } => {
  const system: Array<string> = []
  const items: Array<Item> = []
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") {
      const t = textOf(m.content)
      if (t !== "") system.push(t)
    } else if (m.role === "user") {
      const parts = Array.isArray(m.content)
        ? (m.content as Array<{ text: string }>).map((p) => p.text)
        : [m.content as string]
      for (const t of parts) items.push({ role: "user", text: t })
    } else if (m.role === "assistant") {
      const t = textOf(m.content)
      if (t !== "") items.push({ role: "assistant", text: t })
      for (const c of (m.tool_calls ?? []) as Array<{ id: string; function: { name: string; arguments: string } }>) {
        items.push({
          role: "assistant",
          call: { id: c.id, name: c.function.name, input: JSON.parse(c.function.arguments) },
        })
      }
    } else items.push({ role: "user", result: { id: m.tool_call_id as string, content: m.content as string } })
  }
  return { system, items }
}

describe("OpenAI → Anthropic request translation (property)", () => {
  it("keeps every message's text, order and role, tool_use ids/names/inputs and tool results; max_tokens is set", () => {
    fc.assert(
      fc.property(conversation, (messages) => {
        const out = toAnthropicRequest({ model: "m", messages }, endpoint, "anthropic", false)
        if (Result.isFailure(out)) throw out.failure
        expect(readAnthropic(out.success)).toEqual(expectedOf(messages))
        // no max_tokens in the request: the model's documented maximum output (claude-haiku-4-5: 64,000)
        expect(out.success.max_tokens).toBe(64_000)
      }),
    )
  })
})

const block = fc.oneof(
  nonEmptyText.map((text) => ({ type: "text", text })),
  nonEmptyText.map((thinking) => ({ type: "thinking", thinking, signature: "sig" })),
  fc.record({ name: toolName, input: toolArgs }).map((t) => ({ type: "tool_use", ...t })),
)
const stopReason = fc.constantFrom("end_turn", "max_tokens", "stop_sequence", "tool_use", "refusal", "pause_turn")
const count = fc.nat({ max: 100_000 })
// cache writes split into 5-minute and 1-hour ones (`cache_creation`), as Anthropic reports them
const usage = fc
  .record({ input_tokens: count, output_tokens: count, write5m: count, write1h: count, cache_read_input_tokens: count })
  .map(({ write5m, write1h, ...u }) => ({
    ...u,
    cache_creation_input_tokens: write5m + write1h,
    cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h },
  }))
const finishOf = (r: string) =>
  ({ max_tokens: "length", tool_use: "tool_calls", refusal: "content_filter" })[r] ?? "stop"

type B = { type: string; text?: string; thinking?: string; name?: string; input?: Record<string, unknown> }
const withIds = (blocks: ReadonlyArray<B>) =>
  blocks.map((b, i) => (b.type === "tool_use" ? { ...b, id: `toolu_${i}` } : b))
const textOfBlocks = (blocks: ReadonlyArray<B>) => blocks.map((b) => (b.type === "text" ? b.text : "")).join("")
const callsOf = (blocks: ReadonlyArray<B>) =>
  blocks.flatMap((b, i) =>
    b.type === "tool_use" ? [{ id: `toolu_${i}`, name: b.name, arguments: viaJson(b.input) }] : [],
  )
const normalized = (u: {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  cache_creation: { ephemeral_1h_input_tokens: number }
}) => ({
  promptTokens: u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens,
  completionTokens: u.output_tokens,
  cachedTokens: u.cache_read_input_tokens,
  reasoningTokens: 0,
  ...(u.cache_creation_input_tokens > 0
    ? {
        cacheWriteTokens: u.cache_creation_input_tokens,
        cacheWrite1hTokens: u.cache_creation.ephemeral_1h_input_tokens,
      }
    : {}),
})

describe("Anthropic → OpenAI response translation (property)", () => {
  it("chat.completion keeps the text, tool calls (id, name, parsed input), stop reason and usage totals", () => {
    fc.assert(
      fc.property(fc.array(block, { maxLength: 6 }), stopReason, usage, (blocks, reason, u) => {
        const raw = {
          id: "msg_1",
          type: "message",
          role: "assistant",
          model: "claude",
          content: withIds(blocks),
          stop_reason: reason,
          usage: u,
        }
        const out = fromAnthropicResponse(raw, ctx)
        if (Result.isFailure(out)) throw out.failure
        const choice = (out.success.body.choices as Array<JsonObject>)[0] as JsonObject
        const message = choice.message as JsonObject
        const calls = callsOf(blocks)
        const text = textOfBlocks(blocks)
        expect(message.content).toBe(text === "" && calls.length > 0 ? null : text)
        const got = (message.tool_calls ?? []) as Array<{ id: string; function: { name: string; arguments: string } }>
        expect(
          got.map((c) => ({ id: c.id, name: c.function.name, arguments: JSON.parse(c.function.arguments) })),
        ).toEqual(calls)
        expect(choice.finish_reason).toBe(finishOf(reason))
        expect(out.success.usage).toEqual(normalized(u))
        expect(usageFromOpenAi(out.success.body.usage)).toEqual(normalized(u))
      }),
    )
  })

  it("the same answer streamed (any delta split, pings anywhere, running usage) gives the same result", () => {
    const streamed = fc
      .tuple(
        fc.array(block, { maxLength: 5 }),
        stopReason,
        usage,
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 4 }),
      )
      .map(([blocks, reason, u, cuts, pings]) => {
        const events: Array<Record<string, unknown>> = [
          { type: "message_start", message: { id: "msg_1", model: "claude", usage: { ...u, output_tokens: 1 } } },
        ]
        for (const [index, b] of withIds(blocks).entries()) {
          if (b.type === "tool_use") {
            events.push({
              type: "content_block_start",
              index,
              content_block: { type: "tool_use", id: (b as { id: string }).id, name: b.name, input: {} },
            })
            for (const piece of splitAt(JSON.stringify(b.input), cuts))
              events.push({
                type: "content_block_delta",
                index,
                delta: { type: "input_json_delta", partial_json: piece },
              })
          } else if (b.type === "text") {
            events.push({ type: "content_block_start", index, content_block: { type: "text", text: "" } })
            for (const piece of splitAt(b.text ?? "", cuts))
              events.push({ type: "content_block_delta", index, delta: { type: "text_delta", text: piece } })
          } else {
            events.push({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "" } })
            for (const piece of splitAt(b.thinking ?? "", cuts))
              events.push({ type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: piece } })
          }
          events.push({ type: "content_block_stop", index })
        }
        // two cumulative message_delta usages would be summed by a wrong translator: send the running total
        events.push({
          type: "message_delta",
          delta: { stop_reason: reason, stop_sequence: null },
          usage: { output_tokens: u.output_tokens },
        })
        events.push({ type: "message_stop" })
        for (const p of pings) events.splice(1 + (p % (events.length - 1)), 0, { type: "ping" })
        return { blocks, reason, u, events }
      })
    fc.assert(
      fc.property(streamed, ({ blocks, reason, u, events }) => {
        const t = new AnthropicStreamTranslator(ctx)
        const chunks: Array<JsonObject> = []
        for (const e of events) {
          const r = t.push(e)
          if (Result.isFailure(r)) throw r.failure
          chunks.push(...r.success)
        }
        const end = t.end()
        if (Result.isFailure(end)) throw end.failure
        chunks.push(...end.success)
        expect(streamedText(chunks)).toBe(textOfBlocks(blocks))
        expect(streamedToolCalls(chunks)).toEqual(callsOf(blocks))
        expect(finishReasons(chunks)).toEqual([finishOf(reason)])
        expect(usageFromOpenAi(streamedUsage(chunks))).toEqual(normalized(u))
      }),
    )
  })
})
