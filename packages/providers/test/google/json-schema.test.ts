import { describe, expect, it } from "vitest"
import { isEmptyObjectSchema } from "../../src/google/json-schema.js"

describe("tool schemas for Gemini", () => {
  it("an object schema without properties is a function without parameters", () => {
    expect(isEmptyObjectSchema({ type: "object", properties: {} })).toBe(true)
    expect(isEmptyObjectSchema({ type: "object" })).toBe(true)
    expect(isEmptyObjectSchema(undefined)).toBe(true)
    expect(isEmptyObjectSchema({ type: "object", properties: { a: { type: "string" } } })).toBe(false)
    expect(isEmptyObjectSchema({ $ref: "#/$defs/A", $defs: { A: { type: "object" } } })).toBe(false)
  })
})
