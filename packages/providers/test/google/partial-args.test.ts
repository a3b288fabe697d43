import { describe, expect, it } from "vitest"
import { PartialArgsWriter, parseJsonPath } from "../../src/google/partial-args.js"

describe("Vertex streamed function-call arguments", () => {
  it("parses the JSON paths Vertex sends", () => {
    expect(parseJsonPath("$.location")).toEqual(["location"])
    expect(parseJsonPath("$.trip.stops[2].name")).toEqual(["trip", "stops", 2, "name"])
    expect(parseJsonPath("$['first name']")).toEqual(["first name"])
    expect(parseJsonPath("location")).toBeUndefined()
    expect(parseJsonPath("$.a[")).toBeUndefined()
  })

  it("writes the arguments' JSON text piece by piece, in document order; the pieces concatenate to the arguments", () => {
    const w = new PartialArgsWriter()
    const pieces = [
      w.apply({ jsonPath: "$.location", stringValue: "San ", willContinue: true }),
      w.apply({ jsonPath: "$.location", stringValue: 'Fran"cisco' }),
      w.apply({ jsonPath: "$.days", numberValue: 3 }),
      w.apply({ jsonPath: "$.opts.metric", boolValue: true }),
      w.apply({ jsonPath: "$.stops[0]", stringValue: "Oslo" }),
      w.apply({ jsonPath: "$.stops[1].name", stringValue: "Bergen" }),
      w.apply({ jsonPath: "$.note", nullValue: null }),
      w.finish(),
    ]
    expect(pieces).toEqual([
      '{"location":"San ',
      'Fran\\"cisco"',
      ',"days":3',
      ',"opts":{"metric":true',
      '},"stops":["Oslo"',
      ',{"name":"Bergen"',
      '}],"note":null',
      "}",
    ])
    expect(JSON.parse(pieces.join(""))).toEqual({
      location: 'San Fran"cisco',
      days: 3,
      opts: { metric: true },
      stops: ["Oslo", { name: "Bergen" }],
      note: null,
    })
  })

  it("refuses what it cannot write as a continuation: a repeated key, a skipped array slot, an unreadable entry", () => {
    const repeated = new PartialArgsWriter()
    repeated.apply({ jsonPath: "$.days", numberValue: 3 })
    expect(repeated.apply({ jsonPath: "$.days", numberValue: 4 })).toBeUndefined()
    expect(new PartialArgsWriter().apply({ jsonPath: "$.stops[1]", stringValue: "Oslo" })).toBeUndefined()
    expect(new PartialArgsWriter().apply({ stringValue: "x" })).toBeUndefined()
    expect(new PartialArgsWriter().apply({ jsonPath: "$.x" })).toBeUndefined()
    expect(new PartialArgsWriter().finish()).toBe("{}")
  })
})
