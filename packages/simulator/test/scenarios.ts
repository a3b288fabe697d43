import { Result } from "effect"
import { decodeScenario, type ResolvedScenario } from "../src/resolve-scenario.js"

/** Scenario JSON as tests edit it (any shape: invalid edits are the point of some tests). */
// biome-ignore lint/suspicious/noExplicitAny: fixtures edit scenario JSON freely, including into invalid shapes
export type Json = Record<string, any>

/** A small two-standard + one-PT scenario; `patch` edits the JSON before decoding. */
export const smallScenario = (patch: (s: Json) => void = () => {}): ResolvedScenario => {
  const json: Json = {
    name: "small",
    seed: "small",
    duration: "4m",
    deadline: "30s",
    bucket: "1m",
    endpoints: [
      {
        provider: "studio",
        price: { prompt: 1, completion: 8 },
        capacity: { tokensPerMinute: 60_000 },
        latency: { type: "lognormal", median: 400, p90: 900 },
        throughput: 80,
        dataPolicy: { collects: true, zdr: false },
      },
      {
        provider: "vertex",
        price: { prompt: 1, completion: 8, discount: 0.25 },
        capacity: { tokensPerMinute: 40_000 },
        latency: { type: "lognormal", median: 500, p90: 1_000 },
        throughput: 70,
        dataPolicy: { collects: false, zdr: true },
      },
      {
        provider: "vertex",
        variant: "pt",
        pool: "provisioned",
        price: { prompt: 1.3, completion: 10.4 },
        capacity: { tokensPerMinute: 120_000 },
        latency: 300,
        throughput: 100,
        dataPolicy: { collects: false, zdr: true },
      },
    ],
    traffic: {
      ratePerSecond: 2,
      surges: [{ start: "1m", end: "3m", multiplier: 3 }],
      promptTokens: { type: "lognormal", median: 400, p90: 1_200 },
      outputTokens: { type: "lognormal", median: 100, p90: 300 },
      maxTokens: 512,
      streamingShare: 0.3,
    },
    policies: [
      { name: "cost", kind: "cost-mode" },
      { name: "aware", kind: "capacity-aware-escalation" },
    ],
  }
  patch(json)
  const r = decodeScenario(json)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}

/**
 * The small scenario for 3 minutes with its PT pool reserved (`units` of 10,000 tokens/min at
 * `pricePerUnitHour`), the given traffic classes, and cost mode against capacity-aware escalation.
 */
export const reservedPtScenario = (
  reserved: { readonly units: number; readonly pricePerUnitHour: number },
  classes: ReadonlyArray<Json>,
): ResolvedScenario =>
  smallScenario((j) => {
    j.duration = "3m"
    j.endpoints[2] = {
      provider: "vertex",
      variant: "pt",
      pool: "provisioned",
      reserved: { unitTokensPerMinute: 10_000, ...reserved },
      latency: 300,
      throughput: 100,
      dataPolicy: { collects: false, zdr: true },
    }
    j.traffic.classes = classes
    j.policies = [
      { name: "cost", kind: "cost-mode" },
      { name: "aware", kind: "capacity-aware-escalation" },
    ]
  })
