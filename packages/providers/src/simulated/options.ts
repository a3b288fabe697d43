import { type ConfigInvalid, Simulated, toConfigInvalid } from "@switchyard/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"

/**
 * Options of the `simulated` provider (see `Simulated.SimulatedUpstreamOptions` for every field):
 * `latency` (time to first token, ms), `throughput` (output tokens/s), `outputTokens`, `capacity`
 * (`tokensPerMinute`, `requestsPerMinute`, `windowMs`), `outputWeight`, `errorRate`,
 * `midStreamFailureRate`, `outages`, `overheadMs`, `streamChunkTokens`, `dataPolicy`, `cache` (a prompt
 * cache: `ttlMs`, `minTokens`, `writes`, `maxEntries`), per-endpoint
 * `endpoints` overrides, `seed`, `startAt`. Distributions are a number (constant) or
 * `{type:"lognormal",median,p90}`, `{type:"uniform",min,max}`, `{type:"exponential",mean}`,
 * `{type:"normal",mean,stddev,min?}`, `{type:"constant",value}`.
 */
export const SimulatedOptions = Simulated.SimulatedUpstreamOptions
export type SimulatedOptions = Simulated.SimulatedUpstreamOptions

const decode = Schema.decodeUnknownResult(SimulatedOptions)

/** Validate raw options with path-precise errors (`outages.0.endMs: endMs must be > startMs`). */
export const decodeSimulatedOptions = (input: unknown): Result.Result<SimulatedOptions, ConfigInvalid> => {
  const r = decode(input ?? {}, { errors: "all" })
  return Result.isFailure(r)
    ? Result.fail(toConfigInvalid("simulated provider options", r.failure))
    : Result.succeed(r.success)
}
