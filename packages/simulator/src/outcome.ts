/** How a simulated request ended, as its client saw it. */
export const OUTCOMES = [
  "ok",
  /** Final answer 429 (every admissible endpoint rate-limited). */
  "rate_limited",
  /** Final answer 5xx from upstream failures (outage, server error, transport). */
  "upstream_error",
  /** No success within the scenario's deadline. */
  "deadline",
  /** The routing constraints left no endpoint (400/404 `NoEndpoint`). */
  "no_endpoint",
  /** The stream started and then failed (in-band error chunk). */
  "stream_error",
  /** Any other typed failure (bad request, model not found…). */
  "other",
] as const
export type Outcome = (typeof OUTCOMES)[number]

export const OUTCOME_CODE: Readonly<Record<Outcome, number>> = Object.fromEntries(
  OUTCOMES.map((o, i) => [o, i]),
) as Record<Outcome, number>

/** Code of a request that has not ended (must never remain after a run). */
export const PENDING = 255
