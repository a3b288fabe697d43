import fc from "fast-check"
import type { Catalog } from "../../src/catalog/catalog.js"
import type { EndpointConfig, ModelConfig } from "../../src/catalog/config.js"
import type { Endpoint } from "../../src/catalog/endpoint.js"
import type { EndpointLive, PlanRequest, Snapshot } from "../../src/policy/types.js"
import type { ProviderPreferences, Quantization } from "../../src/schema/provider-preferences.js"
import { catalogOf, NOW, PROVIDERS, percentiles } from "./helpers.js"

const PROVIDER_SLUGS = PROVIDERS.map((p) => p.slug)
const VARIANTS = ["pt", "eu", "flex"]
/** Slugs requests may name: base slugs, full slugs that exist in generated catalogs, and unknown ones. */
export const REQUEST_SLUGS = [
  ...PROVIDER_SLUGS,
  ...PROVIDER_SLUGS.flatMap((p) => VARIANTS.map((v) => `${p}/${v}`)),
  "fireworks",
]
const QUANTS: ReadonlyArray<Quantization> = ["fp8", "bf16", "fp16", "int4", "unknown"]
const PARAMS = ["tools", "tool_choice", "response_format", "temperature", "seed"]

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
/** Present about one time in four, so most generated requests still leave endpoints to plan. */
const rare = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 })
/** The request's `provider` object as JSON would carry it: absent fields are absent, not `undefined`. */
const dropUndefined = (o: object): ProviderPreferences =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as ProviderPreferences
const money = fc.integer({ min: 0, max: 80 }).map((x) => x / 4)

const endpointConfig: fc.Arbitrary<EndpointConfig> = fc
  .record({
    provider: fc.constantFrom(...PROVIDER_SLUGS),
    variant: opt(fc.constantFrom(...VARIANTS)),
    serviceTier: fc.boolean(),
    prompt: money,
    completion: money,
    request: opt(fc.integer({ min: 0, max: 4 }).map((x) => x / 100)),
    discount: opt(fc.constantFrom(0, 0.1, 0.35)),
    contextLength: fc.integer({ min: 1_000, max: 200_000 }),
    maxOutput: opt(fc.integer({ min: 256, max: 32_000 })),
    supportedParameters: opt(fc.subarray(PARAMS)),
    quantization: fc.constantFrom(...QUANTS),
    collects: fc.boolean(),
    zdr: fc.boolean(),
    provisioned: fc.boolean(),
  })
  .map((e) => ({
    provider: e.provider,
    ...(e.variant !== undefined ? { variant: e.variant } : {}),
    serviceTier: e.serviceTier,
    price: {
      prompt: e.prompt,
      completion: e.completion,
      ...(e.request !== undefined ? { request: e.request } : {}),
      ...(e.discount !== undefined ? { discount: e.discount } : {}),
    },
    contextLength: e.contextLength,
    ...(e.maxOutput !== undefined ? { maxOutput: e.maxOutput } : {}),
    ...(e.supportedParameters !== undefined ? { supportedParameters: e.supportedParameters } : {}),
    quantization: e.quantization,
    dataPolicy: { collects: e.collects, zdr: e.zdr },
    pool: e.provisioned ? ("provisioned" as const) : ("standard" as const),
  }))

const slugOf = (e: EndpointConfig) => (e.variant !== undefined ? `${e.provider}/${e.variant}` : e.provider)

export const catalogArb: fc.Arbitrary<Catalog> = fc
  .array(fc.uniqueArray(endpointConfig, { minLength: 1, maxLength: 9, selector: slugOf }), {
    minLength: 1,
    maxLength: 3,
  })
  .map((models) =>
    catalogOf({
      providers: PROVIDERS,
      models: models.map((endpoints, i): ModelConfig => ({ id: `vendor/model-${i}`, endpoints })),
    }),
  )

const percentilesArb = fc
  .tuple(
    fc.integer({ min: 1, max: 100 }),
    fc.integer({ min: 0, max: 50 }),
    fc.integer({ min: 0, max: 50 }),
    fc.integer({ min: 0, max: 50 }),
  )
  .map(([a, b, c, d]) => percentiles(a / 10, (a + b) / 10, (a + b + c) / 10, (a + b + c + d) / 10))

const liveArb: fc.Arbitrary<EndpointLive> = fc.record({
  latency: opt(percentilesArb),
  throughput: opt(percentilesArb.map((p) => ({ p50: p.p99 * 10, p75: p.p90 * 10, p90: p.p75 * 10, p99: p.p50 * 10 }))),
  recentOutage: fc.boolean(),
  cooldownUntil: rare(fc.integer({ min: -60_000, max: 60_000 }).map((d) => NOW + d)),
  breaker: fc.oneof(
    { arbitrary: fc.constant("closed" as const), weight: 8 },
    { arbitrary: fc.constantFrom("open" as const, "half-open" as const), weight: 2 },
  ),
  predictedUtilization: opt(fc.integer({ min: 0, max: 20 }).map((x) => x / 10)),
})

/** Live numbers for up to 30 endpoints, assigned by candidate position. */
export const livesArb = fc.array(opt(liveArb), { minLength: 30, maxLength: 30 })

export const snapshotFor = (endpoints: ReadonlyArray<Endpoint>, lives: ReadonlyArray<EndpointLive | undefined>) => {
  const map = new Map<string, EndpointLive>()
  endpoints.forEach((e, i) => {
    const l = lives[i % lives.length]
    if (l !== undefined) map.set(e.id, l)
  })
  return { now: NOW, endpoints: map } satisfies Snapshot
}

/** 1–4 slugs, base slugs more often than full ones (so lists match generated endpoints often). */
export const slugsArb = fc.uniqueArray(
  fc.oneof(
    { arbitrary: fc.constantFrom(...PROVIDER_SLUGS), weight: 3 },
    { arbitrary: fc.constantFrom(...REQUEST_SLUGS), weight: 2 },
  ),
  { minLength: 1, maxLength: 4 },
)
const slugs = slugsArb
const cutoff = fc.oneof(
  fc.integer({ min: 1, max: 100 }).map((x) => x / 10),
  fc.record(
    {
      p50: fc.integer({ min: 1, max: 100 }).map((x) => x / 10),
      p90: fc.integer({ min: 1, max: 200 }).map((x) => x / 10),
    },
    { requiredKeys: [] },
  ),
)

export const preferencesArb: fc.Arbitrary<ProviderPreferences> = fc
  .record({
    order: rare(slugs),
    allow_fallbacks: rare(fc.boolean()),
    require_parameters: rare(fc.boolean()),
    data_collection: rare(fc.constantFrom("allow" as const, "deny" as const)),
    zdr: rare(fc.boolean()),
    only: rare(slugs),
    ignore: rare(slugs),
    quantizations: rare(fc.subarray([...QUANTS], { minLength: 1 })),
    sort: opt(
      fc.oneof(
        fc.constantFrom("price" as const, "latency" as const, "throughput" as const),
        fc.record(
          {
            by: fc.constantFrom("price" as const, "latency" as const, "throughput" as const),
            partition: fc.constantFrom("model" as const, "none" as const),
          },
          { requiredKeys: ["by"] },
        ),
      ),
    ),
    preferred_max_latency: rare(cutoff),
    preferred_min_throughput: rare(cutoff),
    max_price: rare(
      fc.record({ prompt: money, completion: money, request: fc.constantFrom(0, 0.01, 0.05) }, { requiredKeys: [] }),
    ),
    high_availability: rare(fc.boolean()),
    escalation: rare(fc.constantFrom("allow" as const, "deny" as const)),
  })
  .map(dropUndefined)

export interface Scenario {
  readonly catalog: Catalog
  readonly candidates: ReadonlyArray<Endpoint>
  readonly request: PlanRequest
  readonly snapshot: Snapshot
  readonly escalating: boolean
  readonly seed: number
}

/** A catalog, the request's models resolved to candidates, live numbers, and routing preferences. */
export const scenarioArb = (provider: fc.Arbitrary<ProviderPreferences> = preferencesArb): fc.Arbitrary<Scenario> =>
  fc
    .record({
      catalog: catalogArb,
      provider,
      lives: livesArb,
      modelPick: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
      estimatedPromptTokens: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 2_000 }), weight: 4 },
        { arbitrary: fc.integer({ min: 1, max: 150_000 }), weight: 1 },
      ),
      maxTokens: rare(fc.integer({ min: 1, max: 40_000 })),
      parameters: fc.subarray(PARAMS),
      priority: fc.constantFrom("critical" as const, "default" as const, "default" as const, "batch" as const),
      escalating: fc.boolean(),
      seed: fc.integer(),
    })
    .map((r) => {
      const ids = [...r.catalog.models.keys()]
      const models = [...new Set(r.modelPick.map((i) => ids[i % ids.length]!))]
      const candidates = models.flatMap((m) => r.catalog.models.get(m)!.endpoints)
      return {
        catalog: r.catalog,
        candidates,
        request: {
          models,
          provider: r.provider,
          estimatedPromptTokens: r.estimatedPromptTokens,
          maxTokens: r.maxTokens,
          parameters: r.parameters,
          priority: r.priority,
        },
        snapshot: snapshotFor(candidates, r.lives),
        escalating: r.escalating,
        seed: r.seed,
      }
    })
