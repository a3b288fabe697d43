// Turns the per-round measurements into the results JSON (summaries, ratios, goals) and its markdown table.
import type { BenchConfig, Measurement, Scenario } from "./scenarios.js"
import { diff, maxOf, median, ratio } from "./stats.js"
import type { TargetId } from "./targets.js"

export type Outcome =
  | { readonly rounds: ReadonlyArray<Measurement>; readonly summary: Measurement }
  | { readonly na: string }

export interface Derived {
  /** p50 (time to first byte for sse-ttfb) minus the bare proxy's, in ms. */
  readonly addedP50Ms: number | undefined
  readonly overBare: number | undefined
  readonly overPortkey: number | undefined
  /** Switchyard + Redis: req/s ÷ the in-memory Switchyard's, and p50 minus its p50 (ms). */
  readonly overSwitchyard?: number | undefined
  readonly addedP50OverSwitchyardMs?: number | undefined
}

export interface ScenarioReport {
  readonly id: string
  readonly title: string
  readonly metric: Scenario["metric"]
  readonly results: Partial<Record<TargetId, Outcome>>
  readonly derived: Partial<Record<TargetId, Derived>>
}

export interface TargetStatus {
  readonly id: TargetId
  readonly label: string
  readonly status: "ok" | "unavailable"
  readonly reason?: string
  /** Probes (SSE, fallback) that failed before the run; the target was measured anyway. */
  readonly warnings: ReadonlyArray<string>
}

export interface Goal {
  readonly goal: string
  readonly value: number | undefined
  readonly unit: string
  readonly met: boolean | undefined
}

export interface Report {
  readonly meta: Readonly<Record<string, string | number>>
  readonly config: BenchConfig
  readonly targets: ReadonlyArray<TargetStatus>
  readonly scenarios: ReadonlyArray<ScenarioReport>
  readonly goals: ReadonlyArray<Goal>
}

const pick = (rounds: ReadonlyArray<Measurement>, key: keyof Measurement) => rounds.map((r) => r[key])

/** Medians across rounds; peak RSS is the highest seen; counts are summed. */
export const summarise = (rounds: ReadonlyArray<Measurement>): Measurement => ({
  reqPerSec: median(pick(rounds, "reqPerSec")),
  p50Ms: median(pick(rounds, "p50Ms")),
  p99Ms: median(pick(rounds, "p99Ms")),
  totalP50Ms: median(pick(rounds, "totalP50Ms")),
  totalP99Ms: median(pick(rounds, "totalP99Ms")),
  rssPeakMb: maxOf(pick(rounds, "rssPeakMb")),
  rssBeforeMb: median(pick(rounds, "rssBeforeMb")),
  ok: rounds.reduce((n, r) => n + r.ok, 0),
  failed: rounds.reduce((n, r) => n + r.failed, 0),
  limitedPerRequest: median(pick(rounds, "limitedPerRequest")),
  maxOpen: maxOf(pick(rounds, "maxOpen")),
})

const summaryOf = (outcome: Outcome | undefined): Measurement | undefined =>
  outcome && "summary" in outcome ? outcome.summary : undefined

export const derive = (results: Partial<Record<TargetId, Outcome>>): Partial<Record<TargetId, Derived>> => {
  const bare = summaryOf(results.bare)
  const portkey = summaryOf(results.portkey)
  const out: Partial<Record<TargetId, Derived>> = {}
  const memory = summaryOf(results.switchyard)
  for (const id of ["switchyard", "switchyard-redis", "portkey"] as const) {
    const s = summaryOf(results[id])
    if (!s) continue
    out[id] = {
      addedP50Ms: diff(s.p50Ms, bare?.p50Ms),
      overBare: ratio(s.reqPerSec, bare?.reqPerSec),
      overPortkey: id === "switchyard" ? ratio(s.reqPerSec, portkey?.reqPerSec) : undefined,
      ...(id === "switchyard-redis" && {
        overSwitchyard: ratio(s.reqPerSec, memory?.reqPerSec),
        addedP50OverSwitchyardMs: diff(s.p50Ms, memory?.p50Ms),
      }),
    }
  }
  return out
}

const goal = (text: string, value: number | undefined, unit: string, ok: (v: number) => boolean): Goal => ({
  goal: text,
  value,
  unit,
  met: value === undefined ? undefined : ok(value),
})

export const goals = (scenarios: ReadonlyArray<ScenarioReport>, streams: number): ReadonlyArray<Goal> => {
  const find = (id: string) => scenarios.find((s) => s.id === id)
  const memory = summaryOf(find(`memory-${streams}`)?.results.switchyard)
  return [
    goal(
      "JSON c64 throughput ≥ 80% of the bare proxy",
      find("json-c64")?.derived.switchyard?.overBare,
      "×",
      (v) => v >= 0.8,
    ),
    goal("JSON c64 throughput ≥ 5× Portkey", find("json-c64")?.derived.switchyard?.overPortkey, "×", (v) => v >= 5),
    goal(
      "JSON c1 added p50 ≤ 0.3 ms over the bare proxy",
      find("json-c1")?.derived.switchyard?.addedP50Ms,
      "ms",
      (v) => v <= 0.3,
    ),
    goal(
      "SSE time to first byte within 0.5 ms of the bare proxy",
      find("sse-ttfb")?.derived.switchyard?.addedP50Ms,
      "ms",
      (v) => v <= 0.5,
    ),
    goal(`RSS ≤ 150 MB with ${streams} concurrent streams`, memory?.rssPeakMb, "MB", (v) => v <= 150),
    goal(
      "Switchyard + Redis: JSON c64 throughput ≥ 0.85× in-memory Switchyard (issue 11)",
      find("json-c64")?.derived["switchyard-redis"]?.overSwitchyard,
      "×",
      (v) => v >= 0.85,
    ),
    goal(
      "Switchyard + Redis: JSON c1 added p50 ≤ 0.3 ms over in-memory Switchyard (issue 11)",
      find("json-c1")?.derived["switchyard-redis"]?.addedP50OverSwitchyardMs,
      "ms",
      (v) => v <= 0.3,
    ),
  ]
}
