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
    out.push(rankReason(slot, s))
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
