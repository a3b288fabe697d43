import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { parseGoDurationMs } from "../../src/signals/go-duration.js"
import { parseUtilization, readSignals, signalsFromHeaders } from "../../src/signals/headers.js"
import { retryAfterMsFromHeaders } from "../../src/signals/retry-after.js"

const NOW = Date.UTC(2026, 9, 21, 7, 28, 0) // Wed, 21 Oct 2026 07:28:00 GMT

describe("parseGoDurationMs", () => {
  it.each([
    ["6m0s", 360_000],
    ["12ms", 12],
    ["1s", 1000],
    ["7.66s", 7660],
    ["1h2m3.5s", 3_723_500],
    ["500us", 0.5],
    ["250µs", 0.25],
    ["0s", 0],
    ["2", 2000],
  ])("%s → %d ms", (text, ms) => {
    expect(parseGoDurationMs(text)).toBeCloseTo(ms, 6)
  })

  it.each(["", "abc", "5 minutes", "1x", "s", "1s2"])("rejects %j", (text) => {
    expect(parseGoDurationMs(text)).toBeUndefined()
  })
})

describe("retryAfterMsFromHeaders", () => {
  it.each<[string, Record<string, string>, number | undefined]>([
    ["retry-after-ms wins over retry-after", { "retry-after-ms": "1500", "retry-after": "7" }, 1500],
    ["x-ms-retry-after-ms", { "x-ms-retry-after-ms": "250" }, 250],
    ["retry-after-ms before x-ms-retry-after-ms", { "retry-after-ms": "10", "x-ms-retry-after-ms": "20" }, 10],
    ["retry-after seconds", { "retry-after": "7" }, 7000],
    ["retry-after fractional seconds", { "retry-after": "0.5" }, 500],
    ["retry-after HTTP date", { "retry-after": "Wed, 21 Oct 2026 07:28:30 GMT" }, 30_000],
    ["retry-after date in the past → 0", { "retry-after": "Wed, 21 Oct 2026 07:27:00 GMT" }, 0],
    ["garbage", { "retry-after": "soon" }, undefined],
    ["negative ms ignored, falls back", { "retry-after-ms": "-5", "retry-after": "1" }, 1000],
    ["none", {}, undefined],
  ])("%s", (_name, headers, expected) => {
    expect(retryAfterMsFromHeaders(headers, NOW)).toBe(expected)
  })
})

describe("parseUtilization", () => {
  it.each<[string | undefined, number | undefined]>([
    ["89.3%", 0.893],
    ["100%", 1],
    ["0%", 0],
    ["112.5%", 1.125],
    [" 42 % ", 0.42],
    ["n/a", undefined],
    [undefined, undefined],
  ])("%j → %j", (v, expected) => {
    const got = parseUtilization(v)
    if (expected === undefined) expect(got).toBeUndefined()
    else expect(got).toBeCloseTo(expected, 9)
  })
})

describe("signalsFromHeaders", () => {
  it("OpenAI rate-limit headers", () => {
    expect(
      signalsFromHeaders(
        {
          "x-ratelimit-limit-requests": "10000",
          "x-ratelimit-remaining-requests": "9999",
          "x-ratelimit-limit-tokens": "200000",
          "x-ratelimit-remaining-tokens": "199976",
          "x-ratelimit-reset-requests": "6ms",
          "x-ratelimit-reset-tokens": "6m0s",
        },
        NOW,
      ),
    ).toEqual({
      limitRequests: 10000,
      remainingRequests: 9999,
      limitTokens: 200000,
      remainingTokens: 199976,
      resetTokensMs: 360_000,
    })
  })

  it("Azure PTU: utilization and retry-after-ms on a 429, no x-ratelimit headers", () => {
    expect(
      signalsFromHeaders(
        { "azure-openai-deployment-utilization": "103.2%", "retry-after-ms": "2150", "retry-after": "3" },
        NOW,
      ),
    ).toEqual({ utilization: 1.032, retryAfterMs: 2150 })
  })

  it("Anthropic rate-limit headers with RFC 3339 resets", () => {
    expect(
      signalsFromHeaders(
        {
          "anthropic-ratelimit-requests-limit": "50",
          "anthropic-ratelimit-requests-remaining": "49",
          "anthropic-ratelimit-tokens-limit": "40000",
          "anthropic-ratelimit-tokens-remaining": "39000",
          "anthropic-ratelimit-tokens-reset": "2026-10-21T07:28:12Z",
          "retry-after": "12",
        },
        NOW,
      ),
    ).toEqual({
      limitRequests: 50,
      remainingRequests: 49,
      limitTokens: 40000,
      remainingTokens: 39000,
      resetTokensMs: 12_000,
      retryAfterMs: 12_000,
    })
  })

  it("Anthropic input-token limits when there is no combined token limit", () => {
    expect(
      signalsFromHeaders(
        {
          "anthropic-ratelimit-input-tokens-limit": "80000",
          "anthropic-ratelimit-input-tokens-remaining": "79000",
          "anthropic-ratelimit-input-tokens-reset": "2026-10-21T07:28:01.500Z",
        },
        NOW,
      ),
    ).toEqual({ limitTokens: 80000, remainingTokens: 79000, resetTokensMs: 1500 })
  })

  it("ignores unparseable values instead of inventing numbers", () => {
    expect(
      signalsFromHeaders(
        { "x-ratelimit-remaining-tokens": "lots", "x-ratelimit-reset-tokens": "later", "retry-after": "" },
        NOW,
      ),
    ).toEqual({})
  })
})

describe("readSignals", () => {
  it("measures an HTTP-date retry-after against the response date header, not the local clock", async () => {
    const s = await Effect.runPromise(
      readSignals({ date: "Wed, 21 Oct 2026 07:28:00 GMT", "retry-after": "Wed, 21 Oct 2026 07:28:45 GMT" }).pipe(
        Effect.provide(TestClock.layer()),
      ),
    )
    expect(s.retryAfterMs).toBe(45_000)
  })

  it("uses the Effect Clock when the response has no date header", async () => {
    const s = await Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(NOW)
        return yield* readSignals({ "retry-after": "Wed, 21 Oct 2026 07:28:20 GMT" })
      }).pipe(Effect.provide(TestClock.layer())),
    )
    expect(s.retryAfterMs).toBe(20_000)
  })
})
