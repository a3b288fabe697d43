import type { Simulated } from "@switchyard/core"

/** Conversations sampled, and gap draws at most, to estimate the span (bounded work whatever the distributions). */
const SAMPLES = 10_000
const MAX_DRAWS = 1_000_000
/** The lead-in is at most this many times the run's duration. */
const MAX_RUNS = 10

/**
 * How long before the run conversations start, so the run opens with conversations under way as at
 * any other time: the 99.9th percentile of a conversation's span (first turn to last, the sum of its
 * gaps), sampled from `u` — at most 10 × the run's duration, which bounds the turns drawn before the
 * run to ≈ 10 runs' worth. Conversations longer than that are rarer than 1 in 1,000 or longer than
 * ten runs; their turns in the run are what is missed.
 */
export const conversationLeadIn = (
  turns: (u: Simulated.Uniform) => number,
  gap: (u: Simulated.Uniform) => number,
  durationMs: number,
  u: Simulated.Uniform,
): number => {
  const cap = MAX_RUNS * durationMs
  const spans: Array<number> = []
  let draws = 0
  while (spans.length < SAMPLES && draws < MAX_DRAWS) {
    const n = turns(u)
    let span = 0
    for (let j = 1; j < n && span < cap && draws < MAX_DRAWS; j++, draws++) span += gap(u)
    spans.push(Math.min(span, cap))
  }
  spans.sort((a, b) => a - b)
  return spans[Math.floor(0.999 * (spans.length - 1))]!
}
