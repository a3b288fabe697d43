import { supports } from "./filters.js"
import { R_RESPONSE_FORMAT, R_TOOLS, STATIC_REASONS } from "./reasons.js"
import type { PlanSettings } from "./settings.js"
import type { Slot } from "./slot.js"

/**
 * `tools` / `response_format` as soft preferences (wire-facts §1), even without
 * `require_parameters`: if some of a model's endpoints that pass the static hard filters support
 * the parameter, that model's endpoints that do not are dropped (`tools_unsupported`,
 * `response_format_unsupported`); if none do, the parameter is ignored, so this rule never
 * removes a model on its own. Transient state (cooldown, breaker) and the pool rule do not count:
 * support is a property of the catalog, so the answer does not flap with live state.
 */
export const applySoftParameters = (slots: ReadonlyArray<Slot>, s: PlanSettings, modelCount: number): void => {
  if (s.wantsTools) applyOne(slots, "tools", R_TOOLS, modelCount)
  if (s.wantsResponseFormat) applyOne(slots, "response_format", R_RESPONSE_FORMAT, modelCount)
}

const applyOne = (slots: ReadonlyArray<Slot>, parameter: string, bit: number, modelCount: number): void => {
  const someSupport = new Uint8Array(modelCount)
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!
    if ((slot.mask & STATIC_REASONS) === 0 && supports(slot.endpoint, parameter)) someSupport[slot.model] = 1
  }
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!
    if (someSupport[slot.model] === 1 && !supports(slot.endpoint, parameter)) slot.mask |= bit
  }
}
