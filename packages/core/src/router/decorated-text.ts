/**
 * The client's completion as JSON text, spliced into a relayed upstream body:
 *
 *   decoratedText(relayed, endpoint, usage, cost) === JSON.stringify(decorateCompletion(JSON.parse(relayed.text), …))
 *
 * `model` and `usage` are replaced where they stand (appended when absent), `provider` is appended (a
 * relayable body has none, and has `choices`, so it is never empty): the keys and order `decorateCompletion`'s copy has, without parsing the
 * completion or serialising it again.
 */
import type { Endpoint } from "../catalog/endpoint.js"
import type { ChatResult, JsonObject, RelayedCompletion } from "../provider/contract.js"
import type { Usage } from "../provider/usage.js"
import { type CostDetails, costDetailsJson, decorateCompletion, usageJson } from "./cost.js"
import type { RouteResult, RouteTrace } from "./types.js"

/**
 * `JSON.stringify(usageJson(…))`: an upstream `usage` object with no `cost` of its own gets `cost` and
 * `cost_details` appended to its text; any other goes through `usageJson`.
 */
const usageTextOf = (relayed: RelayedCompletion, usage: Usage, cost: CostDetails): string => {
  const { text, usageAt, usageEnd } = relayed
  const named = usageAt < 0 ? -1 : text.indexOf('"cost', usageAt)
  if (usageAt < 0 || text.charCodeAt(usageAt) !== 123 || usageEnd - usageAt < 3 || (named !== -1 && named < usageEnd))
    return JSON.stringify(usageJson(relayed.usage, usage, cost))
  return `${text.slice(usageAt, usageEnd - 1)},"cost":${JSON.stringify(cost.total)},"cost_details":${JSON.stringify(costDetailsJson(cost))}}`
}

/** `text` without its closing brace, `a` and then `b` put in place of what stands there (an `at` of -1: nothing). */
const spliced = (text: string, aAt: number, aEnd: number, a: string, bAt: number, bEnd: number, b: string): string => {
  let out = ""
  let copied = 0
  if (aAt >= 0) {
    out = text.slice(0, aAt) + a
    copied = aEnd
  }
  if (bAt >= 0) {
    out += text.slice(copied, bAt) + b
    copied = bEnd
  }
  return out + text.slice(copied, -1)
}

export const decoratedText = (
  relayed: RelayedCompletion,
  endpoint: Endpoint,
  usage: Usage,
  cost: CostDetails,
): string => {
  const { text, modelAt, usageAt } = relayed
  const model = JSON.stringify(endpoint.model)
  const usageText = usageTextOf(relayed, usage, cost)
  // `model` and `usage` replaced where they stand, in the order they stand
  let out =
    modelAt < usageAt
      ? spliced(text, modelAt, relayed.modelEnd, model, usageAt, relayed.usageEnd, usageText)
      : spliced(text, usageAt, relayed.usageEnd, usageText, modelAt, relayed.modelEnd, model)
  // then the members the copy adds, in the order it adds them (a relayable body has `choices`: never empty)
  if (modelAt < 0) out += `,"model":${model}`
  out += `,"provider":${JSON.stringify(endpoint.slug)}`
  if (usageAt < 0) out += `,"usage":${usageText}`
  return `${out}}`
}

/**
 * The RouteResult of a served completion: `body` decorated when first read (an own, enumerable getter, so a
 * spread or `JSON.stringify` of the result still has it); a relayed one (`ChatResult.relayed`) also comes as
 * `text`, spliced at once, so its `body` is built only if someone reads it (the routing trace does).
 */
export const servedRoute = (
  chat: ChatResult,
  endpoint: Endpoint,
  usage: Usage,
  cost: CostDetails,
  trace: RouteTrace,
  deadlineAt: number,
): RouteResult => {
  let body: JsonObject | undefined
  const relayed = chat.relayed
  return {
    get body(): JsonObject {
      if (body === undefined) body = decorateCompletion(chat.body, endpoint, usage, cost)
      return body
    },
    text: relayed === undefined ? undefined : decoratedText(relayed, endpoint, usage, cost),
    endpoint,
    upstreamRequestId: chat.requestId,
    usage,
    cost: cost.total,
    trace,
    deadlineAt,
  }
}
