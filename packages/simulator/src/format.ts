import { formatDuration } from "./duration.js"
/** Number formatting shared by the text table and the HTML report. */

export const pct = (x: number | undefined, digits = 2): string =>
  x === undefined || Number.isNaN(x) ? "—" : `${(x * 100).toFixed(digits)}%`

export const signedPct = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x) ? "—" : `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}%`

export const seconds = (ms: number | undefined): string =>
  ms === undefined || Number.isNaN(ms)
    ? "—"
    : ms >= 10_000
      ? `${(ms / 1000).toFixed(1)}s`
      : `${(ms / 1000).toFixed(2)}s`

export const usd = (x: number): string => (Number.isNaN(x) ? "—" : `$${x.toFixed(2)}`)

export const int = (n: number): string => Math.round(n).toLocaleString("en-US")

export const fixed = (x: number, digits = 2): string => (Number.isNaN(x) ? "—" : x.toFixed(digits))

/** A duration for people: `6h`, `90m` as given when exact, else `1h 23m`, `4m 05s`, `12.3s`. */
export const span = (ms: number): string => {
  const exact = formatDuration(ms)
  if (!exact.endsWith("ms") || ms < 1_000) return exact
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const s = Math.round(ms / 1000)
  if (s < 3_600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`
  const m = Math.round(s / 60)
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`
}
