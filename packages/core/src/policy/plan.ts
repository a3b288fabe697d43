import { routingDefaults } from "../catalog/defaults.js"
import type { Endpoint } from "../catalog/endpoint.js"
import type { ExcludedEndpoint } from "../errors.js"
import { applyAffinity } from "./affinity.js"
import { ExplainedAttempt, ExplainedPlan } from "./explained-plan.js"
import { liveMask, staticMask } from "./filters.js"
import { orderSlots } from "./ordering.js"
import { applyPoolRule } from "./pool.js"
import { rankPrice } from "./price.js"
import { R_NOT_IN_ORDER, reasonsOf } from "./reasons.js"
import { planSettings } from "./settings.js"
import { newSlot, type Slot } from "./slot.js"
import { matchIndex } from "./slug.js"
import { applySoftParameters } from "./soft-parameters.js"
import type { PlannedAttempt, PlanOptions, PlanRequest, RoutePlan, Snapshot } from "./types.js"

/**
 * The routing policy: a pure function of the request, the candidate endpoints, a snapshot of live
 * numbers and an injected random source. Every candidate ends in exactly one of `attempts`,
 * `escalation` or `excluded`. An empty plan is returned as is; see `noEndpointError`.
 *
 * Stages: hard filters (all reasons recorded) → soft tools/response_format → live state
 * (cooldown, open breaker) → `allow_fallbacks: false` with `order` → pool rule → ordering
 * (order, then sort or load balancing, within model partitions) → `allow_fallbacks: false`
 * without `order` (best endpoint of each model).
 *
 * Choices where the wire docs leave room (each detailed where it is implemented):
 * - price = effective prompt + completion USD/M (`price.ts`), the prompt price adjusted by the measured
 *   cache-hit share when Stats has one (`rankPrice`: the effective price);
 * - endpoints without latency/throughput numbers are not deprioritised by `preferred_*`, but
 *   sort after measured ones under `sort: latency|throughput` (`preferred.ts`, `ordering.ts`);
 * - `sort: latency|throughput` ranks by the lowest percentile the matching `preferred_*` names, else p50;
 * - with `order` but no `sort`, the rest follow by price (order disables load balancing);
 * - PT is opted in only by its full slug in `order`, `high_availability`, or escalation (`pool.ts`);
 * - conversation affinity (the previous turn's endpoint first, `affinity.ts`) acts within a section
 *   ranked by price, only on admitted endpoints, never with `order`;
 * - demotions (outage, preferences, predicted utilization > 1) act within a section, never
 *   across `order` entries or between PT-first / standard / PT-last sections (`ordering.ts`).
 */
export const plan = (
  request: PlanRequest,
  candidates: ReadonlyArray<Endpoint>,
  snapshot: Snapshot,
  options: PlanOptions,
): RoutePlan => {
  const s = planSettings(request, options)
  const models = request.models.slice()
  const closedOrder = !s.allowFallbacks && s.order.entries.length > 0
  const n = candidates.length
  const slots = new Array<Slot>(n)
  for (let i = 0; i < n; i++) {
    const endpoint = candidates[i]!
    let model = models.indexOf(endpoint.model)
    if (model < 0) model = models.push(endpoint.model) - 1
    const live = snapshot.endpoints.get(endpoint.id)
    const slot = newSlot(
      endpoint,
      i,
      model,
      live,
      rankPrice(endpoint, live?.cacheShares),
      matchIndex(s.order, endpoint),
    )
    slot.mask = staticMask(endpoint, s)
    slots[i] = slot
  }
  applySoftParameters(slots, s, models.length)

  const admitted: Array<Slot> = []
  const held: Array<Slot> = []
  for (let i = 0; i < n; i++) {
    const slot = slots[i]!
    slot.mask |= liveMask(slot.live, snapshot.now)
    if (closedOrder && slot.orderRank < 0) slot.mask |= R_NOT_IN_ORDER
    applyPoolRule(slot, s)
    if (slot.mask === 0) admitted.push(slot)
    else if (slot.held) held.push(slot)
  }
  const affinity = orderSlots(admitted, s, options.random, (sorted) =>
    applyAffinity(sorted, slots, s, snapshot.affinity, options.affinityTolerance ?? routingDefaults.affinity.tolerance),
  )
  orderSlots(held, s, options.random)

  let kept = admitted
  if (!s.allowFallbacks && !closedOrder) kept = bestOfEachModel(admitted, models.length)

  const explain = options.explain !== false
  const attempts = new Array<PlannedAttempt>(kept.length)
  for (let i = 0; i < kept.length; i++) {
    const slot = kept[i]!
    attempts[i] = explain
      ? new ExplainedAttempt(slot.endpoint, slot, s, models, false)
      : { endpoint: slot.endpoint, reasons: NO_REASONS }
  }
  const escalation = new Array<PlannedAttempt>(held.length)
  for (let i = 0; i < held.length; i++) {
    const slot = held[i]!
    escalation[i] = explain
      ? new ExplainedAttempt(slot.endpoint, slot, s, models, true)
      : { endpoint: slot.endpoint, reasons: NO_REASONS }
  }
  const excluded: Array<ExcludedEndpoint> = []
  for (let i = 0; i < n; i++) {
    const slot = slots[i]!
    if (slot.mask !== 0 && !slot.held) {
      excluded.push({ endpoint: slot.endpoint.id, model: slot.endpoint.model, reasons: reasonsOf(slot.mask) })
    }
  }
  if (!explain) return { attempts, escalation, excluded, steps: NO_REASONS }
  return new ExplainedPlan(attempts, escalation, excluded, { slots, kept, held, settings: s, models, affinity })
}

/** The reasons and steps of a plan made without its explanation (`PlanOptions.explain: false`). */
const NO_REASONS: ReadonlyArray<string> = Object.freeze([])

/**
 * `allow_fallbacks: false` without `order`: no provider fallback, so each model keeps only its
 * first endpoint of the ordered list; `models[]` fallbacks stay (they are model, not provider,
 * fallbacks). The others are marked `not_in_order`.
 */
const bestOfEachModel = (ordered: ReadonlyArray<Slot>, modelCount: number): Array<Slot> => {
  const seen = new Uint8Array(modelCount)
  const kept: Array<Slot> = []
  for (let i = 0; i < ordered.length; i++) {
    const slot = ordered[i]!
    if (seen[slot.model] === 0) {
      seen[slot.model] = 1
      kept.push(slot)
    } else {
      slot.mask |= R_NOT_IN_ORDER
    }
  }
  return kept
}
