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
