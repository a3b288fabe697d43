import {
  type ConfigInvalid,
  type Price,
  type Priority,
  type ProviderPreferences,
  type Simulated,
  toConfigInvalid,
} from "@switchyard/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { Scenario, type ScenarioEndpoint, type ScenarioPolicy, scenarioEndpointSlug } from "./scenario.js"

export interface ResolvedClass {
  readonly name: string
  /** Normalized share (sums to 1 over classes). */
  readonly share: number
  readonly priority: Priority | undefined
  readonly provider: ProviderPreferences | undefined
}

/**
 * An endpoint with its defaults applied: a price (0 per token for a reserved endpoint without one)
 * and, when reserved, `capacity.tokensPerMinute` = units × unitTokensPerMinute.
 */
export type ResolvedEndpoint = Omit<ScenarioEndpoint, "price"> & { readonly slug: string; readonly price: Price }

/** Where a replayed run's traffic came from (in the report's header). */
export interface ReplaySource {
  /** Records replayed. */
  readonly records: number
  /** Records left out because they were for another model than the scenario's. */
  readonly otherModels: number
  /** Arrival times divided by this (2: the same traffic in half the time). */
  readonly speed: number
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
  readonly endpoints: ReadonlyArray<ResolvedEndpoint>
  readonly classes: ReadonlyArray<ResolvedClass>
  readonly promptTokens: Simulated.Distribution
  readonly outputTokens: Simulated.Distribution
  readonly maxTokens: number | undefined
  readonly streamingShare: number
  readonly streamChunkTokens: number
  readonly policies: ReadonlyArray<ScenarioPolicy>
  /** Set when the traffic is a replayed capture instead of the scenario's own (see `replayScenario`). */
  readonly replay?: ReplaySource
}

const decode = Schema.decodeUnknownResult(Scenario)

const FREE: Price = { prompt: 0, completion: 0 }

const resolveEndpoint = (e: ScenarioEndpoint): ResolvedEndpoint => {
  const r = e.reserved
  return {
    ...e,
    slug: scenarioEndpointSlug(e),
    price: e.price ?? FREE,
    ...(r !== undefined && { capacity: { ...e.capacity, tokensPerMinute: r.units * r.unitTokensPerMinute } }),
  }
}

/** USD the scenario's reservations cost over its duration (units × price per unit-hour × hours). */
export const reservedCostOf = (s: ResolvedScenario): number =>
  s.endpoints.reduce(
    (sum, e) => sum + (e.reserved ? (e.reserved.units * e.reserved.pricePerUnitHour * s.durationMs) / 3_600_000 : 0),
    0,
  )

/**
 * The scenario with `units` reserved units on endpoint `slug` (its capacity follows): what the PT
 * sizing advisor varies. The endpoint must be reserved.
 */
export const withReservedUnits = (s: ResolvedScenario, slug: string, units: number): ResolvedScenario => ({
  ...s,
  endpoints: s.endpoints.map((e) => {
    if (e.slug !== slug) return e
    if (e.reserved === undefined) throw new Error(`endpoint ${slug} is not reserved`)
    const reserved = { ...e.reserved, units }
    return { ...e, reserved, capacity: { ...e.capacity, tokensPerMinute: units * reserved.unitTokensPerMinute } }
  }),
})

export const resolveScenario = (scenario: Scenario): ResolvedScenario => {
  const endpoints = scenario.endpoints.map(resolveEndpoint)
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
