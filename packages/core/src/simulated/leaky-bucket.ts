/**
 * A leaky bucket as provisioned-throughput meters use it (wire-facts §2): each request adds a
 * charge (prompt + expected output × output weight); the level drains continuously at
 * `perMinute` per minute; the bucket holds `perMinute × windowMs / 60 000`. Utilization is
 * level / size. A request that would push utilization over 100% is refused with the time until
 * it fits; one larger than the whole bucket is admitted only into an empty bucket (else it
 * could never run). After the request ends the estimate is corrected by the actual charge.
 *
 * Pure and synchronous: time is passed in (callers read it from Effect `Clock`).
 */
export interface LeakyBucket {
  readonly perMinute: number
  /** Bucket size in the same unit as charges. */
  readonly size: number
  /** Drain per millisecond. */
  readonly drainPerMs: number
  level: number
  updatedAt: number
}

/** Rounding slack (tokens): a charge that fits after waiting the reported time must be admitted. */
const EPSILON = 1e-6

export type Admission =
  | { readonly admitted: true; readonly utilization: number }
  | { readonly admitted: false; readonly retryAfterMs: number; readonly utilization: number }

export const makeBucket = (perMinute: number, now: number, windowMs = 60_000): LeakyBucket => ({
  perMinute,
  size: (perMinute * windowMs) / 60_000,
  drainPerMs: perMinute / 60_000,
  level: 0,
  updatedAt: now,
})

/** Apply the drain up to `now` (time never goes backwards). */
export const drain = (b: LeakyBucket, now: number): void => {
  if (now > b.updatedAt) {
    b.level = Math.max(0, b.level - (now - b.updatedAt) * b.drainPerMs)
    b.updatedAt = now
  }
}

export const utilization = (b: LeakyBucket, now: number): number => {
  drain(b, now)
  return b.level / b.size
}

/** Milliseconds until a charge of `charge` fits (0 when it fits now). */
export const timeUntilFits = (b: LeakyBucket, charge: number, now: number): number => {
  drain(b, now)
  const excess = charge > b.size ? b.level : b.level + charge - b.size
  return excess <= EPSILON ? 0 : Math.ceil(excess / b.drainPerMs)
}

/** Admit `charge` if it fits, adding it to the level; else report when it will. */
export const admit = (b: LeakyBucket, charge: number, now: number): Admission => {
  const wait = timeUntilFits(b, charge, now)
  if (wait > 0) return { admitted: false, retryAfterMs: wait, utilization: b.level / b.size }
  b.level += charge
  return { admitted: true, utilization: b.level / b.size }
}

/** Correct an admitted estimate by `delta` (actual − estimate), never below empty. */
export const reconcile = (b: LeakyBucket, delta: number, now: number): void => {
  drain(b, now)
  b.level = Math.max(0, b.level + delta)
}
