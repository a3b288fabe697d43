/**
 * Key names. Every key of one endpoint carries the endpoint id as its hash tag (`{…}`), so each script
 * touches one Redis Cluster slot; the retry budget's slots share the tag `{budget}`.
 */
export interface Keys {
  /** The bucket and the Health entry (breaker, cooldown) of one endpoint: one hash, read with one HMGET. */
  readonly state: (endpointId: string) => string
  /**
   * The reservations open on one endpoint: a hash of replica id → `count:expiry` (what that replica holds open, and
   * when the last one it took expires). Named `:open` (it was the sorted set `:res` before 2026-12: a key of another
   * type, so replicas of both versions side by side do not trip over it).
   */
  readonly reservations: (endpointId: string) => string
  /** The stats of one window slice: a hash of replica id → that replica's encoded slice. */
  readonly stats: (endpointId: string, epoch: number) => string
  readonly budget: (epoch: number) => string
  /** A conversation's affinity entry (the endpoint id that served its last turn), a string with a TTL. */
  readonly affinity: (key: string) => string
  /** The pub/sub channel of news: a replica's id and the endpoint it reported a cooldown, failure or block on. */
  readonly news: string
}

export const makeKeys = (prefix: string): Keys => {
  const tag = (id: string) => `${prefix}{${id}}`
  return {
    state: (id) => `${tag(id)}:state`,
    reservations: (id) => `${tag(id)}:open`,
    stats: (id, epoch) => `${tag(id)}:stats:${epoch}`,
    budget: (epoch) => `${prefix}{budget}:${epoch}`,
    affinity: (key) => `${prefix}aff:${key}`,
    news: `${prefix}news`,
  }
}
