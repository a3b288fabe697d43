/**
 * Response headers as plugins read them: lower-case names, one string per header
 * (repeated headers joined with ", "). Built once per response by the transport.
 */
export type HeaderMap = Readonly<Record<string, string | undefined>>

type RawHeaders = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/**
 * Normalize Node/undici `IncomingHttpHeaders` (or any record) into a `HeaderMap`. A record that already is one
 * (every name lower-case, every value one string: undici's parsed headers without a repeated one) is
 * returned as it is, not copied: one object less per upstream response.
 */
export const toHeaderMap = (raw: RawHeaders): HeaderMap => (isHeaderMap(raw) ? (raw as HeaderMap) : copied(raw))

const isHeaderMap = (raw: RawHeaders): boolean => {
  for (const name in raw) {
    if (typeof raw[name] !== "string" || name.toLowerCase() !== name) return false
  }
  return true
}

const copied = (raw: RawHeaders): HeaderMap => {
  const out: Record<string, string> = {}
  for (const name in raw) {
    const value = raw[name]
    if (value === undefined) continue
    out[name.toLowerCase()] = typeof value === "string" ? value : value.join(", ")
  }
  return out
}
