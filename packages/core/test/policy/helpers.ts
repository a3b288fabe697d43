import { Result } from "effect"
import { buildCatalog } from "../../src/catalog/build.js"
import type { Catalog } from "../../src/catalog/catalog.js"
import type { CatalogConfig, EndpointConfig } from "../../src/catalog/config.js"
import type { Endpoint } from "../../src/catalog/endpoint.js"
import type { EndpointLive, PlanRequest, RoutePlan, Snapshot } from "../../src/policy/types.js"
import type { ProviderPreferences } from "../../src/schema/provider-preferences.js"

export const GEMINI = "google/gemini-2.5-pro-preview"
export const GPT = "openai/gpt-4o"

export const PROVIDERS: CatalogConfig["providers"] = [
  { slug: "google-ai-studio", kind: "google" },
  { slug: "google-vertex", kind: "google-vertex" },
  { slug: "deepinfra", kind: "openai-compatible" },
  { slug: "chutes", kind: "openai-compatible" },
  { slug: "openai", kind: "openai-compatible" },
  { slug: "azure", kind: "azure-openai" },
]

export const catalogOf = (config: CatalogConfig): Catalog => Result.getOrThrow(buildCatalog(config))

/**
 * The reference description's model: four standard endpoints and Google's PT endpoint
 * (`google-vertex/pt`, more expensive, reserved capacity), plus a fallback model.
 * Prices are USD per million tokens (prompt, completion).
 */
export const referenceCatalog = (): Catalog =>
  catalogOf({
    providers: PROVIDERS,
    models: [
      {
        id: GEMINI,
        endpoints: [
          {
            provider: "google-vertex",
            price: { prompt: 1.25, completion: 10 },
            contextLength: 1_048_576,
            maxOutput: 65_536,
            supportedParameters: ["temperature", "tools", "response_format", "max_tokens"],
            dataPolicy: { collects: false, zdr: true },
          },
          {
            provider: "google-ai-studio",
            price: { prompt: 1.25, completion: 10 },
            contextLength: 1_048_576,
            maxOutput: 65_536,
            supportedParameters: ["temperature", "tools", "response_format", "max_tokens"],
            dataPolicy: { collects: true, zdr: false },
          },
          {
            provider: "deepinfra",
            price: { prompt: 1, completion: 8 },
            contextLength: 131_072,
            maxOutput: 16_384,
            quantization: "fp8",
            supportedParameters: ["temperature", "max_tokens"],
            dataPolicy: { collects: true, zdr: false },
          },
          {
            provider: "chutes",
            price: { prompt: 1.5, completion: 11, discount: 0.2 },
            contextLength: 262_144,
            quantization: "bf16",
            dataPolicy: { collects: false, zdr: false },
          },
          {
            provider: "google-vertex",
            variant: "pt",
            pool: "provisioned",
            price: { prompt: 1.5, completion: 12 },
            contextLength: 1_048_576,
            maxOutput: 65_536,
            supportedParameters: ["temperature", "tools", "response_format", "max_tokens"],
            dataPolicy: { collects: false, zdr: true },
            capacity: { tokensPerMinute: 400_000 },
          },
        ],
      },
      {
        id: GPT,
        endpoints: [
          { provider: "openai", price: { prompt: 2.5, completion: 10 }, contextLength: 128_000, maxOutput: 16_384 },
          { provider: "azure", price: { prompt: 2, completion: 8 }, contextLength: 128_000, maxOutput: 16_384 },
        ],
      },
    ],
  })

export const endpointsOf = (catalog: Catalog, ...models: ReadonlyArray<string>): ReadonlyArray<Endpoint> =>
  models.flatMap((m) => catalog.models.get(m)?.endpoints ?? [])

/** A one-model catalog from endpoint configs, for rule-by-rule tests. */
export const modelCatalog = (endpoints: ReadonlyArray<EndpointConfig>, model = GEMINI): Catalog =>
  catalogOf({ providers: PROVIDERS, models: [{ id: model, endpoints }] })

export const request = (provider: ProviderPreferences = {}, extra: Partial<PlanRequest> = {}): PlanRequest => ({
  models: [GEMINI],
  provider,
  estimatedPromptTokens: 12,
  maxTokens: undefined,
  parameters: [],
  priority: "default",
  ...extra,
})

export const live = (over: Partial<EndpointLive> = {}): EndpointLive => ({
  latency: undefined,
  throughput: undefined,
  recentOutage: false,
  cooldownUntil: undefined,
  breaker: "closed",
  predictedUtilization: undefined,
  ...over,
})

export const NOW = 1_700_000_000_000

export const snapshot = (byId: Record<string, Partial<EndpointLive>> = {}, now = NOW): Snapshot => ({
  now,
  endpoints: new Map(Object.entries(byId).map(([id, l]) => [id, live(l)])),
})

export const percentiles = (p50: number, p75 = p50, p90 = p75, p99 = p90) => ({ p50, p75, p90, p99 })

/** Deterministic seeded uniform [0, 1) source (mulberry32), injected as `PlanOptions.random`. */
export const seeded = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const options = (seed = 1, escalating = false) => ({ random: seeded(seed), escalating })

export const slugs = (attempts: RoutePlan["attempts"]): ReadonlyArray<string> => attempts.map((a) => a.endpoint.slug)

export const excludedBy = (plan: RoutePlan, id: string) => plan.excluded.find((e) => e.endpoint === id)?.reasons
