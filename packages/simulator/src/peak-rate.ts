import type { Surge } from "./scenario.js"

/**
 * The largest factor the surges reach together over `[from, to)`: the product of the multipliers of
 * the surges active at one instant (start ≤ t < end, as `rateAt` applies them), maximised over the
 * instants of the window — 1 where none is active. Surges that never overlap do not multiply, and a
 * surge outside the window counts for nothing. The product is piecewise constant and changes only at
 * a surge boundary, so the window's start and every boundary inside it are the instants to try:
 * O(surges²), the surges bounded by the scenario's schema.
 */
export const surgePeak = (surges: ReadonlyArray<Surge>, from: number, to: number): number => {
  const instants = [from]
  for (const s of surges) {
    if (s.start > from && s.start < to) instants.push(s.start)
    if (s.end > from && s.end < to) instants.push(s.end)
  }
  let peak = 0
  for (const t of instants) {
    let product = 1
    for (const s of surges) if (t >= s.start && t < s.end) product *= s.multiplier
    if (product > peak) peak = product
  }
  return peak
}
