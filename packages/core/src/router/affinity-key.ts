import type { RoutingDefaults } from "../catalog/catalog.js"
import { hash64 } from "../hash64.js"
import type { JsonObject } from "../provider/contract.js"
import type { RouteRequest } from "./types.js"

/**
 * The affinity key of a request — which conversation it belongs to, for the model it asks for — or
 * undefined when it names none (or affinity is off). First match wins:
 * 1. the body's `session_id` (OpenRouter's sticky-routing key; the body wins over the header);
 * 2. the `x-session-id` header (`RouteRequest.sessionId`);
 * 3. the body's `user`;
 * 4. opt-in (`routing.affinity.prefixMessages` = N > 0): a hash of the first N messages — the system
 *    prompt and the conversation's opening, the same on every later turn.
 * The key is a 64-bit hash of the primary model and that value (16 hex characters), so any session id
 * makes a key of bounded size, and a conversation that switches model starts a new affinity.
 */
export const affinityKeyOf = (
  settings: RoutingDefaults["affinity"],
  request: RouteRequest,
  model: string,
): string | undefined => {
  if (!settings.enabled) return undefined
  const r = request.routing
  const session =
    nonEmpty(r.session_id) ??
    nonEmpty(request.sessionId) ??
    nonEmpty(r.user) ??
    (settings.prefixMessages > 0 ? leadingMessages(request.body, settings.prefixMessages) : undefined)
  return session === undefined ? undefined : hash64(`${model}\u0000${session}`)
}

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === "" ? undefined : s)

/** The first `n` messages as JSON text (undefined for a body without messages). */
const leadingMessages = (body: JsonObject, n: number): string | undefined => {
  const messages = body.messages
  if (!Array.isArray(messages) || messages.length === 0) return undefined
  return `m:${JSON.stringify(messages.slice(0, n))}`
}
