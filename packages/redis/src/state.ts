import type { Connection } from "./connection.js"
import type { Keys } from "./keys.js"

/**
 * The fields of an endpoint's state hash, in the order one HMGET returns them: the bucket's (`t r at bu
 * lt lr`, see `lua/bucket.ts`) then Health's (`k cf ws s f oa u ps cd`, see `lua/breaker.ts`).
 */
export const STATE_FIELDS = [
  "t",
  "r",
  "at",
  "bu",
  "lt",
  "lr",
  "k",
  "cf",
  "ws",
  "s",
  "f",
  "oa",
  "u",
  "ps",
  "cd",
] as const

/** An HMGET reply of `STATE_FIELDS` (null: field absent). */
export type StateFields = ReadonlyArray<string | null>

/** Index of the first Health field. */
export const HEALTH_OFFSET = 6

export const readState =
  (conn: Connection, keys: Keys) =>
  (endpointId: string): Promise<StateFields> =>
    conn.redis.hmget(keys.state(endpointId), ...STATE_FIELDS)
