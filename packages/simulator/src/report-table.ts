import { formatDuration } from "./duration.js"
import { fixed, int, pct, seconds, signedPct, span, usd } from "./format.js"
import type { GroupResult, NamedGroupResult, PolicyResult } from "./metrics.js"
import type { SimulationReport } from "./report.js"

/** A table as header cells and rows of cells; the first `left` columns (and a `served by` column) are left-aligned. */
export interface TextTable {
  readonly title: string
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
  readonly left: number
}

/** Is column `c` of `t` left-aligned (labels and lists) rather than right-aligned (numbers)? */
export const leftAligned = (t: TextTable, c: number): boolean => c < t.left || t.columns[c] === SERVED_BY

const SERVED_BY = "served by"

const q = (x: { p50: number; p90: number; p99: number } | undefined): string =>
  x === undefined ? "—" : `${seconds(x.p50)} / ${seconds(x.p90)} / ${seconds(x.p99)}`

/** Share of the successes each endpoint served, largest first (`vertex 62% · studio 30% · vertex/pt 8%`). */
export const servedShares = (g: GroupResult): string => {
  const shares = Object.entries(g.servedShare)
    .filter(([, x]) => x > 0)
    .sort((a, b) => b[1] - a[1])
  return shares.length === 0 ? "—" : shares.map(([slug, x]) => `${slug} ${(x * 100).toFixed(0)}%`).join(" · ")
}

const hasReservations = (report: SimulationReport): boolean => report.scenario.reservedCost > 0

/** Some policy read prompt tokens from a cache (the scenario has conversations and cached endpoints). */
const hasCaching = (report: SimulationReport): boolean => report.policies.some((p) => p.cachedTokens > 0)

/** USD prompt caching saved, and that as a share of what the same requests would have cost without it. */
const saved = (r: PolicyResult): string => {
  const without = r.cost + r.cacheSavings
  return `${usd(r.cacheSavings)} (${without > 0 ? pct(r.cacheSavings / without, 0) : "—"})`
}

/**
 * The policy comparison: one row per policy. Reservation columns appear when the scenario reserves
 * capacity; prompt-cache columns when a policy read from a cache.
 */
export const policyTable = (report: SimulationReport): TextTable => {
  const reserved = hasReservations(report)
  const caching = hasCaching(report)
  const columns = [
    "policy",
    "availability",
    "429s seen",
    "latency p50/p90/p99",
    "TTFT p50/p90/p99",
    "$/M tok",
    ...(reserved ? ["reserved", "total $", "eff. $/M tok"] : []),
    ...(caching ? ["cache hits", "cache saved"] : []),
    "vs list",
    "PT util",
    "escalations",
    "attempts/req",
  ]
  const rows = report.policies.map((r: PolicyResult) => [
    r.name,
    pct(r.availability),
    int(r.client429s),
    q(r.latency),
    q(r.ttft),
    usd(r.costPerMTokens),
    ...(reserved ? [usd(r.reservedCost), usd(r.totalCost), usd(r.effectiveCostPerMTokens)] : []),
    ...(caching ? [pct(r.cacheHitShare, 1), saved(r)] : []),
    signedPct(r.costVsList),
    pct(r.ptUtilization, 1),
    int(r.escalations),
    fixed(r.attemptsPerRequest),
  ])
  return { title: "Policies", columns, rows, left: 1 }
}

const GROUP_COLUMNS = [
  "requests",
  "availability",
  "429s seen",
  "latency p50/p90/p99",
  "TTFT p50/p90/p99",
  "escalations",
  "$/M tok",
  "attempts/req",
  SERVED_BY,
]

const groupCells = (g: GroupResult): ReadonlyArray<string> => [
  int(g.requests),
  pct(g.availability),
  int(g.client429s),
  q(g.latency),
  q(g.ttft),
  int(g.escalations),
  usd(g.costPerMTokens),
  fixed(g.attemptsPerRequest),
  servedShares(g),
]

/** One row per policy × traffic class. */
export const classTable = (report: SimulationReport): TextTable => ({
  title: "Per traffic class",
  columns: ["policy", "class", "priority", ...GROUP_COLUMNS],
  rows: report.policies.flatMap((p) =>
    p.classes.map((c: NamedGroupResult) => [p.name, c.name, c.priority, ...groupCells(c)]),
  ),
  left: 3,
})

/** One row per policy × effective priority. */
export const priorityTable = (report: SimulationReport): TextTable => ({
  title: "Per priority",
  columns: ["policy", "priority", ...GROUP_COLUMNS],
  rows: report.policies.flatMap((p) => p.priorities.map((g) => [p.name, g.name, ...groupCells(g)])),
  left: 2,
})

/** Availability of every class under every policy, side by side: what each class got, at a glance. */
export const availabilityMatrix = (report: SimulationReport): TextTable => {
  const names = report.policies[0]?.classes.map((c) => `${c.name} (${c.priority})`) ?? []
  return {
    title: "Availability per class",
    columns: ["policy", ...names, "all"],
    rows: report.policies.map((p) => [p.name, ...p.classes.map((c) => pct(c.availability)), pct(p.availability)]),
    left: 1,
  }
}

/** The tables a report prints: policies, availability per class, then the class and priority details. */
export const reportTables = (report: SimulationReport): ReadonlyArray<TextTable> => {
  const classes = report.policies[0]?.classes ?? []
  const priorities = report.policies[0]?.priorities ?? []
  return [
    policyTable(report),
    ...(classes.length > 1 ? [availabilityMatrix(report), classTable(report)] : []),
    // a priority table only adds something when classes share a priority
    ...(priorities.length > 1 && priorities.length < classes.length ? [priorityTable(report)] : []),
  ]
}

/** A table as Markdown (readable in a terminal, pasteable into a README). */
export const markdownTable = (t: TextTable): string => {
  const widths = t.columns.map((h, c) => Math.max(h.length, ...t.rows.map((r) => r[c]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((cell, c) => (leftAligned(t, c) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(" | ")} |`
  const rule = `|${widths.map((w, c) => (leftAligned(t, c) ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`
  return [line(t.columns), rule, ...t.rows.map(line)].join("\n")
}

/** The report's header line: scenario, traffic, deadline, seed, prices. */
export const reportHeadline = (report: SimulationReport): string => {
  const s = report.scenario
  const reserved = s.reservedCost > 0 ? `; reservations ${usd(s.reservedCost)} over the run` : ""
  const r = s.replay
  const traffic =
    r === undefined
      ? `${int(s.requests)} requests`
      : `${int(s.requests)} recorded requests${r.speed === 1 ? "" : ` at ${r.speed}× speed`}${
          r.otherModels > 0 ? ` (${int(r.otherModels)} for other models left out)` : ""
        }`
  return (
    `${s.name}: ${traffic} over ${span(s.durationMs)} of ${s.model}, ` +
    `deadline ${formatDuration(s.deadlineMs)}, seed ${s.seed}; list price $${s.listPrice.prompt}/$${s.listPrice.completion} per M prompt/completion tokens${reserved}`
  )
}

/** Every table of the report as Markdown, under the headline. */
export const renderTable = (report: SimulationReport): string =>
  [
    reportHeadline(report),
    ...reportTables(report).flatMap((t, i) =>
      i === 0 ? ["", markdownTable(t)] : ["", `${t.title}:`, markdownTable(t)],
    ),
  ].join("\n")
