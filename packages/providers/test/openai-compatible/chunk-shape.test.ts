import type { JsonObject } from "@switchyard/core"
import { describe, expect, it } from "vitest"
import { ChunkShape } from "../../src/openai-compatible/chunk-shape.js"

const run = (chunks: ReadonlyArray<JsonObject>): Array<JsonObject> => {
  const shape = new ChunkShape()
  const out: Array<JsonObject> = []
  for (const c of chunks) shape.push(structuredClone(c), out)
  shape.flush(out)
  return out
}
const deltas = (out: ReadonlyArray<JsonObject>) =>
  out.flatMap((c) => (c.choices as Array<{ delta?: JsonObject }>).map((ch) => ch.delta))

describe("ChunkShape: the OpenAI chunk shape on the pass-through path", () => {
  it("a chunk that already has every field is passed on as the same object, untouched", () => {
    const chunk = {
      id: "c1",
      object: "chat.completion.chunk",
      created: 7,
      choices: [{ index: 0, delta: { role: "assistant", content: "Hi" } }],
    }
    const shape = new ChunkShape()
    const out: Array<JsonObject> = []
    const before = JSON.stringify(chunk)
    shape.push(chunk, out)
    expect(out[0]).toBe(chunk)
    expect(JSON.stringify(out[0])).toBe(before)
  })

  it("adds the role to the first delta of each choice only", () => {
    const out = run([
      {
        id: "c",
        created: 1,
        choices: [
          { index: 0, delta: { content: "a" } },
          { index: 1, delta: { content: "b" } },
        ],
      },
      { id: "c", created: 1, choices: [{ index: 0, delta: { content: "c" } }] },
    ])
    expect(deltas(out)).toEqual([
      { content: "a", role: "assistant" },
      { content: "b", role: "assistant" },
      { content: "c" },
    ])
  })

  it("Mistral-style tool calls without index/type get a dense index and type; continuations keep theirs", () => {
    const out = run([
      { id: "m", created: 1, choices: [{ index: 0, delta: { role: "assistant", content: "" } }] },
      {
        id: "m",
        created: 1,
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                { id: "a1", function: { name: "f", arguments: "{}" } },
                { id: "b2", function: { name: "g", arguments: '{"x"' } },
              ],
            },
          },
        ],
      },
      { id: "m", created: 1, choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: ":1}" } }] } }] },
    ])
    expect(deltas(out)[1]).toEqual({
      tool_calls: [
        { id: "a1", type: "function", index: 0, function: { name: "f", arguments: "{}" } },
        { id: "b2", type: "function", index: 1, function: { name: "g", arguments: '{"x"' } },
      ],
    })
    expect(deltas(out)[2]).toEqual({ tool_calls: [{ index: 1, function: { arguments: ":1}" } }] })
  })

  it("a tool-call index that starts at 1 becomes 0 (no hole in the client's array)", () => {
    const out = run([
      { id: "g", choices: [{ index: 0, delta: { role: "assistant" } }] },
      {
        id: "g",
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 1, id: "t", type: "function", function: { name: "r", arguments: "" } }] },
          },
        ],
      },
      { id: "g", choices: [{ index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: "{}" } }] } }] },
    ])
    expect(
      deltas(out)
        .slice(1)
        .map((d) => (d?.tool_calls as Array<{ index: number }> | undefined)?.[0]?.index),
    ).toEqual([0, 0])
  })

  it("Azure's id-less prompt-filter chunk waits for the stream's id and created; later ids and created agree", () => {
    const out = run([
      { choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: [] },
      { id: "chatcmpl-1", created: 100, choices: [{ index: 0, delta: { role: "assistant", content: "" } }] },
      { id: "chatcmpl-1", created: 101, choices: [{ index: 0, delta: { content: "x" } }] },
    ])
    expect(out.map((c) => [c.id, c.created, c.object])).toEqual([
      ["chatcmpl-1", 100, "chat.completion.chunk"],
      ["chatcmpl-1", 100, "chat.completion.chunk"],
      ["chatcmpl-1", 100, "chat.completion.chunk"],
    ])
  })
})
