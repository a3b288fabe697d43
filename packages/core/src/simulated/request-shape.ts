import type { JsonObject } from "../provider/contract.js"
import { estimatePromptTokens } from "../router/estimate.js"

/**
 * Optional body field a simulation puts on a request to fix its sizes exactly:
 * `{ "simulation": { "prompt_tokens": 1200, "output_tokens": 300, "session": "s42" } }`. Routing passes it
 * through; only the simulated upstream reads it. Without it, prompt tokens are estimated from the
 * messages and the output length is sampled. `session` names the conversation the prompt continues (its
 * prefix is the conversation's previous prompt), for the upstream's prompt cache.
 */
export const SIMULATION_HINT_FIELD = "simulation"

export interface RequestShape {
  readonly promptTokens: number
  /** max_completion_tokens / max_tokens when set (and > 0). */
  readonly maxTokens: number | undefined
  /** Output length the simulation asked for, if any. */
  readonly outputTokens: number | undefined
  /** The conversation the simulation hint names, if any. */
  readonly session: string | undefined
  readonly stream: boolean
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined)

export const readRequestShape = (body: JsonObject): RequestShape => {
  const hint = body[SIMULATION_HINT_FIELD] as
    | { prompt_tokens?: unknown; output_tokens?: unknown; session?: unknown }
    | undefined
  const hintPrompt = num(hint?.prompt_tokens)
  const hintOutput = num(hint?.output_tokens)
  const max = num(body.max_completion_tokens) ?? num(body.max_tokens)
  return {
    promptTokens:
      hintPrompt !== undefined ? Math.max(0, Math.round(hintPrompt)) : Math.max(1, estimatePromptTokens(body)),
    maxTokens: max !== undefined && max > 0 ? Math.floor(max) : undefined,
    outputTokens: hintOutput !== undefined ? Math.max(0, Math.round(hintOutput)) : undefined,
    session: typeof hint?.session === "string" ? hint.session : undefined,
    stream: body.stream === true,
  }
}
