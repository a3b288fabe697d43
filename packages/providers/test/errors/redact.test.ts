import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { makeRedactor } from "../../src/errors/redact.js"

describe("makeRedactor", () => {
  it("masks every occurrence of each configured secret, Redacted or plain", () => {
    const r = makeRedactor([Redacted.make("alpha-secret-1"), "beta-secret-2"])
    expect(r("alpha-secret-1 and beta-secret-2 and alpha-secret-1")).toBe("[REDACTED] and [REDACTED] and [REDACTED]")
  })

  it("masks the longer secret first when one contains another", () => {
    const r = makeRedactor(["abcd", "abcd-efgh-ijkl"])
    expect(r("x abcd-efgh-ijkl y")).toBe("x [REDACTED] y")
  })

  it("masks bearer tokens and sk- keys even when they are not configured", () => {
    const r = makeRedactor([])
    expect(r("Authorization: Bearer eyJhbGciOi.xyz")).toBe("Authorization: Bearer [REDACTED]")
    expect(r("Incorrect API key provided: sk-proj-abcdefghijkl.")).toBe("Incorrect API key provided: [REDACTED].")
  })

  it("leaves ordinary text alone", () => {
    expect(makeRedactor(["zzzz-secret"])("Rate limit reached for gpt-4o")).toBe("Rate limit reached for gpt-4o")
  })
})
