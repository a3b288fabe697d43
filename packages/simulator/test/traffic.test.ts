import { describe, expect, it } from "vitest"
import { generateTrace, rateAt } from "../src/traffic.js"
import { smallScenario } from "./scenarios.js"

describe("arrival trace", () => {
  it("is the same for the same seed and differs for another", () => {
    const a = generateTrace(smallScenario())
    const b = generateTrace(smallScenario())
    const c = generateTrace(
      smallScenario((j) => {
        j.seed = "other"
      }),
    )
    expect(a.count).toBe(b.count)
    expect(Array.from(a.at)).toEqual(Array.from(b.at))
    expect(Array.from(a.promptTokens)).toEqual(Array.from(b.promptTokens))
    expect(Array.from(c.at)).not.toEqual(Array.from(a.at))
  })

  it("follows the Poisson rate, tripled inside the surge window", () => {
    const s = smallScenario((j) => {
      j.duration = "2h"
      j.traffic.ratePerSecond = 5
      j.traffic.surges = [{ start: "30m", end: "1h", multiplier: 3 }]
    })
    const t = generateTrace(s)
    let inSurge = 0
    for (let i = 0; i < t.count; i++) if (t.at[i]! >= 1_800_000 && t.at[i]! < 3_600_000) inSurge++
    const outside = t.count - inSurge
    // expected 27 000 in the surge (30 min × 15/s) and 27 000 outside (90 min × 5/s); ±4σ
    expect(Math.abs(inSurge - 27_000)).toBeLessThan(4 * Math.sqrt(27_000))
    expect(Math.abs(outside - 27_000)).toBeLessThan(4 * Math.sqrt(27_000))
    for (let i = 1; i < t.count; i++) expect(t.at[i]!).toBeGreaterThanOrEqual(t.at[i - 1]!)
  })

  it("follows the diurnal curve", () => {
    const s = smallScenario((j) => {
      delete j.traffic.surges
      j.duration = "1d"
      j.traffic.ratePerSecond = 1
      j.traffic.diurnal = { amplitude: 0.5, peakAt: "12h" }
    })
    expect(rateAt(s, 12 * 3_600_000) * 1000).toBeCloseTo(1.5, 9)
    expect(rateAt(s, 0) * 1000).toBeCloseTo(0.5, 9)
    const t = generateTrace(s)
    const hour = (h: number) => {
      let n = 0
      for (let i = 0; i < t.count; i++) if (Math.floor(t.at[i]! / 3_600_000) === h) n++
      return n
    }
    expect(hour(12) / hour(0)).toBeGreaterThan(2.4)
  })

  it("draws classes, streaming and sizes in the configured proportions", () => {
    const s = smallScenario((j) => {
      delete j.traffic.surges
      j.duration = "1h"
      j.traffic.ratePerSecond = 10
      j.traffic.streamingShare = 0.25
      j.traffic.promptTokens = { type: "lognormal", median: 1_000, p90: 4_000 }
      j.traffic.classes = [
        { name: "default", share: 0.7 },
        { name: "latency", share: 0.2 },
        { name: "critical", share: 0.1 },
      ]
    })
    const t = generateTrace(s)
    const share = (pred: (i: number) => boolean) => {
      let n = 0
      for (let i = 0; i < t.count; i++) if (pred(i)) n++
      return n / t.count
    }
    expect(share((i) => t.klass[i] === 0)).toBeCloseTo(0.7, 1)
    expect(share((i) => t.klass[i] === 2)).toBeCloseTo(0.1, 1)
    expect(share((i) => t.stream[i] === 1)).toBeCloseTo(0.25, 1)
    expect(share((i) => t.promptTokens[i]! <= 1_000)).toBeCloseTo(0.5, 1)
  })

  it("sessions: conversations whose turns resend a growing prefix, the whole following the scenario's rate", () => {
    const s = smallScenario((j) => {
      delete j.traffic.surges
      j.duration = "2h"
      j.traffic.ratePerSecond = 4
      j.traffic.maxTokens = 500
      j.traffic.sessions = {
        share: 0.75,
        turns: { type: "lognormal", median: 5, p90: 12 },
        gap: { type: "lognormal", median: 20_000, p90: 60_000 },
        systemTokens: 2_000,
        messageTokens: 100,
      }
    })
    const t = generateTrace(s)
    expect(Array.from(generateTrace(s).session!)).toEqual(Array.from(t.session!))
    // arrivals in time order, about 4/s in all (turns near the end of the run are cut, so a little under)
    for (let i = 1; i < t.count; i++) expect(t.at[i]!).toBeGreaterThanOrEqual(t.at[i - 1]!)
    expect(t.count).toBeGreaterThan(4 * 7_200 * 0.85)
    expect(t.count).toBeLessThan(4 * 7_200 * 1.1)
    const byConversation = new Map<number, Array<number>>()
    let oneOff = 0
    for (let i = 0; i < t.count; i++) {
      const c = t.session![i]!
      if (c === 0) oneOff++
      else byConversation.set(c, [...(byConversation.get(c) ?? []), i])
    }
    expect(oneOff / t.count).toBeCloseTo(0.25, 1)
    let opened = 0
    for (const turns of byConversation.values()) {
      // one class and one streaming mode per conversation; the opening is the system prompt and a message
      // (a conversation under way when the run starts has its earlier turns in its prefix)
      expect(new Set(turns.map((i) => t.klass[i])).size).toBe(1)
      expect(new Set(turns.map((i) => t.stream[i])).size).toBe(1)
      expect(t.promptTokens[turns[0]!]).toBeGreaterThanOrEqual(2_100)
      if (t.promptTokens[turns[0]!] === 2_100) opened++
      // turn k+1 = turn k's prompt + its answer (capped by max_tokens) + a new message
      for (let k = 1; k < turns.length; k++) {
        const prev = turns[k - 1]!
        expect(t.promptTokens[turns[k]!]).toBe(t.promptTokens[prev]! + Math.min(t.outputTokens[prev]!, 500) + 100)
      }
    }
    expect(opened / byConversation.size).toBeGreaterThan(0.95)
  })

  it("sessions: the run opens with conversations under way, so arrivals follow the rate from the start", () => {
    // the reviewer's case: 10 minutes at 5/s, every arrival a conversation turn (default turns and gaps)
    const s = smallScenario((j) => {
      delete j.traffic.surges
      j.seed = 5
      j.duration = "10m"
      j.traffic.ratePerSecond = 5
      j.traffic.sessions = {}
    })
    const t = generateTrace(s)
    // turns arrive in clusters (a conversation's), so a count varies more than a Poisson one: variance ≈
    // mean × E[turns²] / E[turns] ≈ mean × 14.4 for the default turns (lognormal median 6, p90 16)
    const tolerance = (mean: number) => 4 * Math.sqrt(mean * 14.4)
    expect(Math.abs(t.count - 3_000)).toBeLessThan(tolerance(3_000))
    let firstTenth = 0
    for (let i = 0; i < t.count; i++) if (t.at[i]! < 60_000) firstTenth++
    expect(Math.abs(firstTenth - 300)).toBeLessThan(tolerance(300))
    // no turn before the start; the conversations with a turn in the run are numbered 1…n
    expect(t.at[0]).toBeGreaterThanOrEqual(0)
    const ids = new Set(t.session!)
    expect(Math.min(...ids)).toBe(1)
    expect(Math.max(...ids)).toBe(ids.size)
  })
})
