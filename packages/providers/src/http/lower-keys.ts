/** Header records with lower-cased names, so user headers replace defaults instead of duplicating them. */
export const lowerKeys = (h: Readonly<Record<string, string>> | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  if (h !== undefined) for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v
  return out
}
