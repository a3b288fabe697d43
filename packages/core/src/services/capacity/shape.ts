import type * as Effect from "effect/Effect"
import type { CapacityCounts } from "../../catalog/config.js"
import type { Endpoint } from "../../catalog/endpoint.js"
import type { CapacitySignals, Usage } from "../../provider/usage.js"
import type { BucketLimits } from "./bucket.js"

/** A charge held on an endpoint's bucket until the request settles or is released. Plain data (serialisable). */
export interface Reservation {
  /** Unique within the store. */
  readonly id: string
  readonly endpointId: string
  /** Tokens charged at admission (estimate). */
  readonly charge: number
  readonly outputWeight: number
  /** What the provider's limiter counts: how `settle` corrects the charge (`settledCharge`). */
  readonly counts: CapacityCounts
  /** `ReserveOptions.output` at admission (0: unknown). */
  readonly output: number
  /** `ReserveOptions.prompt` at admission (0: unknown): what the meter's prompt scale learns from at settle. */
  readonly prompt: number
  /** Configured capacity at admission (undefined members: tracked by signals only). */
  readonly limits: BucketLimits
}

export type Admission =
  | { readonly _tag: "Admitted"; readonly reservation: Reservation }
  | {
      readonly _tag: "Refused"
      /** Milliseconds until the charge would fit (Infinity: never, the charge alone exceeds the limit). */
      readonly waitMs: number
      /** `blocked`: upstream retry-after in force; `full`: the bucket is over the limit; `too_large`: the charge never fits. */
      readonly reason: "full" | "blocked" | "too_large"
    }

export interface ReserveOptions {
  /** Refuse charges that would take the bucket over `1 - headroom` (otherwise only an upstream block refuses). */
  readonly admission: boolean
  /** Share of capacity (0..1) the charge may not use: `criticalHeadroom` for non-critical requests on PT, else 0. */
  readonly headroom: number
  /**
   * The output part of the charge (expected output × output weight): what a `prompt+max_tokens` limiter keeps
   * however short the answer (see `settledCharge`). Absent: the whole charge is kept.
   */
  readonly output?: number | undefined
  /**
   * The request's prompt estimate (`estimatePromptTokens`, before the prompt scale): at settle the meter compares
   * it with the prompt tokens the provider counted and learns the endpoint's `promptScale`. Absent: nothing learnt.
   */
  readonly prompt?: number | undefined
}

export interface ObserveOptions {
  /** The response was a 429 (a full bucket even without retry-after). */
  readonly rateLimited?: boolean
}

/**
 * CapacityMeter: one leaky bucket per endpoint (see `bucket.ts` for the exact meter and the definition of
 * utilization). Every operation is atomic on one endpoint's bucket and runs at `now` from `Clock` (the
 * optional trailing `now`: an instant the caller already read from `Clock`; see `services/now.ts`), so a
 * shared store (Redis: one hash per endpoint id, one Lua script per operation) can replace the
 * in-memory layer without changing callers. Endpoints without configured capacity are untracked
 * until signals teach a limit; they can still be blocked by an observed 429.
 */
export interface CapacityShape {
  /** Charge `charge` tokens (+1 request) if it fits, else say how long until it would. */
  readonly reserve: (
    endpoint: Endpoint,
    charge: number,
    options: ReserveOptions,
    now?: number,
  ) => Effect.Effect<Admission>
  /** Correct a reservation to the actual usage (surcharge or refund the difference). Idempotent. */
  readonly settle: (reservation: Reservation, usage: Usage, now?: number) => Effect.Effect<void>
  /** Refund a reservation in full (cancelled or failed before the upstream did the work). Idempotent. */
  readonly release: (reservation: Reservation, now?: number) => Effect.Effect<void>
  /** Learn from upstream signals (retry-after, x-ratelimit-*, Azure utilization). */
  readonly observe: (
    endpoint: Endpoint,
    signals: CapacitySignals,
    options?: ObserveOptions,
    now?: number,
  ) => Effect.Effect<void>
  /** Utilization if `charge` tokens were admitted now; undefined for untracked endpoints. */
  readonly predict: (endpoint: Endpoint, charge: number, now?: number) => Effect.Effect<number | undefined>
  /** `predict` of each endpoint with its charge (same index), at one instant (one `Clock` read; one round trip). */
  readonly predictMany: (
    endpoints: ReadonlyArray<Endpoint>,
    charges: ReadonlyArray<number>,
    now?: number,
  ) => Effect.Effect<ReadonlyArray<number | undefined>>
  /** Current utilization (0..1+); undefined for untracked endpoints. */
  readonly utilization: (endpoint: Endpoint, now?: number) => Effect.Effect<number | undefined>
  /** Milliseconds until `charge` would be admitted with these options (0 = now, Infinity = never). */
  readonly availableIn: (
    endpoint: Endpoint,
    charge: number,
    options: ReserveOptions,
    now?: number,
  ) => Effect.Effect<number>
  /**
   * Prompt tokens the endpoint's provider counts per estimated prompt token, learnt from settled requests
   * (≥ 1; 1 until one settled): callers multiply the prompt estimate of every charge by it (`estimateCharge`).
   * Synchronous and process-local (a lookup on the request path).
   */
  readonly promptScale: (endpoint: Endpoint) => number
  /** Reservations not yet settled or released (all endpoints, or one). */
  readonly openReservations: (endpointId?: string) => Effect.Effect<number>
}
