/**
 * Go-style durations as OpenAI/Groq send them in `x-ratelimit-reset-*`:
 * `"6m0s"`, `"12ms"`, `"1s"`, `"1h2m3.5s"`, `"7.66s"`, `"500us"`.
 * A bare number is read as seconds. Returns milliseconds, or undefined when unparseable.
 */
const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

const part = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y

export const parseGoDurationMs = (text: string): number | undefined => {
  const s = text.trim()
  if (s === "") return undefined
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s) * 1000
  let total = 0
  part.lastIndex = 0
  let pos = 0
  while (pos < s.length) {
    part.lastIndex = pos
    const m = part.exec(s)
    if (m === null || m[1] === undefined || m[2] === undefined) return undefined
    total += Number(m[1]) * (unitMs[m[2]] ?? Number.NaN)
    pos = part.lastIndex
  }
  return Number.isFinite(total) ? total : undefined
}
