/**
 * The fields of an endpoint's state hash, in the order one HMGET returns them: the bucket's (`t r at bu
 * lt lr`, see `lua/bucket.ts`) then Health's (`k cf ws s f oa u ps cd n`, see `lua/breaker.ts`).
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
  "n",
] as const

/** An HMGET reply of `STATE_FIELDS` (null: field absent). */
export type StateFields = ReadonlyArray<string | null>

/** Index of the first Health field. */
export const HEALTH_OFFSET = 6
