import type { RouteTrace } from "@switchyard/core"

/**
 * The fields of the one log line written per chat request. Names, ids and numbers only: never a key
 * (the key's configured name is `key`), never message text.
 */
export interface RequestLine {
  readonly request_id: string
  readonly trace_id: string | undefined
  readonly key: string | undefined
  readonly model: string | undefined
  readonly endpoint: string | undefined
  readonly provider: string | undefined
  readonly attempts: number
  readonly escalated: boolean
  readonly status: number
  readonly stream: boolean
  readonly latency_ms: number | undefined
  readonly ttft_ms: number | undefined
  readonly prompt_tokens: number | undefined
  readonly completion_tokens: number | undefined
  readonly cost_usd: number | undefined
  readonly error_code: string | undefined
}

/** A request that was routed (served or not): everything comes from its trace. */
export const routedLine = (
  trace: RouteTrace,
  status: number,
  stream: boolean,
  key: string | undefined,
  errorCode: string | undefined,
): RequestLine => {
  const attempts = trace.attempts
  const served = trace.servedBy === undefined ? undefined : attempts.findLast((a) => a.outcome === "success")
  return {
    request_id: trace.requestId ?? "",
    trace_id: trace.traceId,
    key,
    model: trace.modelUsed ?? trace.requestedModels[0],
    endpoint: served?.endpoint,
    provider: trace.servedBy,
    attempts: attempts.length,
    escalated: trace.escalated,
    status,
    stream,
    latency_ms: Math.max(0, trace.endedAt - trace.startedAt),
    ttft_ms: trace.ttftMs,
    prompt_tokens: trace.usage?.promptTokens,
    completion_tokens: trace.usage?.completionTokens,
    cost_usd: trace.cost === undefined ? undefined : Math.round(trace.cost * 1e10) / 1e10,
    error_code: errorCode,
  }
}

/** A request answered before routing (bad input, unknown key, unknown model) or without a trace. */
export const rejectedLine = (
  requestId: string,
  status: number,
  stream: boolean,
  key: string | undefined,
  errorCode: string | null,
  traceId: string | undefined,
): RequestLine => ({
  request_id: requestId,
  trace_id: traceId,
  key,
  model: undefined,
  endpoint: undefined,
  provider: undefined,
  attempts: 0,
  escalated: false,
  status,
  stream,
  latency_ms: undefined,
  ttft_ms: undefined,
  prompt_tokens: undefined,
  completion_tokens: undefined,
  cost_usd: undefined,
  error_code: errorCode ?? undefined,
})
