import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { routingDefaults } from "../../src/catalog/defaults.js"
import { attemptLimitMs, routingWarnings } from "../../src/router/attempt-timeout.js"

const routing = { attemptTimeoutMultiplier: 4, attemptTimeoutFloorMs: 2_000, fallbackReserve: 0.5 }

describe("attemptLimitMs", () => {
  it("never exceeds the configured limit or the time left, and is at least 1 ms", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300_000 }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
        fc.boolean(),
        (configuredMs, leftMs, p99Ms, fallbackLeft) => {
          const limit = attemptLimitMs(routing, { configuredMs, leftMs, p99Ms, fallbackLeft })
          expect(limit).toBeGreaterThanOrEqual(1)
          expect(limit).toBeLessThanOrEqual(Math.max(1, Math.ceil(Math.min(configuredMs, leftMs))))
        },
      ),
    )
  })

  it("before any measurement, leaves at least half the time left for a fallback (unless that is under the floor)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 4_000, max: 300_000 }), (leftMs) => {
        const limit = attemptLimitMs(routing, { configuredMs: 1e9, leftMs, p99Ms: undefined, fallbackLeft: true })
        expect(leftMs - limit).toBeGreaterThanOrEqual(leftMs / 2 - 1)
      }),
    )
  })

  it.each([
    // configured, left, p99, fallback → limit
    [
      "no measurement, no fallback: the configured limit, clamped to the time left",
      60_000,
      8_000,
      undefined,
      false,
      8_000,
    ],
    ["no measurement, a fallback: half the time left", 60_000, 8_000, undefined, true, 4_000],
    ["measured p99 1.2 s: 4 × p99", 60_000, 8_000, 1_200, true, 4_800],
    [
      "measured p99 10 s: not cut below its own multiple (the deadline bounds it)",
      60_000,
      30_000,
      10_000,
      true,
      30_000,
    ],
    ["measured p99 500 ms: 4 × p99 = 2 s", 60_000, 120_000, 500, true, 2_000],
    ["measured p99 100 ms: the 2 s floor", 60_000, 120_000, 100, true, 2_000],
    ["little time left with a fallback: the floor, within the time left", 60_000, 3_000, undefined, true, 2_000],
    ["less than the floor left: all of it", 60_000, 1_500, undefined, true, 1_500],
  ])("%s", (_name, configuredMs, leftMs, p99Ms, fallbackLeft, expected) => {
    expect(attemptLimitMs(routing, { configuredMs, leftMs, p99Ms, fallbackLeft })).toBe(expected)
  })

  it("multiplier 0 turns the measured limit off", () => {
    expect(
      attemptLimitMs(
        { ...routing, attemptTimeoutMultiplier: 0 },
        { configuredMs: 60_000, leftMs: 120_000, p99Ms: 100, fallbackLeft: false },
      ),
    ).toBe(60_000)
  })
})

describe("routingWarnings", () => {
  it("warns when an attempt limit is not below the request deadline, and not for the defaults", () => {
    expect(routingWarnings(routingDefaults)).toEqual([])
    const warnings = routingWarnings({ ...routingDefaults, requestTimeoutMs: 30_000 })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(
      "routing.attemptTimeoutMs (60000 ms) is not below routing.requestTimeoutMs (30000 ms)",
    )
    expect(routingWarnings({ ...routingDefaults, requestTimeoutMs: 8_000 })).toHaveLength(2)
  })
})
