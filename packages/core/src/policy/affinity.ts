import { byPrice } from "./explain.js"
import { reasonsOf } from "./reasons.js"
import type { PlanSettings } from "./settings.js"
import type { Slot } from "./slot.js"

/** What affinity did to a plan, for its trace: the previous turn's endpoint first, or why not. */
export interface AffinityDecision {
  /** The endpoint that served the conversation's previous turn. */
  readonly endpoint: string
  readonly applied: boolean
  readonly why: string
}

const pct = (x: number): string => `${Math.round(x * 100)}%`

/**
 * Conversation affinity, on the admitted slots once they are ordered (keys assigned, sorted): the slot
 * of the endpoint that served the conversation's previous turn (`stickyId`) moves to the head of its
 * segment (partition and section) — ahead of the load-balancing draw or the price sort — so its prompt
 * cache is read instead of another provider's being written. It applies only when all of these hold:
 * - no `provider.order` (an explicit order always wins) and the section is ranked by price (not a
 *   latency or throughput sort);
 * - the endpoint is admitted: every hard filter, `only`/`ignore`, data policy, the pool rule and live
 *   state (cooldown, open breaker) already passed — affinity never brings back an excluded endpoint;
 * - it is among the healthiest of its segment (no recent outage, not predicted over capacity, meets
 *   the `preferred_*` cutoffs when the best do);
 * - its cache reads are cheaper than its prompt price (otherwise staying saves nothing);
 * - its (effective) price is within `tolerance` of the cheapest of those: ≤ (1 + tolerance) × cheapest.
 * Pure: the previous endpoint arrives in the snapshot. Marks the slot `sticky` when applied.
 */
export const applyAffinity = (
  slots: Array<Slot>,
  candidates: ReadonlyArray<Slot>,
  s: PlanSettings,
  stickyId: string | undefined,
  tolerance: number,
): AffinityDecision | undefined => {
  if (stickyId === undefined) return undefined
  const no = (why: string): AffinityDecision => ({ endpoint: stickyId, applied: false, why })
  if (s.order.entries.length > 0) return no("provider.order is set")
  if (!byPrice(s)) return no(`sort: ${s.sortBy} ranks by speed, not price`)
  let at = -1
  for (let i = 0; i < slots.length; i++)
    if (slots[i]!.endpoint.id === stickyId) {
      at = i
      break
    }
  if (at < 0) {
    const slot = candidates.find((c) => c.endpoint.id === stickyId)
    if (slot === undefined) return no("not a candidate of this request")
    return no(`not admissible (${slot.held ? "provisioned, held for escalation" : reasonsOf(slot.mask).join(", ")})`)
  }
  const sticky = slots[at]!
  if (sticky.endpoint.effectiveCacheRead >= sticky.endpoint.effectivePrompt)
    return no("its cache reads cost the prompt price")
  let start = at
  while (start > 0 && slots[start - 1]!.part === sticky.part && slots[start - 1]!.section === sticky.section) start--
  const best = slots[start]!.k1
  if (sticky.k1 !== best) return no("behind healthier endpoints (outage, capacity or preferences)")
  let cheapest = sticky.price
  for (let i = start; i < slots.length; i++) {
    const slot = slots[i]!
    if (slot.part !== sticky.part || slot.section !== sticky.section || slot.k1 !== best) break
    if (slot.price < cheapest) cheapest = slot.price
  }
  if (cheapest === 0 && sticky.price > 0) return no("the cheapest is free")
  if (sticky.price > cheapest * (1 + tolerance))
    return no(`${pct(sticky.price / cheapest - 1)} above the cheapest (tolerance ${pct(tolerance)})`)
  for (let i = at; i > start; i--) slots[i] = slots[i - 1]!
  slots[start] = sticky
  sticky.sticky = true
  return {
    endpoint: stickyId,
    applied: true,
    why:
      sticky.price > cheapest
        ? `${pct(sticky.price / cheapest - 1)} above the cheapest, within ${pct(tolerance)}`
        : "the cheapest",
  }
}
