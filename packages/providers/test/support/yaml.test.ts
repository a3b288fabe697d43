import { describe, expect, it } from "vitest"
import { readCassette } from "./fixtures.js"
import { parseYaml } from "./yaml.js"

describe("parseYaml (cassette reader used by the provider tests)", () => {
  it("reads a raw double-quoted body byte-exact: its length equals the recorded content-length", () => {
    const r = readCassette("openai/openai-chat-error-401-invalid-api-key.cassette.yaml")[0]!.response
    expect(Buffer.byteLength(r.body)).toBe(Number(r.headers["content-length"]))
    expect(JSON.parse(r.body).error.code).toBe("invalid_api_key")
  })

  it("reads a single-quoted body folded over lines, with '' escapes, byte-exact", () => {
    const r = readCassette("azure/azure-chat-text-2023.cassette.yaml")[0]!.response
    expect(Buffer.byteLength(r.body)).toBe(Number(r.headers["content-length"]))
    expect(JSON.parse(r.body).choices[0].message.content).toContain("I'm sorry")
  })

  it("reads parsed_body maps, indentless sequences and quoted scalars", () => {
    const [first] = readCassette("openai/openai-chat-tool-call.cassette.yaml")
    expect(first?.request.headers["content-length"]).toBe("561")
    expect(JSON.parse(first?.response.body ?? "").choices[0].message.tool_calls[0].function.arguments).toBe("{}")
  })

  it("handles block scalars, folding and escapes", () => {
    expect(
      parseYaml(
        [
          "a: |",
          "  line 1",
          "  line 2",
          "b: |-",
          "  kept",
          "c: >",
          "  folded",
          "  text",
          'd: "x\\ty \\',
          '  z"',
          "e: 'it''s'",
          "f:",
          "- 1",
          "- k: v",
          "  n: 2.5",
          "g: {}",
          "h: null",
          "...",
          "ignored: true",
        ].join("\n"),
      ),
    ).toEqual({
      a: "line 1\nline 2\n",
      b: "kept",
      c: "folded text\n",
      d: "x\ty z",
      e: "it's",
      f: [1, { k: "v", n: 2.5 }],
      g: {},
      h: null,
    })
  })
})
