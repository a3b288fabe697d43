import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { passedThroughMembers } from "../../src/provider/passed-through-members.js"

const SKIP: ReadonlySet<string> = new Set(["model", "stream", "stream_options"])

/** `body` with the keys in `drop` removed, as the router hands it to a plugin (a copy; values shared). */
const without = (body: Record<string, unknown>, drop: ReadonlyArray<string>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(body))
    if (!drop.includes(key)) Object.defineProperty(out, key, { value: body[key], enumerable: true, writable: true })
  return out
}

/** `body` without the skipped keys: what `{${members}}` must parse to. */
const expected = (body: Record<string, unknown>): Record<string, unknown> => without(body, [...SKIP])

// JSON values as a chat body holds them: strings with quotes, backslashes and escapes, nested objects and arrays
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string({ unit: "grapheme" }),
    fc.constantFrom('say "hi"', "C:\\path\\", "tab\there", "\\", '\\"', "}]{[", "", "é😀"),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  ),
  node: fc.oneof({ depthSize: "small" }, tie("leaf"), tie("arr"), tie("obj")),
  arr: fc.array(tie("node"), { maxLength: 4 }),
  obj: fc.dictionary(fc.string({ maxLength: 6 }), tie("node"), { maxKeys: 4 }),
})).node

const key = fc.oneof(
  fc.constantFrom("model", "messages", "stream", "stream_options", "provider", "models", "temperature", "tools"),
  // keys JSON writes without an escape (a key written with one is declined: see above)
  fc.string({ maxLength: 8 }).filter((k) => JSON.stringify(k) === `"${k}"`),
)

/** The same JSON text with white space where JSON allows it (an indented text, spaces around `:` and `,`). */
const spaced = (text: string, indent: number): string =>
  indent === 0 ? text : JSON.stringify(JSON.parse(text), null, indent).replace(/":/g, '" :')

describe("passedThroughMembers", () => {
  it("copies the members the body still has, as the client wrote them, in the text's order", () => {
    const text = '{"model":"a/b","messages":[{"role":"user","content":"\\u00e9 \\"x\\""}],"temperature":1.0,"n":1e0}'
    const body = JSON.parse(text) as Record<string, unknown>
    expect(passedThroughMembers(text, body, SKIP)).toBe(
      '"messages":[{"role":"user","content":"\\u00e9 \\"x\\""}],"temperature":1.0,"n":1e0',
    )
  })

  it("leaves out the members the router took out of the body (routing-only fields)", () => {
    const text = '{ "provider" : {"order":["x"]}, "messages" : [ ], "session_id":"s", "top_p": 0.5 }'
    const body = without(JSON.parse(text) as Record<string, unknown>, ["provider", "session_id"])
    expect(passedThroughMembers(text, body, SKIP)).toBe('"messages" : [ ],"top_p": 0.5')
  })

  it("gives an empty list when the body has nothing to pass on", () => {
    expect(passedThroughMembers('{"model":"m","stream":true}', { model: "m", stream: true }, SKIP)).toBe("")
    expect(passedThroughMembers(" { } ", {}, SKIP)).toBe("")
  })

  it("declines text that does not account for the body's keys exactly once", () => {
    // a repeated key (JSON.parse keeps the last; the text has both)
    expect(passedThroughMembers('{"a":1,"a":2}', { a: 2 }, SKIP)).toBeUndefined()
    // a key added to the body after parsing
    expect(passedThroughMembers('{"a":1}', { a: 1, b: 2 }, SKIP)).toBeUndefined()
    // a key written with an escape: its name is not its text
    expect(passedThroughMembers('{"mod\\u0065l":"x","a":1}', { model: "x", a: 1 }, SKIP)).toBeUndefined()
    // no object at the top
    expect(passedThroughMembers("[1]", {}, SKIP)).toBeUndefined()
    expect(passedThroughMembers("", {}, SKIP)).toBeUndefined()
  })

  it("keeps a `__proto__` member as data", () => {
    const text = '{"__proto__":{"x":1},"a":2}'
    const body = JSON.parse(text) as Record<string, unknown>
    const members = passedThroughMembers(text, body, SKIP)
    expect(members).toBe('"__proto__":{"x":1},"a":2')
    expect(Object.getPrototypeOf(JSON.parse(`{${members}}`))).toBe(Object.prototype)
  })

  it("answers every text, valid JSON or not, without hanging or throwing", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'{}[]",:\\ a1'.split("")), maxLength: 60 }), (text) => {
        const r = passedThroughMembers(text, {}, SKIP)
        expect(r === undefined || typeof r === "string").toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it("for any body, `{members}` parses to the body without the skipped keys, in the same order", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 8 }),
        fc.subarray(["provider", "models", "temperature", "messages"]),
        fc.constantFrom(0, 1, 2),
        (entries, removed, indent) => {
          const parsed: Record<string, unknown> = {}
          for (const [k, v] of entries) Object.defineProperty(parsed, k, { value: v, enumerable: true, writable: true })
          const text = spaced(JSON.stringify(parsed), indent)
          const body = without(JSON.parse(text) as Record<string, unknown>, removed)
          const members = passedThroughMembers(text, body, SKIP)
          expect(members).toBeDefined()
          const back = JSON.parse(`{${members}}`) as Record<string, unknown>
          expect(back).toEqual(expected(body))
          // the text's order is the order the object path writes (no array-index keys among the generated ones first)
          const order = Object.keys(expected(body))
          if (!order.some((k) => /^\d+$/.test(k))) expect(Object.keys(back)).toEqual(order)
        },
      ),
      { numRuns: 500 },
    )
  })
})
