// Markdown rendering of a benchmark report (printed and written to bench/results/latest.md).
import type { Outcome, Report, ScenarioReport } from "./report.js"
import type { Measurement } from "./scenarios.js"
import type { TargetId } from "./targets.js"

const ms = (v: number | undefined): string => (v === undefined ? "—" : v.toFixed(2))
const signedMs = (v: number | undefined): string => (v === undefined ? "—" : `${v >= 0 ? "+" : ""}${v.toFixed(2)}`)
const rate = (v: number | undefined): string => (v === undefined ? "—" : Math.round(v).toLocaleString("en-US"))
const times = (v: number | undefined): string => (v === undefined ? "—" : `${v.toFixed(2)}×`)
const mb = (v: number | undefined): string => (v === undefined ? "—" : v.toFixed(0))
const oneLine = (s: string): string => (s.split("\n").find((l) => l.trim()) ?? s).slice(0, 160).replaceAll("|", "/")

const notes = (scenario: ScenarioReport, m: Measurement, rounds: ReadonlyArray<Measurement>): string => {
  const parts: Array<string> = []
  if (scenario.metric === "load" && rounds.length > 1)
    parts.push(`rounds ${rounds.map((r) => rate(r.reqPerSec)).join(" / ")}`)
  if (scenario.metric === "ttfb") parts.push(`whole stream p50 ${ms(m.totalP50Ms)} / p99 ${ms(m.totalP99Ms)} ms`)
  if (m.limitedPerRequest !== undefined) parts.push(`${m.limitedPerRequest.toFixed(2)} upstream 429s per request`)
  if (m.maxOpen !== undefined)
    parts.push(`${m.maxOpen} open at once, ${m.ok} completed, RSS before ${mb(m.rssBeforeMb)} MB`)
  if (m.failed > 0) parts.push(`${m.failed} failed`)
  return parts.join("; ")
}

const row = (scenario: ScenarioReport, id: TargetId, label: string, outcome: Outcome | undefined): string => {
  const cells = (xs: ReadonlyArray<string>) => `| ${xs.join(" | ")} |`
  if (!outcome) return cells([scenario.title, label, "unavailable", "", "", "", "", "", "", ""])
  if ("na" in outcome) return cells([scenario.title, label, "n/a", "", "", "", "", "", "", outcome.na])
  const m = outcome.summary
  const d = scenario.derived[id]
  return cells([
    scenario.title,
    label,
    rate(m.reqPerSec),
    ms(m.p50Ms),
    ms(m.p99Ms),
    signedMs(d?.addedP50Ms),
    times(d?.overBare),
    times(d?.overPortkey),
    mb(m.rssPeakMb),
    [
      d?.overSwitchyard === undefined
        ? ""
        : `${times(d.overSwitchyard)} in-memory Switchyard, ${signedMs(d.addedP50OverSwitchyardMs)} ms p50 vs it`,
      notes(scenario, m, outcome.rounds),
    ]
      .filter((x) => x !== "")
      .join("; "),
  ])
}

export const toMarkdown = (report: Report): string => {
  const lines: Array<string> = [
    `# Gateway benchmark (${report.meta.date})`,
    "",
    `${report.meta.machine}. autocannon ${report.config.durationS} s per run, ${report.config.rounds} rounds with the targets ` +
      "run alternately; medians of the rounds (peak RSS: highest). Load generator, upstream and target share the " +
      "machine, so compare ratios within this run, not absolute numbers across runs.",
    "",
    ...report.targets.map(
      (t) =>
        `- ${t.label}: ${t.status === "ok" ? "measured" : `unavailable — ${oneLine(t.reason ?? "")}`}` +
        t.warnings.map((w) => `; warning: ${oneLine(w)}`).join(""),
    ),
    "",
    `Upstream: fake OpenAI-compatible server on loopback (JSON ≈ 300 B; SSE ${report.config.sseChunks} chunks; ` +
      "memory streams 20 chunks, 300 ms apart). Switchyard runs as built JS (`tsc -b`); the bare proxy runs under tsx " +
      "(`node --import tsx`), whose loader thread adds about 40 MB RSS; Portkey runs as plain JS. Node flags of " +
      `every target: ${report.config.nodeFlags.length === 0 ? "none" : report.config.nodeFlags.join(" ")}.`,
    "",
    "For SSE time to first byte, p50/p99 are the time to the first body byte. ÷ bare and ÷ Portkey are req/s ratios. " +
      "Switchyard + Redis is the same gateway with its live state on a local redis-server (TCP loopback, one replica).",
    "",
    "| scenario | target | req/s | p50 ms | p99 ms | +p50 vs bare | ÷ bare | ÷ Portkey | peak RSS MB | notes |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
  ]
  for (const scenario of report.scenarios) {
    for (const t of report.targets) lines.push(row(scenario, t.id, t.label, scenario.results[t.id]))
  }
  lines.push("", "## Goals (issues 7 and 11)", "", "| goal | measured | met |", "|---|--:|---|")
  for (const g of report.goals) {
    const value = g.value === undefined ? "—" : `${g.value.toFixed(2)} ${g.unit}`
    lines.push(`| ${g.goal} | ${value} | ${g.met === undefined ? "n/a" : g.met ? "yes" : "no"} |`)
  }
  return `${lines.join("\n")}\n`
}
