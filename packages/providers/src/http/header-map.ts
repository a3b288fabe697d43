/**
 * Response headers as plugins read them: lower-case names, one string per header
 * (repeated headers joined with ", "). Built once per response by the transport.
 */
export type HeaderMap = Readonly<Record<string, string | undefined>>

/** Normalize Node/undici `IncomingHttpHeaders` (or any record) into a `HeaderMap`. */
export const toHeaderMap = (raw: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>): HeaderMap => {
  const out: Record<string, string> = {}
  for (const name in raw) {
    const value = raw[name]
    if (value === undefined) continue
    out[name.toLowerCase()] = typeof value === "string" ? value : value.join(", ")
  }
  return out
}
