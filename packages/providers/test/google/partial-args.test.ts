import { describe, expect, it } from "vitest"
import { PartialArgs, parseJsonPath } from "../../src/google/partial-args.js"

describe("Vertex streamed function-call arguments", () => {
  it("parses the JSON paths Vertex sends", () => {
    expect(parseJsonPath("$.location")).toEqual(["location"])
    expect(parseJsonPath("$.trip.stops[2].name")).toEqual(["trip", "stops", 2, "name"])
    expect(parseJsonPath("$['first name']")).toEqual(["first name"])
    expect(parseJsonPath("location")).toBeUndefined()
    expect(parseJsonPath("$.a[")).toBeUndefined()
  })

  it("appends string pieces while willContinue is set, then starts over; other values are set", () => {
    const args = new PartialArgs()
    expect(args.apply({ jsonPath: "$.location", stringValue: "San ", willContinue: true })).toBe(true)
    expect(args.apply({ jsonPath: "$.location", stringValue: "Francisco" })).toBe(true)
    expect(args.apply({ jsonPath: "$.days", numberValue: 3 })).toBe(true)
    expect(args.apply({ jsonPath: "$.opts.metric", boolValue: true })).toBe(true)
    expect(args.apply({ jsonPath: "$.stops[1]", stringValue: "Oslo" })).toBe(true)
    expect(args.apply({ jsonPath: "$.note", nullValue: null })).toBe(true)
    // a later, non-continued value for the same path replaces it
    expect(args.apply({ jsonPath: "$.days", numberValue: 4 })).toBe(true)
    expect(args.value).toEqual({
      location: "San Francisco",
      days: 4,
      opts: { metric: true },
      stops: [undefined, "Oslo"],
      note: null,
    })
    expect(args.apply({ stringValue: "x" })).toBe(false)
    expect(args.apply({ jsonPath: "$.x" })).toBe(false)
  })
})
