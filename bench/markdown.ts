// Markdown rendering of a benchmark report (printed and written to bench/results/latest.md).
import { describeLoad } from "./machine.js"
import { type Outcome, type Report, type ScenarioReport, withheldBecause } from "./report.js"
import type { Measurement } from "./scenarios.js"
import type { TargetId } from "./targets.js"

const ms = (v: number | undefined): string => (v === undefined ? "—" : v.toFixed(2))
const signedMs = (v: number | undefined): string => (v === undefined ? "—" : `${v >= 0 ? "+" : ""}${v.toFixed(2)}`)
const rate = (v: number | undefined): string => (v === undefined ? "—" : Math.round(v).toLocaleString("en-US"))
const times = (v: number | undefined): string => (v === undefined ? "—" : `${v.toFixed(2)}×`)
const us = (v: number | undefined): string => (v === undefined ? "—" : v.toFixed(0))
const mb = (v: number | undefined): string => (v === undefined ? "—" : v.toFixed(0))
const oneLine = (s: string): string => (s.split("\n").find((l) => l.trim()) ?? s).slice(0, 160).replaceAll("|", "/")

const notes = (scenario: ScenarioReport, m: Measurement, rounds: ReadonlyArray<Measurement>): string => {
  const parts: Array<string> = []
  if (scenario.metric === "load" && rounds.length > 1)
    parts.push(`rounds ${rounds.map((r) => rate(r.reqPerSec)).join(" / ")}`)
  if (scenario.metric === "ttfb") parts.push(`whole stream p50 ${ms(m.totalP50Ms)} / p99 ${ms(m.totalP99Ms)} ms`)
  if (m.limitedPerRequest !== undefined) parts.push(`${m.limitedPerRequest.toFixed(2)} upstream 429s per success`)
  if (m.maxOpen !== undefined)
    parts.push(`${m.maxOpen} open at once, ${m.ok} completed, RSS before ${mb(m.rssBeforeMb)} MB`)
  if (m.upstreamCpuUsPerReq !== undefined && m.loadgenCpuUsPerReq !== undefined)
    parts.push(
      `CPU µs/req: upstream ${us(m.upstreamCpuUsPerReq)}, load generator ${us(m.loadgenCpuUsPerReq)}` +
        (m.backendCpuUsPerReq === undefined ? "" : `, redis-server ${us(m.backendCpuUsPerReq)}`),
    )
  if (m.failed > 0) parts.push(`${m.failed} failed`)
  return parts.join("; ")
}

const row = (scenario: ScenarioReport, id: TargetId, label: string, outcome: Outcome | undefined): string => {
  const cells = (xs: ReadonlyArray<string>) => `| ${xs.join(" | ")} |`
  if (!outcome) return cells([scenario.title, label, "unavailable", "", "", "", "", "", "", "", ""])
  if ("na" in outcome) return cells([scenario.title, label, "n/a", "", "", "", "", "", "", "", outcome.na])
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
    us(m.cpuUsPerReq),
    mb(m.rssPeakMb),
    [
      d?.overSwitchyard === undefined
        ? ""
        : `${times(d.overSwitchyard)} the in-memory Switchyard, ${signedMs(d.addedP50OverSwitchyardMs)} ms p50 vs it`,
      notes(scenario, m, outcome.rounds),
    ]
      .filter((x) => x !== "")
      .join("; "),
  ])
}

/** Under a scenario's rows: what was refused or withheld, and how busy the machine was meanwhile. */
const scenarioNote = (scenario: ScenarioReport): string => {
  const parts: Array<string> = []
  const withheld = withheldBecause(scenario.verdict)
  if (withheld) parts.push(`**comparisons withheld — ${withheld}**`)
  if (scenario.refusedRounds.length > 0)
    parts.push(
      `refused round${scenario.refusedRounds.length > 1 ? "s" : ""} ${scenario.refusedRounds.join(", ")} of ` +
        `${scenario.roundsRun} (bare proxy off the other rounds by > 25%)`,
    )
  parts.push(describeLoad(scenario.load))
  return `| ${scenario.title} | _run_ |  |  |  |  |  |  |  |  | ${parts.join("; ")} |`
}

const metCell = (met: boolean | undefined, reason: string | undefined): string =>
  met === undefined ? `not measured${reason ? ` (${reason})` : ""}` : met ? "met" : "**not met**"

export const toMarkdown = (report: Report): string => {
  const lines: Array<string> = [
    `# Gateway benchmark (${report.meta.date})`,
    "",
    `${report.meta.machine}. autocannon ${report.config.durationS} s per run from its own process, ` +
      `${report.config.rounds} rounds with the targets run alternately; medians of the accepted rounds (peak RSS: ` +
      "highest). A round whose bare-proxy rate is off the other rounds' median by more than 25% is refused (and " +
      "another run in its place, up to two); a scenario whose direct upstream did not reach 2× the bare proxy is " +
      "load-generator bound and reports no ratios. Load generator, upstream and target share the machine, so " +
      "compare ratios within this run, not absolute numbers across runs.",
    "",
    `Machine, one idle second before the run: ${describeLoad(report.machine.before)}. During the run: ` +
      `${describeLoad(report.machine.run)}. One second after: ${describeLoad(report.machine.after)}.`,
    "",
    ...report.targets.map(
      (t) =>
        `- ${t.label}: ${t.status === "ok" ? "measured" : `unavailable — ${oneLine(t.reason ?? "")}`}` +
        t.warnings.map((w) => `; warning: ${oneLine(w)}`).join(""),
    ),
    "",
    `Upstream: fake OpenAI-compatible server on loopback (JSON ≈ 300 B; SSE ${report.config.sseChunks} chunks; ` +
      "memory streams 20 chunks, 300 ms apart). Switchyard runs as its production bundle (`pnpm bundle:gateway`, plain " +
      "node); the bare proxy runs under tsx " +
      "(`node --import tsx`), whose loader thread adds about 40 MB RSS; Portkey runs as plain JS. Node flags of " +
      `every target: ${report.config.nodeFlags.length === 0 ? "none" : report.config.nodeFlags.join(" ")}.`,
    "",
    "For SSE time to first byte, p50/p99 are the time to the first body byte. ÷ bare and ÷ Portkey are req/s ratios. " +
      "Switchyard + Redis: the same gateway with its live state on a local redis-server (TCP loopback, one " +
      "replica; its CPU µs/req is the gateway's, redis-server's is in the notes: on this machine it competes for the " +
      "same cores). " +
      "CPU µs/req: the target process's CPU time (user + system, /proc) per 2xx response — less sensitive to other " +
      "load on the machine than req/s.",
    "",
    "| scenario | target | req/s | p50 ms | p99 ms | +p50 vs bare | ÷ bare | ÷ Portkey | CPU µs/req | peak RSS MB | notes |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
  ]
  for (const scenario of report.scenarios) {
    for (const t of report.targets) lines.push(row(scenario, t.id, t.label, scenario.results[t.id]))
    lines.push(scenarioNote(scenario))
  }
  lines.push("", "## Goals (issues 15 and 11)", "", "| goal | measured | met |", "|---|--:|---|")
  for (const g of report.goals) {
    const value = g.value === undefined ? "—" : `${g.value.toFixed(2)}${g.unit ? ` ${g.unit}` : ""}`
    lines.push(`| ${g.goal} | ${value} | ${metCell(g.met, g.reason)} |`)
  }
  return `${lines.join("\n")}\n`
}
