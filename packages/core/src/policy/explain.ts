import { blendedPrice } from "./price.js"
import type { PlanSettings } from "./settings.js"
import { SECTION_ORDER, SECTION_PT_FIRST, SECTION_PT_LAST, type Slot } from "./slot.js"

/**
 * Why a kept endpoint is where it is: its section (order entry, PT mode, escalation), how the
 * section was ranked, what moved it back, and which model it serves when it is a fallback model.
 */
export const attemptReasons = (
  slot: Slot,
  s: PlanSettings,
  models: ReadonlyArray<string>,
  held: boolean,
): ReadonlyArray<string> => {
  const out: Array<string> = []
  if (held) out.push("provisioned: held for escalation")
  if (slot.section === SECTION_ORDER) {
    out.push(`order[${slot.placeRank}]: ${s.order.entries[slot.placeRank]}`)
  } else {
    if (slot.section === SECTION_PT_FIRST) out.push("high_availability: provisioned first")
    else if (slot.section === SECTION_PT_LAST) out.push("escalation: provisioned after standard")
    out.push(slot.sticky ? "affinity: served this conversation's previous turn" : rankReason(slot, s))
    if (byPrice(s)) {
      const price = priceReason(slot)
      if (price !== undefined) out.push(price)
    }
    if (slot.outage) out.push("recent outage: behind stable endpoints")
    if (slot.expected > slot.price)
      out.push(
        `priced per success: ${round(slot.price)} → ${round(slot.expected)} (success rate ${Math.round((slot.live?.successRate ?? 1) * 1000) / 10}%)`,
      )
    if (slot.missedLatency !== undefined) out.push(`deprioritized: preferred_max_latency.${slot.missedLatency}`)
    if (slot.missedThroughput !== undefined)
      out.push(`deprioritized: preferred_min_throughput.${slot.missedThroughput}`)
    if (slot.overCapacity) out.push("deprioritized: predicted utilization over 100%")
  }
  if (slot.model > 0) out.push(`fallback model: ${models[slot.model]}`)
  return out
}

/** The plan ranks this section by price (not by a latency or throughput percentile). */
export const byPrice = (s: PlanSettings): boolean => s.sortBy === undefined || s.sortBy === "price"

const usd = (x: number): string => `$${Number(x.toPrecision(4))}/M`
const percent = (x: number): string => `${Math.round(x * 100)}%`

/**
 * Which price ranked the endpoint, when it is not the list price: the effective price, from its measured
 * prompt-cache shares (undefined without a measurement: the list price applies, as always).
 */
export const priceReason = (slot: Slot): string | undefined => {
  const shares = slot.live?.cacheShares
  if (shares === undefined) return undefined
  const list = blendedPrice(slot.endpoint)
  return `price: effective ${usd(slot.price)} (list ${usd(list)}; cache reads ${percent(shares.read)}, writes ${percent(shares.write)})`
}

const rankReason = (slot: Slot, s: PlanSettings): string => {
  switch (s.sortBy) {
    case "price":
      return "sort: price"
    case "latency":
      return slot.noMetric ? `sort: latency ${s.sortKey} (no data, after measured)` : `sort: latency ${s.sortKey}`
    case "throughput":
      return slot.noMetric ? `sort: throughput ${s.sortKey} (no data, after measured)` : `sort: throughput ${s.sortKey}`
    default:
      if (!s.loadBalance) return "after order: by price"
      return slot.picked ? "load balance: price-weighted pick (1/price²)" : "load balance: fallback by price"
  }
}

const round = (n: number): number => Math.round(n * 1000) / 1000
