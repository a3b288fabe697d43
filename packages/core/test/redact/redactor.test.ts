import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeRedactor, REDACTED, redactDeep, redactGeneric } from "../../src/redact/redactor.js"

describe("makeRedactor", () => {
  it("masks every configured secret wherever it appears in any text", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 6, maxLength: 40, unit: fc.constantFrom(..."abcdefXYZ0123456789-_.") }),
        fc.string({ maxLength: 30 }),
        fc.string({ maxLength: 30 }),
        (secret, before, after) => {
          const out = makeRedactor([secret])(`${before}${secret}${after}${secret}`)
          expect(out).not.toContain(secret)
        },
      ),
    )
  })

  const shapes: ReadonlyArray<readonly [string, string, string]> = [
    ["a bearer token", "Authorization: Bearer abcdefgh12345678", "Authorization: Bearer [REDACTED]"],
    ["an OpenAI key", "Incorrect API key provided: sk-proj-abcdefghijkl.", "Incorrect API key provided: [REDACTED]."],
    ["an Anthropic key", "key sk-ant-api03-abcdefghijkl", "key [REDACTED]"],
    [
      "a masked key that keeps its last four",
      "Incorrect API key provided: sk-upstr****dddd.",
      "Incorrect API key provided: [REDACTED].",
    ],
    ["a masked key with an ellipsis", "key sk-…****dddd rejected", "key [REDACTED] rejected"],
    ["asterisks alone", "key abcd********************wxyz is invalid", "key [REDACTED] is invalid"],
    ["a Google API key", "API key not valid: AIzaSyD-abcdefghijklmnopqrstuvwxyz012", "API key not valid: [REDACTED]"],
    ["a Google OAuth token", "token ya29.a0AfH6SMBabcdefgh expired", "token [REDACTED] expired"],
    ["a JWT", "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijkl", "jwt [REDACTED]"],
    [
      "a query-string key",
      "GET /v1/models?api_key=zzzz9999yyyy8888 failed",
      "GET /v1/models?api_key=[REDACTED] failed",
    ],
    ["a JSON header echo", '{"x-api-key": "qwertyuiop123456"}', '{"x-api-key": "[REDACTED]"}'],
    ["a Groq key", "gsk_abcdefghijklmnopqrstuvwx", REDACTED],
  ]
  it.each(shapes)("masks %s even when it is not configured", (_name, text, expected) => {
    expect(redactGeneric(text)).toBe(expected)
  })

  // text with none of the shapes' fragments (ids, names, numbers) skips the scans at once: never text that has one
  it("masks a key shape whatever ordinary text surrounds it, and leaves that text as it is", () => {
    const plain = fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF-/ ,"), maxLength: 40 })
    fc.assert(
      fc.property(plain, fc.constantFrom(...shapes), plain, (before, [, text, expected], after) => {
        expect(redactGeneric(before)).toBe(before)
        expect(redactGeneric(`${before} ${text} ${after}`)).toBe(`${before} ${expected} ${after}`)
      }),
    )
  })

  it.each([
    "Rate limit reached for gpt-4o in organization org-abc on tokens per min. Please try again in 2s.",
    "This model's maximum context length is 128000 tokens.",
    "Please retry later... the service is busy",
    "https://platform.openai.com/docs/guides/error-codes",
  ])("leaves ordinary error text alone: %s", (text) => {
    expect(redactGeneric(text)).toBe(text)
  })

  it("masks the longer secret first when one contains another", () => {
    expect(makeRedactor(["abcdef", "abcdef-ghij-klmn"])("x abcdef-ghij-klmn y")).toBe("x [REDACTED] y")
  })
})

describe("redactDeep", () => {
  const redact = makeRedactor(["secret-value-9"])

  it("redacts every string of a nested value, keys included, and leaves the rest as it was", () => {
    const value = {
      message: "echo secret-value-9",
      n: 1,
      list: ["ok", { deep: "secret-value-9" }],
      "secret-value-9": true,
    }
    expect(redactDeep(value, redact)).toEqual({
      message: "echo [REDACTED]",
      n: 1,
      list: ["ok", { deep: REDACTED }],
      [REDACTED]: true,
    })
    expect(value.message).toBe("echo secret-value-9")
  })

  it("returns the same object when nothing needed masking", () => {
    const value = { a: ["b", { c: 1 }] }
    expect(redactDeep(value, redact)).toBe(value)
  })

  it("bounds the walk: a value nested deeper than it goes is replaced, never overflows", () => {
    let deep: unknown = "secret-value-9"
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(JSON.stringify(redactDeep(deep, redact)).length).toBeLessThan(1000)
  })
})
