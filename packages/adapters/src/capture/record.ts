import type { CaptureOutcome, CaptureRecord, RouteRequest, RouteTrace } from "@switchyard/core"

/** What the client got, from the status it was answered with and the trace of the route. */
const outcomeOf = (status: number, trace: RouteTrace): CaptureOutcome => {
  if (status === 200) {
    const last = trace.attempts.at(-1)?.outcome
    return last === "stream_error" ? "stream_error" : last === "cancelled" ? "cancelled" : "ok"
  }
  if (status === 429) return "rate_limited"
  if (status === 404) return "no_endpoint"
  // a 5xx after upstream calls is their failure; without any (state store unavailable) it is not
  return status >= 500 && trace.attempts.length > 0 ? "upstream_error" : "other"
}

/**
 * The capture record of one routed request: sizes, timing and outcome from its trace. Never the
 * prompt or the completion, never the key itself (its configured name only).
 */
export const captureRecord = (
  request: RouteRequest,
  trace: RouteTrace,
  status: number,
  stream: boolean,
  keyName: string | undefined,
): CaptureRecord => {
  let attempts = 0
  for (const a of trace.attempts) if (a.outcome !== "refused_capacity") attempts++
  const usage = trace.usage
  const routing = request.routing
  const maxTokens = routing.max_completion_tokens ?? routing.max_tokens ?? undefined
  return {
    at: trace.startedAt,
    model: trace.requestedModels[0] ?? "",
    ...(keyName !== undefined && { key: keyName }),
    priority: trace.priority,
    estimatedPromptTokens: request.estimatedPromptTokens ?? 0,
    ...(usage !== undefined && { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens }),
    ...(maxTokens !== undefined && { maxTokens }),
    stream,
    outcome: outcomeOf(status, trace),
    status,
    ...(trace.servedBy !== undefined && { endpoint: trace.servedBy }),
    latencyMs: Math.max(0, trace.endedAt - trace.startedAt),
    attempts,
    escalated: trace.escalated,
  }
}
