import type { HeaderMap } from "./header-map.js"

/** The first non-empty header of `names` (lower-case), e.g. `["apim-request-id", "x-request-id"]`. */
export const requestIdFrom = (headers: HeaderMap, names: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < names.length; i++) {
    const v = headers[names[i]!]
    if (v !== undefined && v !== "") return v
  }
  return undefined
}
