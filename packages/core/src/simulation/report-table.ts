import { formatDuration } from "./duration.js"
import { fixed, int, pct, seconds, signedPct, usd } from "./format.js"
import type { PolicyResult } from "./metrics.js"
import type { SimulationReport } from "./report.js"

export const TABLE_COLUMNS = [
  "policy",
  "availability",
  "429s seen",
  "latency p50/p90/p99",
  "TTFT p50/p90/p99",
  "$/M tok",
  "vs list",
  "PT util",
  "escalations",
  "retries/req",
] as const

const q = (x: { p50: number; p90: number; p99: number } | undefined): string =>
  x === undefined ? "—" : `${seconds(x.p50)} / ${seconds(x.p90)} / ${seconds(x.p99)}`

/** One row of the comparison table, as strings (column order = `TABLE_COLUMNS`). */
export const tableRow = (r: PolicyResult): ReadonlyArray<string> => [
  r.name,
  pct(r.availability),
  int(r.client429s),
  q(r.latency),
  q(r.ttft),
  usd(r.costPerMTokens),
  signedPct(r.costVsList),
  pct(r.ptUtilization, 1),
  int(r.escalations),
  fixed(r.retriesPerRequest),
]

/** The comparison table as Markdown (readable in a terminal, pasteable into a README). */
export const renderTable = (report: SimulationReport): string => {
  const rows = report.policies.map(tableRow)
  const widths = TABLE_COLUMNS.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(" | ")} |`
  const rule = `|${widths.map((w, c) => (c === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`
  const s = report.scenario
  const head =
    `${s.name}: ${int(s.requests)} requests over ${formatDuration(s.durationMs)} of ${s.model}, ` +
    `deadline ${formatDuration(s.deadlineMs)}, seed ${s.seed}; list price $${s.listPrice.prompt}/$${s.listPrice.completion} per M prompt/completion tokens`
  return [head, "", line(TABLE_COLUMNS), rule, ...rows.map(line)].join("\n")
}
