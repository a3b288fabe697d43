import type { Endpoint } from "../catalog/endpoint.js"
import type { PercentileKey } from "./preferred.js"
import type { EndpointLive } from "./types.js"

/** Where an admitted endpoint sits inside its partition. */
export const SECTION_ORDER = 0 // matched by `provider.order`, in the order given
export const SECTION_PT_FIRST = 1 // provisioned, `high_availability: true`
export const SECTION_REST = 2 // everything else: sorted or load-balanced
export const SECTION_PT_LAST = 3 // provisioned, plan built for escalation

/**
 * Per-candidate working record of one `plan` call: the values every stage reads are computed
 * once here, and the sort keys are plain numbers so one module-level comparator orders them.
 */
export interface Slot {
  readonly endpoint: Endpoint
  /** Position in the candidate list (final tie-breaker: the sort is total and deterministic). */
  readonly index: number
  /** Position of the endpoint's model in the request's model list. */
  readonly model: number
  readonly live: EndpointLive | undefined
  /** `rankPrice`: the effective price when the cache-hit share is measured, else the list price. */
  readonly price: number
  /**
   * Price per successful request, for load balancing (no `sort`): `price ÷ successRate^(1 + failurePenalty)`
   * once the success rate is measured, else `price`.
   */
  expected: number
  /** First `order` entry matching the endpoint (base or full slug), or -1. */
  readonly orderRank: number
  /** Bits of `reasons.ts`; 0 = admissible. */
  mask: number
  /** Provisioned, otherwise admissible, kept for escalation. */
  held: boolean
  /** `order` entry the endpoint is placed by, or -1 (provisioned endpoints are placed only by their full slug). */
  placeRank: number
  part: number
  section: number
  k1: number
  k2: number
  outage: boolean
  overCapacity: boolean
  /** Metric of the sort is missing (sorted after those with numbers). */
  noMetric: boolean
  missedLatency: PercentileKey | undefined
  missedThroughput: PercentileKey | undefined
  picked: boolean
  /** Placed first by conversation affinity (`affinity.ts`). */
  sticky: boolean
}

export const newSlot = (
  endpoint: Endpoint,
  index: number,
  model: number,
  live: EndpointLive | undefined,
  price: number,
  orderRank: number,
): Slot => ({
  endpoint,
  index,
  model,
  live,
  price,
  expected: price,
  orderRank,
  mask: 0,
  held: false,
  placeRank: -1,
  part: 0,
  section: SECTION_REST,
  k1: 0,
  k2: 0,
  outage: false,
  overCapacity: false,
  noMetric: false,
  missedLatency: undefined,
  missedThroughput: undefined,
  picked: false,
  sticky: false,
})

/** Partition, section, then the section's keys, then price, then candidate position. */
export const compareSlots = (a: Slot, b: Slot): number =>
  a.part - b.part ||
  a.section - b.section ||
  a.k1 - b.k1 ||
  compareNumber(a.k2, b.k2) ||
  a.expected - b.expected ||
  a.price - b.price ||
  a.index - b.index

/** Works for ±Infinity (a plain subtraction gives NaN for Infinity - Infinity). */
const compareNumber = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0)
