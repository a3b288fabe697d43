export const count = (n: number): string => new Intl.NumberFormat("en").format(n)

export const usd = (n: number | null): string => {
  if (n === null) return "–"
  if (n === 0) return "$0"
  if (n < 0.01) return `$${n.toFixed(5)}`
  return `$${n.toFixed(n < 10 ? 3 : 2)}`
}

export const percent = (n: number | null, digits = 0): string => (n === null ? "–" : `${(n * 100).toFixed(digits)}%`)

export const seconds = (s: number | null | undefined): string => {
  if (s === null || s === undefined) return "–"
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`
}

export const millis = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`)

export const price = (p: { readonly prompt: number; readonly completion: number }): string =>
  `$${trim(p.prompt)} / $${trim(p.completion)}`

const trim = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(n < 1 ? 3 : 2).replace(/0+$/, ""))

export const clock = (ms: number): string =>
  new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" })

/** `12s`, `3m 05s`. */
export const countdown = (ms: number): string => {
  const s = Math.max(0, Math.ceil(ms / 1000))
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`
}
