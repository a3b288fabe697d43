import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { streamBody } from "../../src/router/chunks.js"

describe("streamBody", () => {
  it("is the body with stream: true and usage requested, keys in the spread's order, the body untouched", () => {
    const options = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.constant("yes"),
      fc.constant([1]),
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
    )
    const body = fc
      .tuple(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }), options, fc.boolean())
      .map(([rest, stream_options, streamFirst]) => {
        const b: Record<string, unknown> = streamFirst ? { stream: false, ...rest } : { ...rest }
        if (stream_options !== undefined) b.stream_options = stream_options
        return b
      })
    fc.assert(
      fc.property(body, (b) => {
        const before = JSON.stringify(b)
        const o = b.stream_options
        const base = o !== null && typeof o === "object" && !Array.isArray(o) ? o : {}
        const spread = { ...b, stream: true, stream_options: { ...base, include_usage: true } }
        const built = streamBody(b)
        expect(JSON.stringify(built)).toBe(JSON.stringify(spread))
        expect(Object.keys(built)).toEqual(Object.keys(spread))
        expect(JSON.stringify(b)).toBe(before)
      }),
      { numRuns: 500 },
    )
  })
})
