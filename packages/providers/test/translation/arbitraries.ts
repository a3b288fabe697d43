/** fast-check generators for OpenAI conversations and provider answers (translation property tests). */
import fc from "fast-check"

export const toolName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,15}$/)

/** Tool arguments: a JSON object (what both providers require), any JSON values inside. */
export const toolArgs: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.constantFrom("city", "unit", "days", "query", "tags", "nested", "n"),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 4 },
)

export const text = fc.string({ maxLength: 40 })
export const nonEmptyText = fc.string({ minLength: 1, maxLength: 40 })

export interface ToolCallSpec {
  readonly name: string
  readonly args: Record<string, unknown>
}

export type Turn =
  | { readonly kind: "system"; readonly role: "system" | "developer"; readonly text: string }
  | { readonly kind: "user"; readonly texts: ReadonlyArray<string>; readonly asParts: boolean }
  | {
      readonly kind: "assistant"
      readonly text: string
      readonly calls: ReadonlyArray<ToolCallSpec>
      /** Results are sent back in this order (a permutation of the calls), as strings. */
      readonly results: ReadonlyArray<{ readonly index: number; readonly content: string }>
    }

const toolResult = fc.oneof(
  text,
  toolArgs.map((o) => JSON.stringify(o)),
)

const assistantTurn: fc.Arbitrary<Turn> = fc
  .tuple(text, fc.array(fc.record({ name: toolName, args: toolArgs }), { maxLength: 3 }))
  .chain(([t, calls]) =>
    fc
      .tuple(
        fc.shuffledSubarray(
          calls.map((_, i) => i),
          { minLength: calls.length, maxLength: calls.length },
        ),
        fc.array(toolResult, { minLength: calls.length, maxLength: calls.length }),
      )
      .map(([order, contents]) => ({
        kind: "assistant" as const,
        text: t,
        calls,
        results: order.map((index, k) => ({ index, content: contents[k] ?? "" })),
      })),
  )

export const turn: fc.Arbitrary<Turn> = fc.oneof(
  fc.record({
    kind: fc.constant("system" as const),
    role: fc.constantFrom("system" as const, "developer" as const),
    text,
  }),
  fc.record({
    kind: fc.constant("user" as const),
    texts: fc.array(text, { minLength: 1, maxLength: 3 }),
    asParts: fc.boolean(),
  }),
  assistantTurn,
)

/** Turns → OpenAI messages (tool messages follow the assistant turn that called them; ids unique). */
export const toMessages = (turns: ReadonlyArray<Turn>): Array<Record<string, unknown>> => {
  const out: Array<Record<string, unknown>> = []
  let id = 0
  for (const t of turns) {
    if (t.kind === "system") out.push({ role: t.role, content: t.text })
    else if (t.kind === "user")
      out.push({
        role: "user",
        content: t.asParts ? t.texts.map((x) => ({ type: "text", text: x })) : t.texts.join(""),
      })
    else {
      const ids = t.calls.map(() => `call_${id++}`)
      out.push({
        role: "assistant",
        content: t.calls.length > 0 && t.text === "" ? null : t.text,
        ...(t.calls.length > 0
          ? {
              tool_calls: t.calls.map((c, i) => ({
                id: ids[i],
                type: "function",
                function: { name: c.name, arguments: JSON.stringify(c.args) },
              })),
            }
          : {}),
      })
      for (const r of t.results) out.push({ role: "tool", tool_call_id: ids[r.index], content: r.content })
    }
  }
  return out
}

export const conversation = fc.array(turn, { minLength: 1, maxLength: 8 }).map(toMessages)

/** Cut a string at the given positions (sorted, clamped) into consecutive pieces. */
export const splitAt = (s: string, cuts: ReadonlyArray<number>): Array<string> => {
  const points = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((a, b) => a - b)
  const out: Array<string> = []
  let from = 0
  for (const p of points) {
    out.push(s.slice(from, p))
    from = p
  }
  out.push(s.slice(from))
  return out.filter((p) => p !== "")
}

/** Parse JSON the way the wire would carry it (so -0 / key order cannot differ between sides). */
export const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v))
