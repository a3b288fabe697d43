/** Reading OpenAI-shaped results and chunks in tests (what every plugin must produce). */
import type { JsonObject } from "@switchyard/core"

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)
const arr = (u: unknown): ReadonlyArray<unknown> => (Array.isArray(u) ? u : [])

export const firstChoice = (body: JsonObject): JsonObject => {
  const c = arr(body.choices)[0]
  if (!isObj(c)) throw new Error(`no choices[0] in ${JSON.stringify(body).slice(0, 300)}`)
  return c
}

export const messageOf = (body: JsonObject): JsonObject => {
  const m = firstChoice(body).message
  if (!isObj(m)) throw new Error("choices[0].message missing")
  return m
}

export interface ToolCallValue {
  readonly id: string | undefined
  readonly name: string
  readonly arguments: unknown
}

const parseArgs = (s: unknown): unknown => {
  if (typeof s !== "string") return s
  return s === "" ? {} : JSON.parse(s)
}

export const toolCallsOf = (body: JsonObject): ReadonlyArray<ToolCallValue> =>
  arr(messageOf(body).tool_calls)
    .filter(isObj)
    .map((tc) => {
      const fn = isObj(tc.function) ? tc.function : {}
      return {
        id: typeof tc.id === "string" ? tc.id : undefined,
        name: String(fn.name),
        arguments: parseArgs(fn.arguments),
      }
    })

const deltas = (chunks: ReadonlyArray<JsonObject>): ReadonlyArray<JsonObject> =>
  chunks.flatMap((c) => arr(c.choices).filter(isObj))

export const streamedText = (chunks: ReadonlyArray<JsonObject>): string =>
  deltas(chunks)
    .map((c) => (isObj(c.delta) && typeof c.delta.content === "string" ? c.delta.content : ""))
    .join("")

export const finishReasons = (chunks: ReadonlyArray<JsonObject>): ReadonlyArray<string> =>
  deltas(chunks)
    .map((c) => c.finish_reason)
    .filter((f): f is string => typeof f === "string")

/** The last non-null `usage` on any chunk. */
export const streamedUsage = (chunks: ReadonlyArray<JsonObject>): unknown =>
  chunks
    .map((c) => c.usage)
    .filter((u) => isObj(u))
    .at(-1)

/** Accumulate streamed tool-call deltas by index (id and name from the first delta, arguments concatenated). */
export const streamedToolCalls = (chunks: ReadonlyArray<JsonObject>): ReadonlyArray<ToolCallValue> => {
  const byIndex = new Map<number, { id: string | undefined; name: string; args: string }>()
  for (const c of deltas(chunks)) {
    const d = isObj(c.delta) ? c.delta : {}
    for (const tc of arr(d.tool_calls).filter(isObj)) {
      const index = typeof tc.index === "number" ? tc.index : 0
      const fn = isObj(tc.function) ? tc.function : {}
      const cur = byIndex.get(index) ?? { id: undefined, name: "", args: "" }
      byIndex.set(index, {
        id: cur.id ?? (typeof tc.id === "string" ? tc.id : undefined),
        name: cur.name || (typeof fn.name === "string" ? fn.name : ""),
        args: cur.args + (typeof fn.arguments === "string" ? fn.arguments : ""),
      })
    }
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, v]) => ({ id: v.id, name: v.name, arguments: parseArgs(v.args) }))
}
