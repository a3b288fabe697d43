import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { ConfigInvalid } from "../errors.js"
import { toConfigInvalid } from "../schema/decode.js"
import type { Priority, ProviderPreferences } from "../schema/provider-preferences.js"
import type { Distribution } from "./distribution.js"
import { Scenario, type ScenarioEndpoint, type ScenarioPolicy, scenarioEndpointSlug } from "./scenario.js"

export interface ResolvedClass {
  readonly name: string
  /** Normalized share (sums to 1 over classes). */
  readonly share: number
  readonly priority: Priority | undefined
  readonly provider: ProviderPreferences | undefined
}

/** A validated scenario with every default applied. */
export interface ResolvedScenario {
  readonly scenario: Scenario
  readonly seed: string
  readonly durationMs: number
  readonly deadlineMs: number
  readonly bucketMs: number
  readonly model: string
  readonly listPrice: { readonly prompt: number; readonly completion: number }
  readonly endpoints: ReadonlyArray<ScenarioEndpoint & { readonly slug: string }>
  readonly classes: ReadonlyArray<ResolvedClass>
  readonly promptTokens: Distribution
  readonly outputTokens: Distribution
  readonly maxTokens: number | undefined
  readonly streamingShare: number
  readonly streamChunkTokens: number
  readonly policies: ReadonlyArray<ScenarioPolicy>
}

const decode = Schema.decodeUnknownResult(Scenario)

export const resolveScenario = (scenario: Scenario): ResolvedScenario => {
  const endpoints = scenario.endpoints.map((e) => ({ ...e, slug: scenarioEndpointSlug(e) }))
  const firstStandard = endpoints.find((e) => (e.pool ?? "standard") === "standard") ?? endpoints[0]!
  const classes = scenario.traffic.classes ?? [{ name: "default", share: 1 }]
  const total = classes.reduce((n, c) => n + c.share, 0)
  return {
    scenario,
    seed: String(scenario.seed),
    durationMs: scenario.duration,
    deadlineMs: scenario.deadline ?? 60_000,
    bucketMs: scenario.bucket ?? Math.max(1_000, Math.round(scenario.duration / 96)),
    model: scenario.model ?? "google/gemini-2.5-pro",
    listPrice: scenario.listPrice ?? { prompt: firstStandard.price.prompt, completion: firstStandard.price.completion },
    endpoints,
    classes: classes.map((c) => ({ name: c.name, share: c.share / total, priority: c.priority, provider: c.provider })),
    promptTokens: scenario.traffic.promptTokens ?? { type: "lognormal", median: 800, p90: 3_000 },
    outputTokens: scenario.traffic.outputTokens ?? { type: "lognormal", median: 250, p90: 700 },
    maxTokens: scenario.traffic.maxTokens === null ? undefined : (scenario.traffic.maxTokens ?? 1_024),
    streamingShare: scenario.traffic.streamingShare ?? 0,
    streamChunkTokens: scenario.streamChunkTokens ?? 64,
    policies: scenario.policies,
  }
}

/** Decode scenario JSON with path-precise errors (`endpoints.1.capacity.tokensPerMinute: …`). */
export const decodeScenario = (json: unknown): Result.Result<ResolvedScenario, ConfigInvalid> => {
  const r = decode(json, { errors: "all" })
  return Result.isFailure(r)
    ? Result.fail(toConfigInvalid("scenario", r.failure))
    : Result.succeed(resolveScenario(r.success))
}
