import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  adjust,
  admit,
  applySignals,
  type BucketLimits,
  type BucketState,
  drain,
  emptyBucket,
  utilizationOf,
} from "../../src/index.js"

const tpm = (tokensPerMinute: number, requestsPerMinute?: number): BucketLimits => ({
  tokensPerMinute,
  requestsPerMinute,
})

const admitted = (r: ReturnType<typeof admit>): BucketState => {
  if (r._tag !== "Admitted") throw new Error(`refused: ${JSON.stringify(r)}`)
  return r.state
}

describe("leaky bucket", () => {
  it("drains continuously at capacity per minute", () => {
    const limits = tpm(6_000)
    const s = admitted(admit(emptyBucket(0), limits, 600, 1, true, 0))
    expect(drain(s, limits, 3_000).tokens).toBeCloseTo(300, 9)
    expect(drain(s, limits, 6_000).tokens).toBe(0)
    expect(drain(s, limits, 60_000).tokens).toBe(0)
  })

  it("defines utilization as level ÷ one minute of capacity, the larger of tokens and requests", () => {
    const s = admitted(admit(emptyBucket(0), tpm(6_000, 4), 3_000, 1, true, 0))
    expect(utilizationOf(s, tpm(6_000), 0)).toBe(0.5)
    expect(utilizationOf(s, tpm(6_000, 4), 0)).toBe(0.5)
    const s2 = admitted(admit(s, tpm(6_000, 4), 10, 1, true, 0))
    const s3 = admitted(admit(s2, tpm(6_000, 4), 10, 1, true, 0))
    expect(utilizationOf(s3, tpm(6_000, 4), 0)).toBe(0.75) // 3 of 4 requests
    expect(utilizationOf(s3, tpm(6_000, 4), 0, 1_000)).toBe(1) // predicted: 4 requests
  })

  it("refuses a charge that would go over the limit, with the exact wait until it fits", () => {
    const limits = tpm(6_000)
    const s = admitted(admit(emptyBucket(0), limits, 5_000, 1, true, 0))
    expect(admit(s, limits, 1_500, 1, true, 0)).toEqual({ _tag: "Refused", waitMs: 5_000, reason: "full" })
    // With 20% headroom kept free the ceiling is 4 800: (5 000 + 1 500 − 4 800) ÷ 0.1 tokens/ms.
    expect(admit(s, limits, 1_500, 0.8, true, 0)).toEqual({ _tag: "Refused", waitMs: 17_000, reason: "full" })
    expect(admit(drain(s, limits, 5_000), limits, 1_500, 1, true, 5_000)._tag).toBe("Admitted")
    expect(admit(s, limits, 1_500, 1, false, 0)._tag).toBe("Admitted")
  })

  it("refuses forever a charge larger than the limit itself", () => {
    expect(admit(emptyBucket(0), tpm(1_000), 900, 0.8, true, 0)).toEqual({
      _tag: "Refused",
      waitMs: Number.POSITIVE_INFINITY,
      reason: "too_large",
    })
  })

  it("never lets a level go below zero", () => {
    expect(adjust(emptyBucket(0), -50, -1)).toMatchObject({ tokens: 0, requests: 0 })
  })

  it("never admits past the limit, and empties within a minute of the last admission", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 20_000 }), charge: fc.integer({ min: 0, max: 12_000 }) }), {
          maxLength: 60,
        }),
        fc.constantFrom(1, 0.8, 0.5),
        (steps, limit) => {
          const limits = tpm(10_000, 50)
          let now = 0
          let s = emptyBucket(0)
          for (const step of steps) {
            now += step.dt
            s = drain(s, limits, now)
            const r = admit(s, limits, step.charge, limit, true, now)
            if (r._tag === "Admitted") {
              s = r.state
              expect(utilizationOf(s, limits, now)).toBeLessThanOrEqual(limit + 1e-9)
            }
          }
          expect(utilizationOf(drain(s, limits, now + 60_000), limits, now + 60_000)).toBe(0)
        },
      ),
    )
  })
})

describe("capacity signals", () => {
  it("takes Azure's utilization header as the token level", () => {
    const s = applySignals(emptyBucket(0), tpm(10_000), { utilization: 0.893 }, false, 0, 1_000)
    expect(s.tokens).toBeCloseTo(8_930, 6)
  })

  it("learns capacity from x-ratelimit-limit/remaining when none is configured", () => {
    const none: BucketLimits = { tokensPerMinute: undefined, requestsPerMinute: undefined }
    const s = applySignals(
      emptyBucket(0),
      none,
      { limitTokens: 40_000, remainingTokens: 30_000, limitRequests: 100, remainingRequests: 90 },
      false,
      0,
      1_000,
    )
    expect(s.learned).toEqual({ tokensPerMinute: 40_000, requestsPerMinute: 100 })
    expect(utilizationOf(s, s.learned, 0)).toBeCloseTo(0.25, 9)
  })

  it("treats the bucket as full until retry-after, then admits again", () => {
    const limits = tpm(10_000)
    const s = applySignals(emptyBucket(0), limits, { retryAfterMs: 4_000 }, true, 0, 1_000)
    expect(utilizationOf(s, limits, 3_999)).toBe(1)
    expect(admit(s, limits, 10, 1, true, 1_000)).toEqual({ _tag: "Refused", waitMs: 3_000, reason: "blocked" })
    expect(admit(s, limits, 10, 1, true, 4_000)._tag).toBe("Admitted")
  })

  it("fills a tracked bucket on a 429 without retry-after, and blocks an untracked one briefly", () => {
    const tracked = applySignals(emptyBucket(0), tpm(10_000), {}, true, 0, 1_000)
    expect(tracked.tokens).toBe(10_000)
    const none: BucketLimits = { tokensPerMinute: undefined, requestsPerMinute: undefined }
    const untracked = applySignals(emptyBucket(0), none, {}, true, 0, 1_000)
    expect(untracked.blockedUntil).toBe(1_000)
  })
})
