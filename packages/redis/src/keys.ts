/**
 * Key names. Every key of one endpoint carries the endpoint id as its hash tag (`{…}`), so each script
 * touches one Redis Cluster slot; the retry budget's slots share the tag `{budget}`.
 */
export interface Keys {
  /** The bucket and the Health entry (breaker, cooldown) of one endpoint: one hash, read with one HMGET. */
  readonly state: (endpointId: string) => string
  readonly reservations: (endpointId: string) => string
  /** The stats of one window slice: a hash of replica id → that replica's encoded slice. */
  readonly stats: (endpointId: string, epoch: number) => string
  readonly budget: (epoch: number) => string
  /** A conversation's affinity entry (the endpoint id that served its last turn), a string with a TTL. */
  readonly affinity: (key: string) => string
}

export const makeKeys = (prefix: string): Keys => {
  const tag = (id: string) => `${prefix}{${id}}`
  return {
    state: (id) => `${tag(id)}:state`,
    reservations: (id) => `${tag(id)}:res`,
    stats: (id, epoch) => `${tag(id)}:stats:${epoch}`,
    budget: (epoch) => `${prefix}{budget}:${epoch}`,
    affinity: (key) => `${prefix}aff:${key}`,
  }
}
