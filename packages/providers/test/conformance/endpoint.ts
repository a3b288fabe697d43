import type { Endpoint } from "@switchyard/core"

/** A resolved catalog endpoint for plugin tests (defaults for everything routing-only). */
export const testEndpoint = (e: {
  readonly provider: string
  readonly providerKind: string
  readonly upstreamModel: string
  readonly model?: string
  readonly slug?: string
  readonly pool?: "standard" | "provisioned"
}): Endpoint => {
  const model = e.model ?? e.upstreamModel
  const slug = e.slug ?? e.provider
  return {
    id: `${model}@${slug}`,
    model,
    provider: e.provider,
    slug,
    serviceTier: false,
    providerKind: e.providerKind,
    upstreamModel: e.upstreamModel,
    price: { prompt: 1, completion: 2 },
    effectivePrompt: 1,
    effectiveCompletion: 2,
    effectiveCacheRead: 1,
    effectiveCacheWrite: 1,
    effectiveCacheWrite1h: 1,
    contextLength: 128_000,
    maxOutput: undefined,
    defaultMaxTokens: 1024,
    supportedParameters: new Set(),
    quantization: "unknown",
    dataPolicy: { collects: false, zdr: false },
    pool: e.pool ?? "standard",
    capacity: undefined,
    outputWeight: 1,
  }
}
