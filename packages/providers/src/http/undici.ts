/**
 * The two pieces of undici the transport uses — `Agent` (the dispatcher: a keep-alive Pool per origin) and
 * `RequestAbortedError` — imported from their own modules, not from undici's index, which also builds
 * `fetch`, `WebSocket`, `EventSource`, the caches and the mock agents: ≈ 4 MB of heap (≈ 9 MB resident) a
 * gateway process would carry without ever using them. The types are undici's public ones
 * (`undici-modules.d.ts` declares the two modules).
 */
import type * as Undici from "undici"
import errors from "undici/lib/core/errors.js"
import AgentClass from "undici/lib/dispatcher/agent.js"

export const Agent: typeof Undici.Agent = AgentClass
export const RequestAbortedError: typeof Undici.errors.RequestAbortedError = errors.RequestAbortedError
