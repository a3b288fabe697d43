import { describe, expect, it } from "vitest"
import { isEmptyObjectSchema, toGeminiSchema } from "../../src/google/json-schema.js"

describe("JSON Schema → Gemini Schema", () => {
  it("drops what Gemini rejects and keeps the structure (a strict OpenAI tool schema)", () => {
    expect(
      toGeminiSchema({
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        additionalProperties: false,
        properties: {
          city: { type: "string", description: "City name", default: "Paris", minLength: 1 },
          when: { type: "string", format: "date-time" },
          email: { type: "string", format: "email" },
          days: { type: "integer", minimum: 1, maximum: 7, examples: [3] },
          tags: { type: "array", items: { type: "string" }, maxItems: 5 },
        },
        required: ["city"],
      }),
    ).toEqual({
      type: "object",
      properties: {
        city: { type: "string", description: "City name", minLength: 1 },
        when: { type: "string", format: "date-time" },
        email: { type: "string" },
        days: { type: "integer", minimum: 1, maximum: 7 },
        tags: { type: "array", items: { type: "string" }, maxItems: 5 },
      },
      required: ["city"],
    })
  })

  it("nullable types: `[T, 'null']` and `anyOf [T, null]` become `nullable: true`; const becomes enum", () => {
    expect(toGeminiSchema({ type: ["number", "null"] })).toEqual({ type: "number", nullable: true })
    expect(toGeminiSchema({ anyOf: [{ type: "string" }, { type: "null" }] })).toEqual({
      type: "string",
      nullable: true,
    })
    expect(toGeminiSchema({ oneOf: [{ type: "string" }, { type: "integer" }] })).toEqual({
      anyOf: [{ type: "string" }, { type: "integer" }],
    })
    expect(toGeminiSchema({ const: "fixed" })).toEqual({ type: "string", enum: ["fixed"] })
    expect(toGeminiSchema({ enum: [1, 2, null] })).toEqual({ type: "string", enum: ["1", "2"] })
  })

  it("an object schema without properties is 'empty' (Gemini rejects it as parameters)", () => {
    expect(isEmptyObjectSchema({ type: "object", properties: {} })).toBe(true)
    expect(isEmptyObjectSchema(undefined)).toBe(true)
    expect(isEmptyObjectSchema({ type: "object", properties: { a: { type: "string" } } })).toBe(false)
  })
})
