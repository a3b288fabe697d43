import type { Endpoint } from "../catalog/endpoint.js"

/**
 * Provider slug matching (wire-facts §1): a base slug (`google-vertex`) matches every endpoint of
 * that provider except service-tier ones; a full slug (`google-vertex/pt`) matches exactly the
 * endpoint with that slug. An entry equal to an endpoint's own slug always matches it, so an
 * endpoint without a variant is matched by its provider slug even when it is a service tier.
 * Slugs are compared as written (case-sensitive), like the catalog declares them.
 */
export interface SlugList {
  readonly entries: ReadonlyArray<string>
  /** Every entry → its first index. */
  readonly exact: ReadonlyMap<string, number>
  /** Entries without a `/` → their first index. */
  readonly base: ReadonlyMap<string, number>
}

export const EMPTY_SLUGS: SlugList = { entries: [], exact: new Map(), base: new Map() }

/** Built once per plan call from a request list; `undefined` or empty means "no list". */
export const slugList = (entries: ReadonlyArray<string> | undefined): SlugList => {
  if (entries === undefined || entries.length === 0) return EMPTY_SLUGS
  const exact = new Map<string, number>()
  const base = new Map<string, number>()
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!
    if (!exact.has(entry)) exact.set(entry, i)
    if (!entry.includes("/") && !base.has(entry)) base.set(entry, i)
  }
  return { entries, exact, base }
}

/** Index of the first entry that names this endpoint by its full slug, or -1. */
export const exactIndex = (list: SlugList, endpoint: Endpoint): number => list.exact.get(endpoint.slug) ?? -1

/** Index of the first entry that matches this endpoint (full slug, or base slug for non-service-tier endpoints), or -1. */
export const matchIndex = (list: SlugList, endpoint: Endpoint): number => {
  if (list.entries.length === 0) return -1
  const exact = list.exact.get(endpoint.slug)
  const base = endpoint.serviceTier ? undefined : list.base.get(endpoint.provider)
  if (exact === undefined) return base ?? -1
  return base === undefined || exact < base ? exact : base
}
