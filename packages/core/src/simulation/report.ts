import type { PolicyRun } from "./engine.js"
import { type Progress, runPolicy } from "./engine.js"
import type { PolicyResult } from "./metrics.js"
import { type ResolvedScenario, reservedCostOf } from "./resolve-scenario.js"
import type { Reserved } from "./scenario.js"
import { type ArrivalTrace, generateTrace } from "./traffic.js"

/** What a simulation run produces: the scenario in brief and one result per policy (deterministic for a seed). */
export interface SimulationReport {
  readonly scenario: {
    readonly name: string
    readonly description: string | undefined
    readonly seed: string
    readonly durationMs: number
    readonly deadlineMs: number
    readonly bucketMs: number
    readonly model: string
    readonly requests: number
    readonly listPrice: { readonly prompt: number; readonly completion: number }
    readonly endpoints: ReadonlyArray<{
      readonly slug: string
      readonly pool: "standard" | "provisioned"
      readonly price: { readonly prompt: number; readonly completion: number }
      readonly tokensPerMinute: number | undefined
      readonly reserved: Reserved | undefined
    }>
    /** USD of every reservation over the run. */
    readonly reservedCost: number
  }
  readonly policies: ReadonlyArray<PolicyResult>
}

export const reportHeader = (s: ResolvedScenario, trace: ArrivalTrace): SimulationReport["scenario"] => ({
  name: s.scenario.name,
  description: s.scenario.description,
  seed: s.seed,
  durationMs: s.durationMs,
  deadlineMs: s.deadlineMs,
  bucketMs: s.bucketMs,
  model: s.model,
  requests: trace.count,
  listPrice: s.listPrice,
  endpoints: s.endpoints.map((e) => ({
    slug: e.slug,
    pool: e.pool ?? "standard",
    price: { prompt: e.price.prompt, completion: e.price.completion },
    tokensPerMinute: e.capacity?.tokensPerMinute,
    reserved: e.reserved,
  })),
  reservedCost: reservedCostOf(s),
})

export interface SimulateOptions {
  /** Run only these policies (by name), in scenario order. */
  readonly only?: ReadonlyArray<string>
  /** Called after each slice of virtual time of each policy. */
  readonly onProgress?: (p: Progress & { readonly index: number; readonly of: number }) => void
  /** Called with each policy's full run (per-request columns) as it completes. */
  readonly onPolicyRun?: (run: PolicyRun) => void
}

/** Generate the arrival trace once and run every policy over it, synchronously. */
export const simulate = (s: ResolvedScenario, options: SimulateOptions = {}): SimulationReport => {
  const trace = generateTrace(s)
  const policies = s.policies.filter((p) => options.only === undefined || options.only.includes(p.name))
  const results: Array<PolicyResult> = []
  policies.forEach((policy, index) => {
    const it = runPolicy(s, trace, policy)
    for (;;) {
      const step = it.next()
      if (step.done) {
        options.onPolicyRun?.(step.value)
        results.push(step.value.result)
        break
      }
      options.onProgress?.({ ...step.value, index, of: policies.length })
    }
  })
  return { scenario: reportHeader(s, trace), policies: results }
}
