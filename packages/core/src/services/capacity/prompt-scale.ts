/**
 * How many prompt tokens an endpoint's provider counts per token of Switchyard's prompt estimate
 * (`estimatePromptTokens`: ~4 characters a token, no tokenizer). A reservation holds the estimate until the
 * request settles to the reported usage; while requests are in flight, an estimate below what the provider's
 * limiter counts lets the fleet send more than the limit (the upstream answers 429). Each settled request with a
 * reported usage teaches the ratio: counted ÷ estimated over the endpoint's recent requests (sums decayed by
 * `DECAY` per request, so a changed prompt mix is learnt within a hundred requests).
 *
 * The scale is never below 1 (an over-estimate holds capacity only until the request settles; an under-estimate
 * costs an upstream 429) and never above `MAX_SCALE` (one absurd usage report cannot close an endpoint; each request
 * counts at most `MAX_SCALE` × its estimate).
 * Process-local: each replica learns it from its own requests (the shared store shares the buckets it charges).
 */
import type { Usage } from "../../provider/usage.js"
import { countedPrompt } from "./charge.js"
import type { Reservation } from "./shape.js"

const DECAY = 0.9
const MAX_SCALE = 4

interface Learned {
  estimated: number
  counted: number
  scale: number
}

export interface PromptScales {
  /** The endpoint's scale (1 until a settled request taught one). */
  readonly of: (endpointId: string) => number
  /** One settled request: `estimated` prompt tokens at admission, `counted` by the provider (its usage). */
  readonly learn: (endpointId: string, estimated: number, counted: number) => void
}

/** One table per meter, keyed by endpoint id (bounded by the catalog's endpoints). */
export const makePromptScales = (): PromptScales => {
  const table = new Map<string, Learned>()
  return {
    of: (endpointId) => table.get(endpointId)?.scale ?? 1,
    learn: (endpointId, estimated, counted) => {
      if (!(estimated > 0) || !(counted >= 0)) return
      let l = table.get(endpointId)
      if (l === undefined) {
        l = { estimated: 0, counted: 0, scale: 1 }
        table.set(endpointId, l)
      }
      l.estimated = l.estimated * DECAY + estimated
      l.counted = l.counted * DECAY + Math.min(counted, estimated * MAX_SCALE)
      l.scale = Math.min(MAX_SCALE, Math.max(1, l.counted / l.estimated))
    },
  }
}

/**
 * What a settled reservation teaches: its prompt estimate against the prompt the provider counted. Only a
 * reported usage counts (not Switchyard's estimate of a stream that ended without one, nor an answer with no
 * prompt tokens at all, which is an answer without usage).
 */
export const learnPrompt = (scales: PromptScales, reservation: Reservation, usage: Usage): void => {
  if (usage.estimated === true || usage.promptTokens === 0) return
  scales.learn(reservation.endpointId, reservation.prompt, countedPrompt(reservation.counts, usage))
}
