import type { JsonObject } from "@switchyard/core"
import { usageFromOpenAi } from "@switchyard/core"
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toGeminiRequest } from "../../src/google/request.js"
import { fromGeminiResponse } from "../../src/google/response.js"
import { GeminiStreamTranslator } from "../../src/google/stream.js"
import { finishReasons, streamedText, streamedToolCalls, streamedUsage } from "../conformance/openai-shape.js"
import { conversation, nonEmptyText, splitAt, toolArgs, toolName, viaJson } from "./arbitraries.js"

const ctx = { provider: "google", created: 1_700_000_000, fallbackId: "gen-1", model: "gemini-2.5-flash" }

type Item =
  | { role: string; text: string }
  | { role: string; call: { name: string; args: unknown } }
  | { role: string; result: { name: string; response: unknown } }

/** The conversation a Gemini request carries, flattened part by part (an independent reading of the wire). */
const readGemini = (req: JsonObject): { system: Array<string>; items: Array<Item> } => {
  const system = ((req.systemInstruction as { parts?: Array<{ text: string }> } | undefined)?.parts ?? []).map(
    (p) => p.text,
  )
  const items: Array<Item> = []
  for (const c of req.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>) {
    expect(c.parts.length).toBeGreaterThan(0)
    for (const p of c.parts) {
      if ("text" in p) items.push({ role: c.role, text: p.text as string })
      else if ("functionCall" in p)
        items.push({ role: c.role, call: p.functionCall as { name: string; args: unknown } })
      else items.push({ role: c.role, result: p.functionResponse as { name: string; response: unknown } })
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

/** What the OpenAI conversation says, in the same flattened form. */
const expectedOf = (
  messages: ReadonlyArray<Record<string, unknown>>,
): { system: Array<string>; items: Array<Item> } => {
  const system: Array<string> = []
  const items: Array<Item> = []
  const names = new Map<string, string>()
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") system.push(textOf(m.content))
    else if (m.role === "user") {
      const parts = Array.isArray(m.content)
        ? (m.content as Array<{ text: string }>).map((p) => p.text)
        : [m.content as string]
      for (const t of parts) items.push({ role: "user", text: t })
    } else if (m.role === "assistant") {
      const t = textOf(m.content)
      if (t !== "") items.push({ role: "model", text: t })
      for (const c of (m.tool_calls ?? []) as Array<{ id: string; function: { name: string; arguments: string } }>) {
        names.set(c.id, c.function.name)
        items.push({ role: "model", call: { name: c.function.name, args: JSON.parse(c.function.arguments) } })
      }
    } else {
      const content = m.content as string
      let response: unknown = { output: content }
      try {
        const v: unknown = JSON.parse(content)
        if (typeof v === "object" && v !== null && !Array.isArray(v)) response = v
      } catch {}
      items.push({ role: "user", result: { name: names.get(m.tool_call_id as string) ?? "?", response } })
    }
  }
  return { system, items }
}

describe("OpenAI → Gemini request translation (property)", () => {
  it("keeps every message's text, order and role, tool calls with their parsed arguments, and names each result", () => {
    fc.assert(
      fc.property(conversation, (messages) => {
        const out = toGeminiRequest({ model: "m", messages }, "google")
        if (Result.isFailure(out)) throw out.failure
        expect(readGemini(out.success)).toEqual(expectedOf(messages))
      }),
    )
  })
})

const part = fc.oneof(
  nonEmptyText.map((t) => ({ text: t })),
  nonEmptyText.map((t) => ({ text: t, thought: true })),
  fc.record({ name: toolName, args: toolArgs }).map((functionCall) => ({ functionCall })),
)
const finish = fc.constantFrom("STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "OTHER", "MALFORMED_FUNCTION_CALL")
const count = fc.nat({ max: 100_000 })
// the cached tokens are a part of the prompt's (`cachedContentTokenCount` ≤ `promptTokenCount`)
const usageMetadata = fc
  .record({
    promptTokenCount: count,
    candidatesTokenCount: count,
    thoughtsTokenCount: count,
    cachedShare: fc.double({ min: 0, max: 1, noNaN: true }),
    toolUsePromptTokenCount: count,
  })
  .map(({ cachedShare, ...u }) => ({
    ...u,
    cachedContentTokenCount: Math.floor(u.promptTokenCount * cachedShare),
  }))

const expectedFinish = (reason: string, hasCalls: boolean): string =>
  reason === "MAX_TOKENS"
    ? "length"
    : reason === "SAFETY" || reason === "RECITATION"
      ? "content_filter"
      : hasCalls
        ? "tool_calls"
        : "stop"

type Part = { text: string; thought?: boolean } | { functionCall: { name: string; args: Record<string, unknown> } }
const answerText = (parts: ReadonlyArray<Part>, thought: boolean) =>
  parts.map((p) => ("text" in p && (p.thought === true) === thought ? p.text : "")).join("")
const answerCalls = (parts: ReadonlyArray<Part>) =>
  parts.flatMap((p) =>
    "functionCall" in p ? [{ name: p.functionCall.name, arguments: viaJson(p.functionCall.args) }] : [],
  )

describe("Gemini → OpenAI response translation (property)", () => {
  it("chat.completion keeps the text, thoughts, tool calls (parsed arguments) and usage totals", () => {
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), finish, usageMetadata, (parts, reason, usage) => {
        const raw = {
          candidates: [{ content: { role: "model", parts }, finishReason: reason, index: 0 }],
          usageMetadata: usage,
          responseId: "r1",
        }
        const out = fromGeminiResponse(raw, ctx)
        if (Result.isFailure(out)) throw out.failure
        const choice = (out.success.body.choices as Array<JsonObject>)[0] as JsonObject
        const message = choice.message as JsonObject
        const calls = answerCalls(parts)
        const text = answerText(parts, false)
        expect(message.content).toBe(text === "" && calls.length > 0 ? null : text)
        expect(message.reasoning_content ?? "").toBe(answerText(parts, true))
        const got = (message.tool_calls ?? []) as Array<{ id: string; function: { name: string; arguments: string } }>
        expect(got.map((c) => ({ name: c.function.name, arguments: JSON.parse(c.function.arguments) }))).toEqual(calls)
        expect(new Set(got.map((c) => c.id)).size).toBe(got.length)
        expect(choice.finish_reason).toBe(expectedFinish(reason, calls.length > 0))
        const prompt = usage.promptTokenCount + usage.toolUsePromptTokenCount
        const completion = usage.candidatesTokenCount + usage.thoughtsTokenCount
        expect(out.success.usage).toEqual({
          promptTokens: prompt,
          completionTokens: completion,
          cachedTokens: usage.cachedContentTokenCount,
          reasoningTokens: usage.thoughtsTokenCount,
        })
        expect(usageFromOpenAi(out.success.body.usage)).toEqual(out.success.usage)
        expect((out.success.body.usage as JsonObject).total_tokens).toBe(prompt + completion)
      }),
    )
  })

  it("a stream of the same answer cut into any events gives the same text, calls, one finish and the last usage", () => {
    const events = fc
      .tuple(
        fc.array(part, { maxLength: 6 }),
        finish,
        usageMetadata,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
      )
      .map(([parts, reason, usage, textCuts, eventCuts]) => {
        // split every text part into pieces, then group the pieces into events
        const pieces: Array<Part> = parts.flatMap<Part>((p) =>
          "text" in p ? splitAt(p.text, textCuts).map((t) => ({ ...p, text: t })) : [p],
        )
        const bounds = [...new Set(eventCuts.map((c) => c % (pieces.length + 1)))].sort((a, b) => a - b)
        const groups: Array<Array<Part>> = []
        let from = 0
        for (const b of [...bounds, pieces.length]) {
          groups.push(pieces.slice(from, b))
          from = b
        }
        const evs = groups.map((g, i) => ({
          candidates: [
            {
              content: { role: "model", parts: g },
              index: 0,
              ...(i === groups.length - 1 ? { finishReason: reason } : {}),
            },
          ],
          // running usage on every event; the last one is final
          usageMetadata:
            i === groups.length - 1 ? usage : { promptTokenCount: usage.promptTokenCount, candidatesTokenCount: i },
          responseId: "r1",
        }))
        return { parts, reason, usage, evs }
      })
    fc.assert(
      fc.property(events, ({ parts, reason, usage, evs }) => {
        const t = new GeminiStreamTranslator(ctx)
        const chunks: Array<JsonObject> = []
        for (const e of evs) {
          const r = t.push(e)
          if (Result.isFailure(r)) throw r.failure
          chunks.push(...r.success)
        }
        const end = t.end()
        if (Result.isFailure(end)) throw end.failure
        chunks.push(...end.success)
        const calls = answerCalls(parts)
        expect(streamedText(chunks)).toBe(answerText(parts, false))
        expect(streamedToolCalls(chunks).map((c) => ({ name: c.name, arguments: c.arguments }))).toEqual(calls)
        expect(finishReasons(chunks)).toEqual([expectedFinish(reason, calls.length > 0)])
        expect(usageFromOpenAi(streamedUsage(chunks))).toEqual({
          promptTokens: usage.promptTokenCount + usage.toolUsePromptTokenCount,
          completionTokens: usage.candidatesTokenCount + usage.thoughtsTokenCount,
          cachedTokens: usage.cachedContentTokenCount,
          reasoningTokens: usage.thoughtsTokenCount,
        })
        // the role comes once, on the first chunk with a choice
        const roles = chunks.flatMap((c) =>
          (c.choices as Array<{ delta: JsonObject }>).filter((x) => x.delta.role !== undefined),
        )
        expect(roles.length).toBe(1)
        const first = chunks[0]?.choices as Array<{ delta: JsonObject }>
        expect(first[0]?.delta.role).toBe("assistant")
      }),
    )
  })
})
