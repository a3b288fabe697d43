import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { encodeCommand } from "../src/resp.js"

// The wire form of a command, spelled out: what Redis parses (RESP2 bulk strings, lengths in UTF-8 bytes).
const reference = (head: string, args: ReadonlyArray<string>): Buffer =>
  Buffer.from(head + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(""), "utf8")

describe("encodeCommand", () => {
  it("writes every argument as a RESP bulk string, in UTF-8, whatever its characters and length", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.string({ unit: "grapheme" }),
            fc.string({ unit: "binary", maxLength: 40 }),
            fc.string({ minLength: 5_000, maxLength: 20_000 }),
          ),
          { maxLength: 12 },
        ),
        (args) => {
          const head = `*${args.length + 1}\r\n$5\r\nFCALL\r\n`
          expect(encodeCommand(head, args).equals(reference(head, args))).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })

  it("returns a buffer of its own: a later encoding does not change an earlier one", () => {
    const first = encodeCommand("*2\r\n", ["a", "é"])
    const copy = Buffer.from(first)
    encodeCommand("*2\r\n", ["zzzz", "y".repeat(50_000)])
    expect(first.equals(copy)).toBe(true)
  })
})
