import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { maskAddresses, withAddressesMasked } from "../../src/redact/addresses.js"
import { makeRedactor } from "../../src/redact/redactor.js"

describe("maskAddresses", () => {
  it.each([
    ["see http://10.20.30.40:8000/v1/chat/completions for details", "see [REDACTED] for details"],
    ["upstream https://internal-lb.corp.example:8443/v1 failed", "upstream [REDACTED] failed"],
    ["connect ECONNREFUSED 127.0.0.1:19150", "connect ECONNREFUSED [REDACTED]"],
    ["backend 10.1.2.3 answered", "backend [REDACTED] answered"],
    ["proxy at localhost:19150 said no", "proxy at [REDACTED] said no"],
    ["node [fd00::1]:8080 down", "node [REDACTED] down"],
    ["vllm-0.vllm.svc.cluster.local:8000 overloaded", "[REDACTED] overloaded"],
    ['{"url":"wss://x.example/ws?token=1"}', '{"url":"[REDACTED]"}'],
  ])("%s", (text, masked) => {
    expect(maskAddresses(text)).toBe(masked)
  })

  it.each([
    "model gpt-4.1 is not available",
    "meta-llama/Llama-3.1-8B-Instruct: context length exceeded",
    "Please retry after 2.5 seconds.",
    "Rate limit reached: 60 per minute, version 1.2.3",
    "This model's maximum context length is 8192 tokens.",
    "Invalid value for 'temperature': 3.0",
  ])("leaves text without an address as it is: %s", (text) => {
    expect(maskAddresses(text)).toBe(text)
  })

  it("text that cannot hold an address comes back unchanged (the pre-check skips no match)", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."abcXYZ019 _-/,'\"".split("")) }), (text) => {
        expect(maskAddresses(text)).toBe(text)
      }),
    )
  })

  it("withAddressesMasked masks after the secrets", () => {
    const redact = withAddressesMasked(makeRedactor(["sk-secret-000111222"]))
    expect(redact("key sk-secret-000111222 at https://up.example:443/v1")).toBe("key [REDACTED] at [REDACTED]")
  })
})
