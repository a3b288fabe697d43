import { type Catalog, type ConfigInvalid, decodeCatalog, type RoutingConfig, type Simulated } from "@switchyard/core"
import type * as Result from "effect/Result"
import type { ResolvedScenario } from "./resolve-scenario.js"
import type { PolicyKind, ScenarioPolicy } from "./scenario.js"

/** Router settings each policy kind stands for (the policy's own `routing` goes over these). */
export const routingFor = (kind: PolicyKind): RoutingConfig => {
  switch (kind) {
    case "single-provider":
      return { escalation: "deny", maxAttempts: 1 }
    case "cost-mode":
    case "client-smart-retry":
      return { escalation: "deny" }
    case "pt-first":
      return { escalation: "allow" }
    case "escalate-on-429":
      return { escalation: "allow", admission: false }
    case "capacity-aware-escalation":
      return { escalation: "allow", admission: true }
  }
}

/** Provider slugs of the scenario, in first-seen order. */
export const providerSlugs = (s: ResolvedScenario): ReadonlyArray<string> => [
  ...new Set(s.endpoints.map((e) => e.provider)),
]

/**
 * The catalog the real router runs on for one policy: one model, the scenario's endpoints (with
 * capacity only where `advertiseCapacity`), routing = scenario ⊕ policy kind ⊕ policy overrides.
 */
export const scenarioCatalog = (s: ResolvedScenario, policy: ScenarioPolicy): Result.Result<Catalog, ConfigInvalid> =>
  decodeCatalog({
    providers: providerSlugs(s).map((slug) => ({ slug, kind: "simulated" })),
    models: [
      {
        id: s.model,
        endpoints: s.endpoints.map((e) => {
          const pool = e.pool ?? "standard"
          const advertise = e.advertiseCapacity ?? pool === "provisioned"
          const { tokensPerMinute, requestsPerMinute } = e.capacity ?? {}
          return {
            provider: e.provider,
            ...(e.variant !== undefined && { variant: e.variant }),
            pool,
            price: e.price,
            contextLength: e.contextLength ?? 1_048_576,
            defaultMaxTokens: s.maxTokens ?? 1_024,
            ...(e.quantization !== undefined && { quantization: e.quantization }),
            ...(e.dataPolicy !== undefined && { dataPolicy: e.dataPolicy }),
            ...(e.outputWeight !== undefined && { outputWeight: e.outputWeight }),
            ...(advertise &&
              (tokensPerMinute !== undefined || requestsPerMinute !== undefined) && {
                capacity: {
                  ...(tokensPerMinute !== undefined && { tokensPerMinute }),
                  ...(requestsPerMinute !== undefined && { requestsPerMinute }),
                },
              }),
          }
        }),
      },
    ],
    routing: { requestTimeoutMs: s.deadlineMs, ...s.scenario.routing, ...routingFor(policy.kind), ...policy.routing },
  })

/** Options of the simulated upstream behind provider `slug`: its endpoints' behaviour, seeded from the scenario. */
export const scenarioUpstreamOptions = (s: ResolvedScenario, slug: string): Simulated.SimulatedUpstreamOptions => {
  const endpoints: Record<string, Simulated.SimulatedEndpointOptions> = {}
  for (const e of s.endpoints) {
    if (e.provider !== slug) continue
    endpoints[e.slug] = {
      ...(e.latency !== undefined && { latency: e.latency }),
      ...(e.throughput !== undefined && { throughput: e.throughput }),
      ...(e.capacity !== undefined && { capacity: e.capacity }),
      ...(e.outputWeight !== undefined && { outputWeight: e.outputWeight }),
      ...(e.errorRate !== undefined && { errorRate: e.errorRate }),
      ...(e.midStreamFailureRate !== undefined && { midStreamFailureRate: e.midStreamFailureRate }),
      ...(e.overheadMs !== undefined && { overheadMs: e.overheadMs }),
      ...(e.dataPolicy !== undefined && { dataPolicy: e.dataPolicy }),
      ...(e.cache !== undefined && { cache: e.cache }),
      outages: (e.outages ?? []).map((o) => ({
        startMs: o.start,
        endMs: o.end,
        ...(o.kind !== undefined && { kind: o.kind }),
      })),
    }
  }
  return { seed: `${s.seed}/upstream/${slug}`, startAt: 0, streamChunkTokens: s.streamChunkTokens, endpoints }
}
