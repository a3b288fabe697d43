import type { Endpoint } from "../catalog/endpoint.js"
import type {
  MaxPrice,
  PercentileCutoffs,
  Quantization,
  SortBy,
  SortPartition,
} from "../schema/provider-preferences.js"
import { normalizeCutoffs, type PercentileKey, sortPercentile } from "./preferred.js"
import { type SlugList, slugList } from "./slug.js"
import type { PlanOptions, PlanRequest } from "./types.js"

/** The request's routing preferences with defaults applied and lists indexed: computed once per `plan` call. */
export interface PlanSettings {
  readonly order: SlugList
  readonly only: SlugList
  readonly ignore: SlugList
  /** `allow_fallbacks`, default true. */
  readonly allowFallbacks: boolean
  readonly requireParameters: boolean
  readonly parameters: ReadonlyArray<string>
  /** The request's parameters an endpoint's client cannot send (`PlanOptions.unmapped`). */
  readonly unmapped: (endpoint: Endpoint) => ReadonlyArray<string>
  readonly denyDataCollection: boolean
  readonly zdr: boolean
  /** Undefined when absent or empty (an empty list does not filter). */
  readonly quantizations: ReadonlyArray<Quantization> | undefined
  readonly maxPrice: MaxPrice | undefined
  readonly promptTokens: number
  readonly maxTokens: number | undefined
  /** Tokens of output the request asks room for in the context window (`max_tokens`, else 0). */
  readonly outputTokens: number
  readonly wantsTools: boolean
  readonly wantsResponseFormat: boolean
  readonly sortBy: SortBy | undefined
  readonly partition: SortPartition
  /** Percentile a latency / throughput sort ranks by. */
  readonly sortKey: PercentileKey
  readonly maxLatency: PercentileCutoffs | undefined
  readonly minThroughput: PercentileCutoffs | undefined
  /** Classic price-weighted random load balancing: only when neither `sort` nor `order` is set. */
  readonly loadBalance: boolean
  readonly highAvailability: boolean
  readonly batch: boolean
  /** `provider.escalation: "deny"` (request or key default): provisioned endpoints are not held for escalation. */
  readonly escalationDenied: boolean
  readonly escalating: boolean
}

const NONE: ReadonlyArray<string> = []
const none = (): ReadonlyArray<string> => NONE

const has = (list: ReadonlyArray<string>, value: string): boolean => list.includes(value)

export const planSettings = (request: PlanRequest, options: PlanOptions): PlanSettings => {
  const p = request.provider
  const sort = p.sort
  const sortBy = sort === undefined ? undefined : typeof sort === "string" ? sort : sort.by
  const partition = sort !== undefined && typeof sort !== "string" ? (sort.partition ?? "model") : "model"
  const maxLatency = normalizeCutoffs(p.preferred_max_latency)
  const minThroughput = normalizeCutoffs(p.preferred_min_throughput)
  const order = slugList(p.order)
  const quantizations = p.quantizations !== undefined && p.quantizations.length > 0 ? p.quantizations : undefined
  const params = request.parameters
  return {
    order,
    only: slugList(p.only),
    ignore: slugList(p.ignore),
    allowFallbacks: p.allow_fallbacks ?? true,
    requireParameters: p.require_parameters ?? false,
    parameters: params,
    unmapped: options.unmapped ?? none,
    denyDataCollection: p.data_collection === "deny",
    zdr: p.zdr ?? false,
    quantizations,
    maxPrice: p.max_price,
    promptTokens: request.estimatedPromptTokens,
    maxTokens: request.maxTokens,
    outputTokens: request.maxTokens ?? 0,
    wantsTools: has(params, "tools") || has(params, "tool_choice"),
    wantsResponseFormat: has(params, "response_format"),
    sortBy,
    partition,
    sortKey: sortPercentile(sortBy === "throughput" ? minThroughput : maxLatency),
    maxLatency,
    minThroughput,
    loadBalance: sortBy === undefined && order.entries.length === 0,
    highAvailability: p.high_availability ?? false,
    batch: request.priority === "batch",
    escalationDenied: p.escalation === "deny",
    escalating: options.escalating,
  }
}
