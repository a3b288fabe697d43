import * as Schema from "effect/Schema"

/** Unknown keys reported one by one; more than this many end in one "and N more" issue. */
const MAX_REPORTED = 5
/** An unknown key is echoed (in `param` and the message) cut to this many characters. */
const MAX_KEY_ECHO = 200

/** Edit distance (insert, delete, substitute, swap neighbours), or `limit + 1` once it is over `limit`. */
const distance = (a: string, b: string, limit: number): number => {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let prev2: Array<number> = []
  let prev: Array<number> = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur: Array<number> = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1)
      cur.push(d)
      if (d < rowMin) rowMin = d
    }
    if (rowMin > limit) return limit + 1
    prev2 = prev
    prev = cur
  }
  return prev[b.length]!
}

/** The known key closest to `key` (a typo: at most 2 edits, or a different case), if there is one. */
export const closestKey = (key: string, known: ReadonlyArray<string>): string | undefined => {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestDistance = 3
  for (const k of known) {
    const lowerK = k.toLowerCase()
    const d = lowerK === lower ? 0 : distance(lower, lowerK, 2)
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return best
}

const unknownKeyMessage = (key: string, known: ReadonlyArray<string>): string => {
  const near = key.length <= 64 ? closestKey(key, known) : undefined
  return near === undefined
    ? `Not a known field (known: ${known.join(", ")})`
    : `Not a known field (did you mean "${near}"?)`
}

const struct = <const Fields extends Schema.Struct.Fields>(fields: Fields, annotations: boolean) => {
  const known = Object.keys(fields)
  const knownSet: ReadonlySet<string> = new Set(known)
  const unknownKeys = Schema.makeFilter((input: { readonly [x: string]: unknown }) => {
    const issues: Array<Schema.FilterIssue> = []
    let more = 0
    for (const key in input) {
      if (knownSet.has(key) || (annotations && key.startsWith("$"))) continue
      if (issues.length === MAX_REPORTED) {
        more++
        continue
      }
      issues.push({ path: [key.slice(0, MAX_KEY_ECHO)], issue: unknownKeyMessage(key, known) })
    }
    if (more > 0) issues.push(`and ${more} more unknown field${more === 1 ? "" : "s"}`)
    return issues
  })
  return Schema.Record(Schema.String, Schema.Unknown)
    .check(unknownKeys)
    .pipe(Schema.decodeTo(Schema.Struct(fields)))
}

/**
 * A struct that rejects keys it does not declare (JSON Schema `additionalProperties: false`), each at its
 * own path (`provider.allow_fallback: Not a known field (did you mean "allow_fallbacks"?)`), instead of
 * dropping them silently as `Schema.Struct` does. Keys are echoed cut to 200 characters, and at most 5
 * are listed. The decoded type is the struct's.
 */
export const closedStruct = <const Fields extends Schema.Struct.Fields>(fields: Fields) => struct(fields, false)

/**
 * A section of a config file: a `closedStruct` (a misspelt setting fails at start with its path and the
 * setting it resembles, instead of being ignored) that also lets annotation keys through — any key starting
 * with `$`, as JSON Schema's `$comment` and `$schema` — and drops them.
 */
export const configStruct = <const Fields extends Schema.Struct.Fields>(fields: Fields) => struct(fields, true)
