/**
 * `pnpm test:soak [--duration 5m] [--concurrency 32]`: the gateway under mixed traffic with faults (see
 * `run-soak.ts`). Prints the outcome counts, the lost / duplicated / truncated / malformed counts and the
 * gateway's RSS series; exits 1 if any of those four is not 0. Not part of `npm test` (a 6-second run of it is).
 */
import { runSoak } from "./run-soak.js"

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}

const parseDuration = (text: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text)
  if (m === null) throw new Error(`--duration: expected e.g. 30s, 5m, 1h (got ${text})`)
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"]
  return Number(m[1]) * unit
}

const durationMs = parseDuration(arg("--duration", "5m"))
const concurrency = Number(arg("--concurrency", "32"))
console.log(`soak: ${durationMs / 1000} s, ${concurrency} concurrent clients, 3 fault-injecting upstreams`)
const report = await runSoak({ durationMs, concurrency, onProgress: (line) => console.log(`  ${line}`) })
console.log(`
requests:   ${report.requests}
outcomes:   ${Object.entries(report.outcomes)
  .sort((a, b) => b[1] - a[1])
  .map(([k, v]) => `${k}: ${v}`)
  .join(", ")}
lost:       ${report.lost}
duplicated: ${report.duplicated}
truncated:  ${report.truncated}
malformed:  ${report.malformed}
RSS (MB):   ${report.rssMb.join(" ")}`)
for (const e of report.examples) console.log(`  e.g. ${e}`)
process.exit(report.lost + report.duplicated + report.truncated + report.malformed === 0 ? 0 : 1)
