import type { CapacitySignals, Usage } from "@switchyard/core"

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0)

/**
 * Gemini `usageMetadata` → normalized usage.
 * prompt = promptTokenCount (includes cachedContentTokenCount) + toolUsePromptTokenCount;
 * completion = candidatesTokenCount + thoughtsTokenCount (thoughts are billed as output);
 * so prompt + completion = totalTokenCount.
 */
export const geminiUsage = (meta: unknown): Usage => {
  const m = (typeof meta === "object" && meta !== null ? meta : {}) as Record<string, unknown>
  const thoughts = count(m.thoughtsTokenCount)
  const prompt = count(m.promptTokenCount) + count(m.toolUsePromptTokenCount)
  return {
    promptTokens: prompt,
    completionTokens: count(m.candidatesTokenCount) + thoughts,
    // implicit (and explicit) cache hits, a part of promptTokenCount; Gemini reports no cache writes
    cachedTokens: Math.min(prompt, count(m.cachedContentTokenCount)),
    reasoningTokens: thoughts,
  }
}

/** True when a `usageMetadata` carries token counts (mid-stream Vertex events carry only `trafficType`). */
export const hasTokenCounts = (meta: unknown): boolean =>
  typeof meta === "object" &&
  meta !== null &&
  ("promptTokenCount" in meta || "candidatesTokenCount" in meta || "totalTokenCount" in meta)

type TrafficType = NonNullable<CapacitySignals["trafficType"]>

const trafficTypes: Record<string, TrafficType> = {
  PROVISIONED_THROUGHPUT: "provisioned",
  ON_DEMAND: "on_demand",
  ON_DEMAND_FLEX: "on_demand_flex",
  ON_DEMAND_PRIORITY: "on_demand_priority",
  TRAFFIC_TYPE_UNSPECIFIED: "unspecified",
  "0": "unspecified",
  "1": "on_demand",
  "2": "provisioned",
}

/** Vertex `usageMetadata.trafficType` (which pool served) → capacity signal; undefined when absent. */
export const trafficType = (meta: unknown): TrafficType | undefined => {
  if (typeof meta !== "object" || meta === null) return undefined
  const t = (meta as { trafficType?: unknown }).trafficType
  return t === undefined ? undefined : trafficTypes[String(t)]
}
