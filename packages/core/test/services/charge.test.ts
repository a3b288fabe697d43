import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decodeCatalog } from "../../src/index.js"
import { settledCharge, usageCharge } from "../../src/services/capacity/charge.js"

const usage = (promptTokens: number, completionTokens: number, cachedTokens = 0) => ({
  promptTokens,
  completionTokens,
  cachedTokens,
  reasoningTokens: 0,
})

describe("settledCharge: what a reservation settles to", () => {
  it("counts: usage → the usage (prompt − cached + output × weight), whatever was reserved", () => {
    const r = { counts: "usage" as const, charge: 1_000, output: 900, outputWeight: 8 }
    expect(settledCharge(r, usage(100, 10, 20))).toBe(80 + 80)
  })

  it("counts: prompt+max_tokens → the actual prompt + the output reserved at admission (a short answer gives nothing back)", () => {
    const r = { counts: "prompt+max_tokens" as const, charge: 130, output: 100, outputWeight: 1 }
    expect(settledCharge(r, usage(10, 7))).toBe(110)
  })

  it("prompt+max_tokens never settles below the usage, nor (without a known output part) below the admission charge", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (charge, output, prompt, completion) => {
          const u = usage(prompt, completion)
          const settled = settledCharge({ counts: "prompt+max_tokens", charge, output, outputWeight: 1 }, u)
          expect(settled).toBeGreaterThanOrEqual(usageCharge(1, u))
          if (output === 0) expect(settled).toBeGreaterThanOrEqual(charge)
          else expect(settled).toBeGreaterThanOrEqual(prompt + output)
        },
      ),
    )
  })
})

describe("capacity.counts defaults by provider kind", () => {
  const catalog = (kind: string, capacity: object) =>
    Result.getOrThrow(
      decodeCatalog({
        providers: [{ slug: "p", kind }],
        models: [
          {
            id: "m",
            endpoints: [{ provider: "p", price: { prompt: 1, completion: 1 }, contextLength: 1000, capacity }],
          },
        ],
      }),
    ).endpoints[0]!.counts

  it.each([
    ["openai-compatible", "prompt+max_tokens"],
    ["azure-openai", "prompt+max_tokens"],
    ["google", "usage"],
    ["google-vertex", "usage"],
    ["anthropic", "usage"],
    ["simulated", "usage"],
  ])("%s → %s", (kind, counts) => {
    expect(catalog(kind, { tokensPerMinute: 1000 })).toBe(counts)
  })

  it("an endpoint's capacity.counts wins", () => {
    expect(catalog("openai-compatible", { tokensPerMinute: 1000, counts: "usage" })).toBe("usage")
    expect(catalog("google", { counts: "prompt+max_tokens" })).toBe("prompt+max_tokens")
  })
})
