import { missedMaxLatency, missedMinThroughput } from "./preferred.js"
import type { PlanSettings } from "./settings.js"
import { compareSlots, SECTION_ORDER, type Slot } from "./slot.js"

/** Floor for the 1/price² weight, so a free endpoint gets a huge but finite weight. */
const MIN_WEIGHT_PRICE = 1e-6
/** Floor of the success rate an expected price divides by (a nearly dead endpoint is very dear, not infinite). */
const MIN_SUCCESS_RATE = 0.05

/**
 * Sort keys of one admitted (or held) slot.
 * - `order` section: entry index, then price within the entry.
 * - Other sections: a group, then the sort metric. Groups, best first: headroom before predicted
 *   over capacity (`predictedUtilization > 1`); meets `preferred_*` before misses; and, without
 *   `sort`, no outright outage before an outage (open breaker, or an unmeasured endpoint's recent failure).
 *   The metric is, without `sort`, the expected price per successful request: the effective price ÷ measured
 *   success rate^(1 + failurePenalty) — an endpoint failing 5% of calls costs ×1.11 at the default penalty, so
 *   it is demoted in proportion, not sent to the back; with `sort: "price"` the effective price itself; or the
 *   chosen latency percentile (ascending) or throughput percentile (descending); endpoints without numbers
 *   sort after those with numbers.
 */
export const assignKeys = (slot: Slot, s: PlanSettings): void => {
  slot.part = s.partition === "model" ? slot.model : 0
  if (slot.section === SECTION_ORDER) {
    slot.k1 = slot.placeRank
    slot.k2 = slot.price
    return
  }
  const live = slot.live
  slot.overCapacity = live?.predictedUtilization !== undefined && live.predictedUtilization > 1
  slot.missedLatency = missedMaxLatency(live?.latency, s.maxLatency)
  slot.missedThroughput = missedMinThroughput(live?.throughput, s.minThroughput)
  slot.outage = s.sortBy === undefined && live !== undefined && live.recentOutage
  const success = live?.successRate
  slot.expected =
    s.sortBy !== undefined || success === undefined || success >= 1
      ? slot.price
      : slot.price / Math.max(success, MIN_SUCCESS_RATE) ** (1 + s.failurePenalty)
  const missed = slot.missedLatency !== undefined || slot.missedThroughput !== undefined
  slot.k1 = (slot.overCapacity ? 4 : 0) + (missed ? 2 : 0) + (slot.outage ? 1 : 0)
  switch (s.sortBy) {
    case "latency": {
      const value = live?.latency?.[s.sortKey]
      slot.noMetric = value === undefined
      slot.k2 = value ?? Number.POSITIVE_INFINITY
      return
    }
    case "throughput": {
      const value = live?.throughput?.[s.sortKey]
      slot.noMetric = value === undefined
      slot.k2 = value === undefined ? Number.POSITIVE_INFINITY : -value
      return
    }
    default:
      slot.k2 = slot.expected
  }
}

/**
 * Orders slots in place: one sort (n log n) with the module-level comparator, then `sticky` (conversation
 * affinity, `affinity.ts`: it may move one slot to the head of its segment), then, for classic load
 * balancing, one weighted pick at the head of every other (partition, section) segment.
 */
export const orderSlots = <A>(
  slots: Array<Slot>,
  s: PlanSettings,
  random: () => number,
  sticky?: (sorted: Array<Slot>) => A,
): A | undefined => {
  for (let i = 0; i < slots.length; i++) assignKeys(slots[i]!, s)
  sortSlots(slots)
  const decision = sticky?.(slots)
  if (!s.loadBalance) return decision
  let start = 0
  while (start < slots.length) {
    const head = slots[start]!
    let end = start + 1
    while (end < slots.length && slots[end]!.part === head.part && slots[end]!.section === head.section) end++
    if (!head.sticky) pickWeighted(slots, start, end, random)
    start = end
  }
  return decision
}

/** Up to this many slots, an insertion sort: `Array.prototype.sort` costs more in setup than a handful of slots take to order. */
const INSERTION_SORT_MAX = 16

/** Sorts by `compareSlots`, a total order (the candidate index breaks every tie), so the result is the same whichever sort runs. */
const sortSlots = (slots: Array<Slot>): void => {
  if (slots.length > INSERTION_SORT_MAX) {
    slots.sort(compareSlots)
    return
  }
  for (let i = 1; i < slots.length; i++) {
    const slot = slots[i]!
    let j = i - 1
    while (j >= 0 && compareSlots(slots[j]!, slot) > 0) {
      slots[j + 1] = slots[j]!
      j--
    }
    slots[j + 1] = slot
  }
}

/**
 * Classic OpenRouter load balancing: among the best group at the head of the segment (stable
 * endpoints with headroom that meet the preferences), pick the first attempt at random weighted
 * by 1/price²; the rest keep ascending price. A one-endpoint group consumes no randomness.
 */
const pickWeighted = (slots: Array<Slot>, start: number, end: number, random: () => number): void => {
  const group = slots[start]!.k1
  let stop = start + 1
  while (stop < end && slots[stop]!.k1 === group) stop++
  let chosen = start
  if (stop - start > 1) {
    let total = 0
    for (let i = start; i < stop; i++) total += weight(slots[i]!.expected)
    let r = random() * total
    for (let i = start; i < stop; i++) {
      r -= weight(slots[i]!.expected)
      if (r < 0) {
        chosen = i
        break
      }
      chosen = i
    }
  }
  const pick = slots[chosen]!
  for (let i = chosen; i > start; i--) slots[i] = slots[i - 1]!
  slots[start] = pick
  pick.picked = true
}

const weight = (price: number): number => {
  const p = Math.max(price, MIN_WEIGHT_PRICE)
  return 1 / (p * p)
}
