import { byPrice } from "./explain.js"
import { R_NOT_IN_ORDER, R_POOL, REASON_ORDER } from "./reasons.js"
import type { PlanSettings } from "./settings.js"
import { SECTION_ORDER, type Slot } from "./slot.js"

const FILTER_BITS = ~(R_POOL | R_NOT_IN_ORDER)

const slugs = (slots: ReadonlyArray<Slot>): string => {
  let out = ""
  for (let i = 0; i < slots.length; i++) out += (i === 0 ? "" : ", ") + slots[i]!.endpoint.slug
  return out
}

/** `reason ×count, …` over the endpoints the filters dropped, in `REASON_ORDER` (only built when some were). */
const dropDetail = (slots: ReadonlyArray<Slot>): string => {
  const counts = new Array<number>(REASON_ORDER.length).fill(0)
  for (let i = 0; i < slots.length; i++) {
    const filterMask = slots[i]!.mask & FILTER_BITS
    for (let bit = 0; bit < REASON_ORDER.length; bit++) if ((filterMask & (1 << bit)) !== 0) counts[bit]!++
  }
  let detail = ""
  for (let bit = 0; bit < REASON_ORDER.length; bit++) {
    const c = counts[bit]!
    if (c > 0) detail += `${detail === "" ? "" : ", "}${REASON_ORDER[bit]}${c > 1 ? ` ×${c}` : ""}`
  }
  return detail
}

/** The plan's human-readable record, one line per stage that did something (plus the candidates and the result). */
export const planSteps = (
  slots: ReadonlyArray<Slot>,
  attempts: ReadonlyArray<Slot>,
  escalation: ReadonlyArray<Slot>,
  s: PlanSettings,
  models: ReadonlyArray<string>,
): Array<string> => {
  const steps: Array<string> = [`candidates: ${slots.length} endpoints for ${models.join(", ")}`]

  let dropped = 0
  let provisioned = 0
  let provisionedHeldOrDropped = 0
  let notInOrder = 0
  const flagged = { latency: [] as Array<Slot>, throughput: [] as Array<Slot>, outage: 0, over: 0 }
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!
    if (slot.endpoint.pool === "provisioned") {
      provisioned++
      if ((slot.mask & R_POOL) !== 0) provisionedHeldOrDropped++
    }
    if ((slot.mask & R_NOT_IN_ORDER) !== 0) notInOrder++
    if ((slot.mask & FILTER_BITS) !== 0) dropped++
  }
  steps.push(dropped > 0 ? `filter: ${dropped} dropped (${dropDetail(slots)})` : "filter: none dropped")

  if (provisioned > 0) {
    const admitted = provisioned - provisionedHeldOrDropped
    if (s.batch) steps.push(`pool: priority batch, ${provisioned} provisioned excluded`)
    else if (provisionedHeldOrDropped > 0 && escalation.length > 0)
      steps.push(`pool: ${escalation.length} provisioned held for escalation (${slugs(escalation)})`)
    else if (provisionedHeldOrDropped > 0 && s.escalationDenied)
      steps.push(`pool: escalation denied, ${provisionedHeldOrDropped} provisioned excluded`)
    if (!s.batch && admitted > 0) {
      const how = s.highAvailability
        ? "high_availability: provisioned first"
        : s.escalating
          ? "escalating: provisioned after standard"
          : "named in order"
      steps.push(`pool: ${admitted} provisioned admitted (${how})`)
    }
  }

  let ordered = 0
  for (let i = 0; i < attempts.length; i++) {
    const slot = attempts[i]!
    if (slot.section === SECTION_ORDER) ordered++
    if (slot.missedLatency !== undefined) flagged.latency.push(slot)
    if (slot.missedThroughput !== undefined) flagged.throughput.push(slot)
    if (slot.outage) flagged.outage++
    if (slot.overCapacity) flagged.over++
  }
  if (s.order.entries.length > 0) {
    steps.push(
      ordered > 0
        ? `order: ${slugs(attempts.slice(0, ordered))} first`
        : `order: no admissible endpoint matches ${s.order.entries.join(", ")}`,
    )
  }

  const partition = models.length > 1 ? ` (partition ${s.partition})` : ""
  if (s.sortBy !== undefined) {
    steps.push(`sort: ${s.sortBy}${s.sortBy === "price" ? "" : ` ${s.sortKey}`}${partition}`)
  } else if (s.loadBalance) {
    const picked = attempts.find((slot) => slot.picked)
    if (picked !== undefined)
      steps.push(`load balance: ${picked.endpoint.slug} picked by 1/price² weight, fallbacks by price${partition}`)
  } else {
    steps.push(`after order: remaining endpoints by price${partition}`)
  }
  if (byPrice(s)) {
    const effective: Array<Slot> = []
    for (let i = 0; i < attempts.length; i++)
      if (attempts[i]!.live?.cacheShares !== undefined) effective.push(attempts[i]!)
    if (effective.length > 0)
      steps.push(
        `price: effective (measured prompt-cache share) for ${slugs(effective)}${effective.length < attempts.length ? "; list price for the others" : ""}`,
      )
  }
  if (flagged.outage > 0) steps.push(`outage: ${flagged.outage} with a recent outage moved behind stable endpoints`)
  if (flagged.latency.length > 0)
    steps.push(`preferred_max_latency: ${flagged.latency.length} deprioritized (${slugs(flagged.latency)})`)
  if (flagged.throughput.length > 0)
    steps.push(`preferred_min_throughput: ${flagged.throughput.length} deprioritized (${slugs(flagged.throughput)})`)
  if (flagged.over > 0) steps.push(`capacity: ${flagged.over} predicted over 100% moved behind those with headroom`)

  if (!s.allowFallbacks) {
    steps.push(
      s.order.entries.length > 0
        ? `allow_fallbacks: false, only order endpoints kept (${notInOrder} not in order)`
        : `allow_fallbacks: false, kept the best endpoint of each model (${notInOrder} dropped)`,
    )
  }
  steps.push(
    `plan: ${attempts.length} attempts, ${escalation.length} escalation, ${slots.length - attempts.length - escalation.length} excluded`,
  )
  return steps
}
