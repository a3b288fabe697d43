// Turns the per-round measurements into the results JSON (summaries, ratios, goals) and its markdown table, and
// decides what the run may not claim: ratios from a round whose bare proxy ran unlike the other rounds, or from a
// scenario where the load generator (not the proxies) was the limit.
import type { MachineLoad } from "./machine.js"
import type { BenchConfig, Measurement, Scenario } from "./scenarios.js"
import { diff, maxOf, median, ratio } from "./stats.js"
import type { TargetId } from "./targets.js"

/** A round is refused when its bare-proxy rate differs from the median of the other rounds by more than this. */
export const ROUND_TOLERANCE = 0.25
/** The direct upstream must run at least this many times the bare proxy's rate, else the load generator bounds. */
export const MIN_DIRECT_OVER_BARE = 2

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

/**
 * Whether the scenario's comparisons may be reported. `load-bound`: the direct upstream ran at less than
 * MIN_DIRECT_OVER_BARE× the bare proxy. `unstable`: fewer than two rounds left after refusing the ones whose bare
 * proxy ran unlike the others.
 */
export type Verdict =
  | { readonly kind: "ok" }
  | { readonly kind: "load-bound"; readonly direct: number; readonly bare: number }
  | { readonly kind: "unstable"; readonly bareRates: ReadonlyArray<number> }

export interface ScenarioReport {
  readonly id: string
  readonly title: string
  readonly metric: Scenario["metric"]
  readonly results: Partial<Record<TargetId, Outcome>>
  readonly derived: Partial<Record<TargetId, Derived>>
  readonly verdict: Verdict
  /** 1-based numbers of the rounds left out (their bare-proxy rate was off), of `roundsRun`. */
  readonly refusedRounds: ReadonlyArray<number>
  readonly roundsRun: number
  /** How busy the machine was during the scenario. */
  readonly load: MachineLoad
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
  /** undefined: not measured, `reason` says why. */
  readonly met: boolean | undefined
  readonly reason?: string | undefined
}

export interface Report {
  readonly meta: Readonly<Record<string, string | number>>
  readonly config: BenchConfig
  readonly targets: ReadonlyArray<TargetStatus>
  /** The machine over one idle second before and after the run, and during the whole run. */
  readonly machine: { readonly before: MachineLoad; readonly after: MachineLoad; readonly run: MachineLoad }
  readonly scenarios: ReadonlyArray<ScenarioReport>
  readonly goals: ReadonlyArray<Goal>
}

/**
 * The rounds (0-based) to leave out: those whose bare-proxy rate differs from the median of the other rounds by more
 * than `tolerance`. Rounds without a bare rate are never refused; nothing is refused with fewer than two rates.
 */
export const refusedRounds = (
  bareRates: ReadonlyArray<number | undefined>,
  tolerance = ROUND_TOLERANCE,
): ReadonlyArray<number> => {
  const refused: Array<number> = []
  bareRates.forEach((rate, i) => {
    if (rate === undefined) return
    const others = median(bareRates.filter((_, j) => j !== i))
    if (others !== undefined && others > 0 && Math.abs(rate - others) / others > tolerance) refused.push(i)
  })
  return refused
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
  cpuUsPerReq: median(pick(rounds, "cpuUsPerReq")),
  upstreamCpuUsPerReq: median(pick(rounds, "upstreamCpuUsPerReq")),
  loadgenCpuUsPerReq: median(pick(rounds, "loadgenCpuUsPerReq")),
  backendCpuUsPerReq: median(pick(rounds, "backendCpuUsPerReq")),
})

export const summaryOf = (outcome: Outcome | undefined): Measurement | undefined =>
  outcome && "summary" in outcome ? outcome.summary : undefined

/**
 * The verdict on a scenario's comparisons: load-bound when the direct upstream did not reach MIN_DIRECT_OVER_BARE×
 * the bare proxy's rate; unstable when `acceptedBareRounds` < 2 although more rounds were run.
 */
export const verdictOf = (
  results: Partial<Record<TargetId, Outcome>>,
  bareRates: ReadonlyArray<number | undefined>,
  refused: ReadonlyArray<number>,
): Verdict => {
  const measured = bareRates.filter((r): r is number => r !== undefined)
  if (measured.length >= 2 && measured.length - refused.length < 2) return { kind: "unstable", bareRates: measured }
  const direct = summaryOf(results.direct)?.reqPerSec
  const bare = summaryOf(results.bare)?.reqPerSec
  if (direct !== undefined && bare !== undefined && direct < MIN_DIRECT_OVER_BARE * bare)
    return { kind: "load-bound", direct, bare }
  return { kind: "ok" }
}

/** Ratios and added latency against the bare proxy and Portkey; none when the verdict withholds them. */
export const derive = (
  results: Partial<Record<TargetId, Outcome>>,
  verdict: Verdict,
): Partial<Record<TargetId, Derived>> => {
  if (verdict.kind !== "ok") return {}
  const bare = summaryOf(results.bare)
  const portkey = summaryOf(results.portkey)
  const memory = summaryOf(results.switchyard)
  const out: Partial<Record<TargetId, Derived>> = {}
  for (const id of ["direct", "switchyard", "switchyard-redis", "portkey"] as const) {
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

/** Why a scenario's comparisons are withheld, in words; undefined when they are not. */
export const withheldBecause = (verdict: Verdict): string | undefined => {
  switch (verdict.kind) {
    case "ok":
      return undefined
    case "load-bound":
      return (
        `load generator bound: direct upstream ${Math.round(verdict.direct)} req/s is under ` +
        `${MIN_DIRECT_OVER_BARE}× the bare proxy's ${Math.round(verdict.bare)}`
      )
    case "unstable":
      return (
        `unstable: bare proxy rounds ${verdict.bareRates.map((r) => Math.round(r)).join(" / ")} differ by more ` +
        `than ${ROUND_TOLERANCE * 100}%`
      )
  }
}

export const goals = (scenarios: ReadonlyArray<ScenarioReport>, streams: number): ReadonlyArray<Goal> => {
  const find = (id: string) => scenarios.find((s) => s.id === id)
  /** A goal on a derived figure of scenario `id` (the in-memory Switchyard's, or `target`'s). */
  const derivedGoal = (
    id: string,
    text: string,
    key: keyof Derived,
    unit: string,
    ok: (v: number) => boolean,
    target: TargetId = "switchyard",
  ): Goal => {
    const scenario = find(id)
    if (!scenario) return { goal: text, value: undefined, unit, met: undefined, reason: "scenario not run" }
    const value = scenario.derived[target]?.[key]
    const reason = withheldBecause(scenario.verdict) ?? (value === undefined ? "a target is missing" : undefined)
    return { goal: text, value, unit, met: value === undefined ? undefined : ok(value), reason }
  }
  const measuredGoal = (
    id: string,
    text: string,
    value: (m: Measurement) => number | undefined,
    unit: string,
    ok: (v: number, m: Measurement) => boolean,
  ): Goal => {
    const m = summaryOf(find(id)?.results.switchyard)
    const v = m === undefined ? undefined : value(m)
    return {
      goal: text,
      value: v,
      unit,
      met: v === undefined || m === undefined ? undefined : ok(v, m),
      reason: m === undefined ? "scenario not run" : undefined,
    }
  }
  return [
    derivedGoal("json-c64", "JSON c64 ≥ 0.8× the bare proxy", "overBare", "×", (v) => v >= 0.8),
    derivedGoal("json-c64", "JSON c64 ≥ 5× Portkey", "overPortkey", "×", (v) => v >= 5),
    derivedGoal("json-c256", "JSON c256 ≥ 0.8× the bare proxy", "overBare", "×", (v) => v >= 0.8),
    derivedGoal("json-c1", "JSON c1 added p50 ≤ 0.3 ms over the bare proxy", "addedP50Ms", "ms", (v) => v <= 0.3),
    derivedGoal(
      "sse-ttfb",
      "SSE time to first byte within 0.5 ms of the bare proxy",
      "addedP50Ms",
      "ms",
      (v) => v <= 0.5,
    ),
    derivedGoal("sse-c64", "SSE c64 ≥ 0.8× the bare proxy", "overBare", "×", (v) => v >= 0.8),
    measuredGoal(
      `memory-${streams}`,
      `${streams} concurrent streams, all open at once: peak RSS ≤ 150 MB`,
      (m) => m.rssPeakMb,
      "MB",
      (v, m) => v <= 150 && m.maxOpen === streams,
    ),
    measuredGoal(
      `memory-${streams}`,
      "idle RSS ≤ 80 MB",
      (m) => m.rssBeforeMb,
      "MB",
      (v) => v <= 80,
    ),
    measuredGoal(
      "fallback-c64",
      "fallback (first endpoint always 429): upstream 429s per success ≤ 0.1",
      (m) => m.limitedPerRequest,
      "",
      (v) => v <= 0.1,
    ),
    derivedGoal(
      "json-c64",
      "Switchyard + Redis: JSON c64 ≥ 0.85× the in-memory Switchyard (issue 11)",
      "overSwitchyard",
      "×",
      (v) => v >= 0.85,
      "switchyard-redis",
    ),
    derivedGoal(
      "json-c1",
      "Switchyard + Redis: JSON c1 added p50 ≤ 0.3 ms over the in-memory Switchyard (issue 11)",
      "addedP50OverSwitchyardMs",
      "ms",
      (v) => v <= 0.3,
      "switchyard-redis",
    ),
  ]
}
