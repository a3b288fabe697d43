import { type Advice, type Candidate, groupAvailability } from "./advisor.js"
import { int, pct, span, usd } from "./format.js"
import { markdownTable, type TextTable } from "./report-table.js"
import { escapeHtml, lineChart, PALETTE } from "./svg-chart.js"

const sizeLabel = (a: Advice): string => (a.sizing === "units" ? "units" : "tokens/min")

/** The groups shown: the targets', then `all` and every class not already among them. */
const groups = (a: Advice): ReadonlyArray<string> => {
  const named = a.targets.map((t) => t.group)
  const classes = a.curve[0]?.result.classes.map((c) => c.name) ?? []
  return [...new Set([...named, "all", ...classes])]
}

const target = (a: Advice, group: string) => a.targets.find((t) => t.group === group)

/** Requests of a group in a candidate's run (the resolution of its availability). */
const groupRequests = (c: Candidate, group: string): number | undefined =>
  group === "all"
    ? c.result.requests
    : (c.result.classes.find((x) => x.name === group) ?? c.result.priorities.find((x) => x.name === group))?.requests

/** The curve the advisor walked: one row per capacity simulated. */
export const adviceTable = (a: Advice): TextTable => {
  const gs = groups(a)
  return {
    title: "Candidates",
    columns: [
      sizeLabel(a),
      ...(a.sizing === "units" ? ["tokens/min"] : []),
      ...gs.map((g) => {
        const t = target(a, g)
        return t === undefined ? g : `${g} ≥ ${pct(t.availability, 2)}`
      }),
      "PT util",
      "per-token $",
      "reserved $",
      "total $",
      "meets",
    ],
    rows: a.curve.map((c) => [
      int(c.size),
      ...(a.sizing === "units" ? [int(c.tokensPerMinute)] : []),
      ...gs.map((g) => pct(groupAvailability(c.result, g))),
      pct(c.result.ptUtilization, 1),
      usd(c.result.cost),
      usd(c.result.reservedCost),
      usd(c.result.totalCost),
      c === a.recommended ? "yes ← recommended" : c.meets ? "yes" : "no",
    ]),
    left: 0,
  }
}

/** One line: what to buy, or that nothing tried was enough. */
export const adviceSummary = (a: Advice): string => {
  const what = (size: number) => (a.sizing === "units" ? `${int(size)} units` : `${int(size)} tokens/min`)
  const goal = a.targets.map((t) => `${t.group} ≥ ${pct(t.availability)}`).join(", ")
  const r = a.recommended
  if (r === undefined) {
    const largest = a.curve.at(-1)
    return `No capacity of ${a.endpoint} tried (up to ${largest ? what(largest.size) : "—"}) meets ${goal} under "${a.policy}".`
  }
  const lucky = a.curve.filter((c) => c.meets && c.size < r.size)
  const resolution = a.targets
    .flatMap((t) => {
      const n = groupRequests(r, t.group)
      return n === undefined ? [] : [`one ${t.group} failure = ${pct(1 / n, 3)}`]
    })
    .join(", ")
  return (
    `Recommendation: ${what(r.size)} on ${a.endpoint} (now ${what(a.current)}) — the cheapest capacity tried that meets ${goal} ` +
    `under "${a.policy}" with no larger one tried failing: total ${usd(r.result.totalCost)} over ${span(a.scenario.durationMs)} ` +
    `(${usd(r.result.reservedCost)} reserved + ${usd(r.result.cost)} per token), ${usd(r.result.effectiveCostPerMTokens)} per M tokens.` +
    (lucky.length > 0
      ? ` Smaller capacities met the targets too (${lucky.map((c) => what(c.size)).join(", ")}) but sat below one that did not: on a finite trace availability is not monotone in capacity (${resolution}).`
      : "")
  )
}

/** Headline, curve and recommendation as text. */
export const renderAdvice = (a: Advice): string => {
  const s = a.scenario
  const head =
    `${s.name}: sizing ${a.endpoint} (${sizeLabel(a)}) under "${a.policy}" on ${int(s.requests)} ` +
    `${s.replay ? "recorded " : ""}requests over ${span(s.durationMs)}, seed ${s.seed}; ${a.curve.length} candidates simulated`
  return [head, "", markdownTable(adviceTable(a)), "", adviceSummary(a)].join("\n")
}

/** The advice as one self-contained HTML page: availability and cost against capacity, and the table. */
export const renderAdviceHtml = (a: Advice): string => {
  const t = a.curve.map((c) => c.size)
  const xFormat = (x: number) => int(x)
  const gs = groups(a)
  const marker = a.recommended === undefined ? undefined : { x: a.recommended.size, label: "recommended" }
  const availability = lineChart({
    title: `Availability by ${sizeLabel(a)} of ${a.endpoint}`,
    t,
    xFormat,
    dots: true,
    series: gs.map((g, i) => ({
      name: g,
      values: a.curve.map((c) => groupAvailability(c.result, g) ?? Number.NaN),
      color: PALETTE[i % PALETTE.length]!,
    })),
    levels: a.targets.map((tg) => ({
      y: tg.availability,
      label: `${tg.group} target ${pct(tg.availability)}`,
      color: PALETTE[gs.indexOf(tg.group) % PALETTE.length]!,
    })),
    ...(marker !== undefined && { marker }),
    yFormat: (v) => pct(v, 1),
    yMax: 1,
    width: 900,
    height: 320,
  })
  const cost = lineChart({
    title: `Cost over the run by ${sizeLabel(a)} of ${a.endpoint} (USD)`,
    t,
    xFormat,
    dots: true,
    // without a reservation the total is the per-token spend: one line
    series: a.curve.some((c) => c.result.reservedCost > 0)
      ? [
          { name: "total", values: a.curve.map((c) => c.result.totalCost), color: "#222" },
          { name: "reserved", values: a.curve.map((c) => c.result.reservedCost), color: PALETTE[3]! },
          { name: "per-token", values: a.curve.map((c) => c.result.cost), color: PALETTE[0]! },
        ]
      : [{ name: "total (per-token spend)", values: a.curve.map((c) => c.result.totalCost), color: "#222" }],
    ...(marker !== undefined && { marker }),
    yFormat: (v) => usd(v),
    yMin: 0,
    width: 900,
    height: 280,
  })
  const table = adviceTable(a)
  const head = table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")
  const rows = table.rows
    .map(
      (r, i) =>
        `<tr${a.curve[i] === a.recommended ? ' class="pick"' : ""}>${r.map((x) => `<td>${escapeHtml(x)}</td>`).join("")}</tr>`,
    )
    .join("\n")
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Switchyard PT sizing: ${escapeHtml(a.scenario.name)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:960px;color:#222;padding:0 16px}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;white-space:nowrap}
th{background:#f6f6f6}tr.pick td{background:#eef7ee;font-weight:600}svg{max-width:100%;height:auto;font-family:inherit}
pre{background:#f6f6f6;padding:8px;overflow:auto}.wide{overflow-x:auto}
</style></head><body>
<h1>PT sizing: ${escapeHtml(a.scenario.name)}</h1>
<p>${escapeHtml(adviceSummary(a))}</p>
${availability}
${cost}
<h2>Every capacity simulated</h2>
<p>Each row is one run of the policy <code>${escapeHtml(a.policy)}</code> on the same ${int(a.scenario.requests)} ${
    a.scenario.replay ? "recorded " : ""
  }requests (seed <code>${escapeHtml(a.scenario.seed)}</code>), with ${escapeHtml(a.endpoint)} at that size.</p>
<div class="wide"><table><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody></table></div>
<h2>As text</h2>
<pre>${escapeHtml(renderAdvice(a))}</pre>
</body></html>
`
}
