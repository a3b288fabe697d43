import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { canonicalMembers, type Members, memberIs, memberKey } from "../../src/provider/canonical-json.js"

const spans = (text: string, members: Members) =>
  Array.from({ length: members.length / 3 }, (_, m) => ({
    key: memberKey(text, members, m),
    value: text.slice(members[m * 3 + 1], members[m * 3 + 2]),
  }))

/** What accepting `text` promises: it is valid JSON, re-serialising it changes no byte, and the members are its keys. */
const holdsPromise = (text: string): void => {
  const members = canonicalMembers(text)
  if (members === undefined) return
  const parsed = JSON.parse(text) as Record<string, unknown>
  expect(JSON.stringify(parsed)).toBe(text)
  const found = spans(text, members)
  expect(found.map((m) => m.key)).toEqual(Object.keys(parsed))
  for (const [m, { key, value }] of found.entries()) {
    expect(JSON.parse(value)).toEqual(parsed[key])
    expect(memberIs(text, members, m, key)).toBe(true)
    expect(memberIs(text, members, m, `${key}x`)).toBe(false)
  }
}

// characters that make up JSON and the cases the recogniser must tell apart
const jsonish = fc.constantFrom(
  ...'{}[],:"\\ \n\t0123456789-+.eEabfnrtu_lsx/é\u0001\u001f\ud83d\ude00\ud800'.split(""),
  '"a"',
  '"__proto__"',
  '"0"',
  "true",
  "false",
  "null",
  "\\u0001",
  "\\u001F",
  "\\u0041",
  "\\ud800",
  "-0",
  "1.0",
  "1e5",
  "1E+21",
  "0.1",
  "123456789012345678",
)

describe("canonicalMembers", () => {
  it("accepts only text that JSON.stringify(JSON.parse(text)) gives back unchanged, with its top-level keys in order", () => {
    let accepted = 0
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        holdsPromise(JSON.stringify(value))
        holdsPromise(JSON.stringify({ k: value }))
        holdsPromise(JSON.stringify({ k: value }, null, 1))
        if (canonicalMembers(JSON.stringify({ k: value })) !== undefined) accepted++
      }),
      { numRuns: 500 },
    )
    // what JSON.stringify wrote is accepted unless it holds a key the recogniser turns down
    expect(accepted).toBeGreaterThan(250)
    fc.assert(
      fc.property(fc.array(jsonish, { maxLength: 40 }), (parts) => {
        holdsPromise(`{"k":${parts.join("")}}`)
        holdsPromise(`{${parts.join("")}}`)
      }),
      { numRuns: 3000 },
    )
  })

  it("accepts a compact completion and reports where each member's value lies", () => {
    const text =
      '{"id":"c1","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi \\"you\\"\\n\\u0001 😀"}}],"usage":{"prompt_tokens":12,"cost":0.5,"e":1e+21},"x":[],"y":{},"z":null,"w":-1.5}'
    const members = canonicalMembers(text)
    expect(members && spans(text, members).map((m) => [m.key, m.value])).toEqual([
      ["id", '"c1"'],
      ["model", '"m"'],
      ["choices", '[{"index":0,"message":{"role":"assistant","content":"Hi \\"you\\"\\n\\u0001 😀"}}]'],
      ["usage", '{"prompt_tokens":12,"cost":0.5,"e":1e+21}'],
      ["x", "[]"],
      ["y", "{}"],
      ["z", "null"],
      ["w", "-1.5"],
    ])
  })

  it("accepts the same key in different objects", () => {
    const text = '{"a":{"a":1,"b":{"a":2}},"b":[{"a":3},{"a":4}],"c":{}}'
    expect(canonicalMembers(text)?.length).toBe(9)
  })

  it.each([
    ["whitespace", '{"a": 1}'],
    ["pretty-printed", '{\n  "a": 1\n}'],
    ["a number not in its shortest form", '{"a":1.0}'],
    ["an exponent JSON.stringify would not write", '{"a":1E5}'],
    ["negative zero", '{"a":-0}'],
    ["an integer beyond double precision", '{"a":12345678901234567890}'],
    ["a repeated key", '{"a":1,"a":2}'],
    ["a repeated key in a nested object", '{"b":{"a":1,"a":2}}'],
    ["an array-index key (V8 orders those first)", '{"b":1,"0":2}'],
    ["a __proto__ key", '{"__proto__":{}}'],
    ["an escaped key", '{"\\u0061":1}'],
    ["an escape JSON.stringify would not write", '{"a":"\\u0041"}'],
    ["an escaped slash", '{"a":"\\/"}'],
    ["upper-case hex", '{"a":"\\u001F"}'],
    ["an escaped lone surrogate", '{"a":"\\ud800"}'],
    ["a raw lone surrogate", '{"a":"\ud800"}'],
    ["a raw control character", '{"a":"\u0001"}'],
    ["an array at the top", "[1]"],
    ["a trailing comma", '{"a":1,}'],
    ["an unclosed object", '{"a":1'],
    ["text after the object", '{"a":1}x'],
    ["a bare word", '{"a":nul}'],
    ["nesting deeper than 64 levels", `{"a":${"[".repeat(64)}${"]".repeat(64)}}`],
  ])("refuses %s", (_why, text) => {
    expect(canonicalMembers(text)).toBeUndefined()
  })
})
