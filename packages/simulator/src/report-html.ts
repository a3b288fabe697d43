import { formatDuration } from "./duration.js"
import { fixed, int, pct, seconds, span } from "./format.js"
import type { PolicyResult } from "./metrics.js"
import type { SimulationReport } from "./report.js"
import { leftAligned, renderTable, reportTables, type TextTable } from "./report-table.js"
import { escapeHtml, lineChart, PALETTE } from "./svg-chart.js"

const perPolicy = (
  policies: ReadonlyArray<PolicyResult>,
  pick: (p: PolicyResult) => ReadonlyArray<number> | undefined,
) =>
  policies.flatMap((p, i) => {
    const values = pick(p)
    return values ? [{ name: p.name, values, color: PALETTE[i % PALETTE.length]! }] : []
  })

const htmlTable = (t: TextTable): string => {
  const cell = (tag: string, c: number, text: string) =>
    `<${tag}${leftAligned(t, c) ? ' class="l"' : ""}>${escapeHtml(text)}</${tag}>`
  const head = t.columns.map((h, c) => cell("th", c, h)).join("")
  const rows = t.rows.map((r) => `<tr>${r.map((x, c) => cell("td", c, x)).join("")}</tr>`).join("\n")
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`
}

/**
 * The report as one self-contained HTML page (inline CSS and SVG, no script, no CDN): the
 * comparison table, the endpoints, and charts over time — traffic, availability, utilization per
 * pool, cost, latency percentiles, client-visible 429s.
 */
export const renderHtml = (report: SimulationReport): string => {
  const s = report.scenario
  const ps = report.policies
  const t = ps[0]?.series.t ?? []
  const charts: Array<string> = []
  const first = ps[0]
  if (first)
    charts.push(
      lineChart({
        title: `Arrivals per ${formatDuration(first.series.bucketMs)} (same trace for every policy)`,
        t,
        series: [{ name: "arrivals", values: first.series.arrivals, color: "#555" }],
        yFormat: (v) => int(v),
        yMin: 0,
      }),
    )
  charts.push(
    lineChart({
      title: "Availability (successes within the deadline / arrivals)",
      t,
      series: perPolicy(ps, (p) => p.series.availability),
      yFormat: (v) => pct(v, 0),
      yMax: 1,
    }),
  )
  for (const c of first?.classes ?? [])
    if (first?.series.classAvailability[c.name] !== undefined)
      charts.push(
        lineChart({
          title: `Availability of class ${c.name} (${c.priority})`,
          t,
          series: perPolicy(ps, (p) => p.series.classAvailability[c.name]),
          yFormat: (v) => pct(v, 0),
          yMax: 1,
        }),
      )
  for (const pool of ["provisioned", "standard"] as const) {
    const series = perPolicy(ps, (p) => p.series.utilization[pool])
    if (series.length > 0)
      charts.push(
        lineChart({
          title: `Utilization of the ${pool} pool (tokens charged / capacity)`,
          t,
          series,
          yFormat: (v) => pct(v, 0),
          yMin: 0,
        }),
      )
  }
  charts.push(
    lineChart({
      title: "Cost, USD per million tokens served",
      t,
      series: perPolicy(ps, (p) => p.series.costPerMTokens),
      yFormat: (v) => `$${fixed(v)}`,
    }),
  )
  for (const q of ["p50", "p90", "p99"] as const) {
    charts.push(
      lineChart({
        title: `Latency ${q} of successful requests (arrival → last byte)`,
        t,
        series: perPolicy(ps, (p) => p.series.latency[q]),
        yFormat: (v) => seconds(v),
        yMin: 0,
      }),
    )
  }
  charts.push(
    lineChart({
      title: "429 answers seen by clients",
      t,
      series: perPolicy(ps, (p) => p.series.client429s),
      yFormat: (v) => int(v),
      yMin: 0,
    }),
  )

  const tables = reportTables(report)
    .map((t, i) => `${i === 0 ? "<h2>Comparison</h2>" : `<h2>${escapeHtml(t.title)}</h2>`}\n${htmlTable(t)}`)
    .join("\n")
  const endpoints = s.endpoints
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.slug)}</td><td>${e.pool}</td><td>$${e.price.prompt} / $${e.price.completion}</td><td>${
          e.tokensPerMinute === undefined ? "unlimited" : int(e.tokensPerMinute)
        }</td><td>${
          e.reserved === undefined
            ? "—"
            : `${e.reserved.units} × ${int(e.reserved.unitTokensPerMinute)} tokens/min at $${e.reserved.pricePerUnitHour}/unit-hour`
        }</td></tr>`,
    )
    .join("\n")
  const outcomes = ps
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.name)}</td>${Object.values(p.outcomes)
          .map((n) => `<td>${int(n)}</td>`)
          .join("")}<td>${int(p.lost)}</td></tr>`,
    )
    .join("\n")
  const outcomeHead = first
    ? Object.keys(first.outcomes)
        .map((k) => `<th>${escapeHtml(k)}</th>`)
        .join("")
    : ""

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Switchyard simulation: ${escapeHtml(s.name)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child,.l{text-align:left}th{background:#f6f6f6}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:12px}svg{max-width:100%;height:auto;font-family:inherit}
pre{background:#f6f6f6;padding:8px;overflow:auto}
</style></head><body>
<h1>${escapeHtml(s.name)}</h1>
${s.description ? `<p>${escapeHtml(s.description)}</p>` : ""}
<p>${int(s.requests)} requests of <code>${escapeHtml(s.model)}</code> over ${span(s.durationMs)} (virtual time), request deadline ${formatDuration(
    s.deadlineMs,
  )}, seed <code>${escapeHtml(s.seed)}</code>. Every policy ran on the same arrival trace, through Switchyard's router, against simulated upstreams.</p>
${tables}
<h2>Outcomes</h2>
<table><thead><tr><th>policy</th>${outcomeHead}<th>lost</th></tr></thead><tbody>
${outcomes}
</tbody></table>
<h2>Over time</h2>
<div class="charts">
${charts.join("\n")}
</div>
<h2>Endpoints</h2>
<table><thead><tr><th>endpoint</th><th>pool</th><th>USD / M prompt / completion</th><th>capacity (tokens/min)</th><th>reserved</th></tr></thead><tbody>
${endpoints}
</tbody></table>
<h2>Table as text</h2>
<pre>${escapeHtml(renderTable(report))}</pre>
</body></html>
`
}
