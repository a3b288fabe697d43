import * as Result from "effect/Result"
import type { Catalog, ModelEntry, RoutingDefaults } from "../catalog/catalog.js"
import type { Endpoint } from "../catalog/endpoint.js"
import { resolveModels } from "../catalog/resolve.js"
import { type InvalidRequest, type ModelNotFound, missingModel } from "../errors.js"
import type { PlanRequest } from "../policy/types.js"
import type { JsonObject } from "../provider/contract.js"
import type { Priority, ProviderPreferences } from "../schema/provider-preferences.js"
import { ROUTING_ONLY_FIELDS } from "../schema/routing-request.js"
import { affinityKeyOf } from "./affinity-key.js"
import { estimatePromptTokens } from "./estimate.js"
import type { RouteRequest } from "./types.js"

/** Everything the executor needs from the request, computed once. */
export interface Prepared {
  readonly requestedModels: ReadonlyArray<string>
  readonly models: ReadonlyArray<ModelEntry>
  readonly candidates: ReadonlyArray<Endpoint>
  readonly planRequest: PlanRequest
  readonly priority: Priority
  /** PT escalation when the standard pool fails or is out: allowed by request/key/config and not a batch request. */
  readonly escalationAllowed: boolean
  readonly hedge: boolean
  /** The body sent upstream: the request body minus routing-only fields. */
  readonly body: JsonObject
  /** Overall request timeout, ms. */
  readonly timeoutMs: number
  /** Longest total wait for rate-limited or full endpoints (`provider.max_wait_ms` → `routing.maxWaitMs`). */
  readonly maxWaitMs: number
  /** The conversation's affinity key (`affinity-key.ts`); undefined: no affinity for this request. */
  readonly affinityKey: string | undefined
}

/** Body keys that are not endpoint parameters (`require_parameters` and the soft filters look at the rest). */
const NOT_PARAMETERS: ReadonlySet<string> = new Set([
  "model",
  "models",
  "messages",
  "provider",
  "route",
  "stream",
  "stream_options",
  "user",
  "metadata",
  "session_id",
  "store",
  "transforms",
  "usage",
])

const parametersOf = (body: JsonObject): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const key in body) if (!NOT_PARAMETERS.has(key) && body[key] !== null && body[key] !== undefined) out.push(key)
  return out
}

const upstreamBody = (body: JsonObject): JsonObject => {
  const out: JsonObject = {}
  for (const key in body) if (!ROUTING_ONLY_FIELDS.includes(key)) out[key] = body[key]
  return out
}

/**
 * Resolve models and merge preferences. Precedence, lowest first: the primary model's catalog
 * defaults (`defaults.provider`), the key's `provider` defaults, the request's `provider`.
 * Priority: `provider.priority` (request) → key `priority` → merged `provider.priority` →
 * `routing.defaultPriority`. Escalation: `provider.escalation` (request) → key `escalation` →
 * merged → `routing.escalation`; `batch` never escalates.
 */
export const prepare = (
  catalog: Catalog,
  request: RouteRequest,
): Result.Result<Prepared, ModelNotFound | InvalidRequest> => {
  const r = request.routing
  const requested: Array<string> = []
  if (r.model !== undefined && r.model !== "") requested.push(r.model)
  if (r.models !== undefined) for (const m of r.models) requested.push(m)
  // an empty `model` is a missing one
  if (requested.length === 0) return Result.fail(missingModel())
  const resolved = resolveModels(catalog, requested)
  if (Result.isFailure(resolved)) return Result.fail(resolved.failure)
  const models = resolved.success
  const routing: RoutingDefaults = catalog.routing
  const key = request.keyDefaults
  // `Object.assign` onto fresh objects rather than spreads: the same keys in the same order, but V8 gives
  // a spread's copy a hidden class of its own, and adding `priority`/`escalation` to it cost ≈ 1 µs per
  // request that sets `provider`. (Decoded preferences hold only schema keys, never `__proto__`.)
  const merged: ProviderPreferences = Object.assign({}, models[0]?.defaultProvider, key?.provider, r.provider)
  const priority = r.provider?.priority ?? key?.priority ?? merged.priority ?? routing.defaultPriority
  const escalation = r.provider?.escalation ?? key?.escalation ?? merged.escalation ?? routing.escalation
  const provider: ProviderPreferences = Object.assign({}, merged, { priority, escalation })
  const candidates: Array<Endpoint> = []
  for (const m of models) for (const e of m.endpoints) candidates.push(e)
  return Result.succeed({
    requestedModels: requested,
    models,
    candidates,
    planRequest: {
      models: models.map((m) => m.id),
      provider,
      estimatedPromptTokens: request.estimatedPromptTokens ?? estimatePromptTokens(request.body),
      maxTokens: r.max_tokens ?? r.max_completion_tokens ?? undefined,
      parameters: parametersOf(request.body),
      priority,
    },
    priority,
    escalationAllowed: escalation === "allow" && priority !== "batch",
    hedge: provider.hedge ?? routing.hedge,
    body: upstreamBody(request.body),
    timeoutMs: request.timeoutMs ?? routing.requestTimeoutMs,
    maxWaitMs: provider.max_wait_ms ?? routing.maxWaitMs,
    affinityKey: affinityKeyOf(routing.affinity, request, models[0]?.id ?? requested[0]!),
  })
}
