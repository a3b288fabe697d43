import { R_NOT_IN_ORDER, R_POOL } from "./reasons.js"
import type { PlanSettings } from "./settings.js"
import { SECTION_ORDER, SECTION_PT_FIRST, SECTION_PT_LAST, SECTION_REST, type Slot } from "./slot.js"
import { exactIndex } from "./slug.js"

/**
 * The pool rule. Standard endpoints are always admissible. A provisioned (PT) endpoint is
 * admitted into `attempts` only when the request opts in or the plan is built for escalation:
 * - named by its full slug in `order` (`google-vertex/pt`): placed at that position;
 * - `high_availability: true` ("PT mode"): provisioned endpoints first, standard ones after them;
 * - `options.escalating`: provisioned endpoints after the standard ones.
 * A base slug in `order` (`google-vertex`) does not opt in to PT. `priority: "batch"` never gets
 * PT, not even when opted in. Otherwise the endpoint is held for `escalation`, unless escalation
 * is denied (`provider.escalation: "deny"`) or fallbacks are disabled and `order` does not name it.
 * Sets `mask`, `held`, `placeRank` and `section` of the slot; call after the filters.
 */
export const applyPoolRule = (slot: Slot, s: PlanSettings): void => {
  const endpoint = slot.endpoint
  if (endpoint.pool !== "provisioned") {
    slot.placeRank = slot.orderRank
    slot.section = slot.orderRank >= 0 ? SECTION_ORDER : SECTION_REST
    return
  }
  const named = exactIndex(s.order, endpoint)
  if (s.batch) {
    slot.mask |= R_POOL
    return
  }
  if (named >= 0) {
    slot.placeRank = named
    slot.section = SECTION_ORDER
    return
  }
  if (s.highAvailability || s.escalating) {
    slot.section = s.highAvailability ? SECTION_PT_FIRST : SECTION_PT_LAST
    return
  }
  slot.mask |= R_POOL
  if (s.escalationDenied) return
  if (!s.allowFallbacks && slot.orderRank < 0) {
    slot.mask |= R_NOT_IN_ORDER
    return
  }
  slot.held = slot.mask === R_POOL
}
