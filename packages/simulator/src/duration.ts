import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/

/** Rounded to a millionth of a ms: "1.005s" is 1005 ms, not 1004.9999999999999 (decimal fractions in binary). */
const parse = (s: string): number => {
  const m = PATTERN.exec(s.trim())
  return m ? Math.round(Number(m[1]) * UNITS[m[2]!]! * 1e6) / 1e6 : Number.NaN
}

const format = (ms: number): string => {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

const DurationString = Schema.String.check(
  Schema.makeFilter((s) => PATTERN.test(s.trim()) || 'expected a duration like "500ms", "30s", "90m", "2h" or "1d"'),
).pipe(Schema.decodeTo(Schema.Finite, SchemaTransformation.transform({ decode: parse, encode: format })))

/** A duration in milliseconds: a number (ms) or a string with a unit (`"500ms"`, `"30s"`, `"90m"`, `"2h"`, `"1d"`). */
export const DurationMs = Schema.Union([Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)), DurationString])
export type DurationMs = typeof DurationMs.Type

export { format as formatDuration }
