import type { PolicyRun } from "./engine.js"
import { type Progress, runPolicy } from "./engine.js"
import type { PolicyResult } from "./metrics.js"
import { runJobs } from "./pool.js"
import type { ReplaySource } from "./resolve-scenario.js"
import { type ResolvedScenario, reservedCostOf } from "./resolve-scenario.js"
import type { Reserved, ScenarioPolicy } from "./scenario.js"
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
    /** Set when the traffic was a replayed capture. */
    readonly replay: ReplaySource | undefined
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
  replay: s.replay,
})

export interface SimulateOptions {
  /** Run only these policies (by name), in scenario order. */
  readonly only?: ReadonlyArray<string>
  /** The arrivals to replay (default: generated from the scenario). */
  readonly trace?: ArrivalTrace
  /** Called after each slice of virtual time of each policy. */
  readonly onProgress?: (p: Progress & { readonly index: number; readonly of: number }) => void
  /** Called with each policy's full run (per-request columns) as it completes. */
  readonly onPolicyRun?: (run: PolicyRun) => void
}

const selected = (s: ResolvedScenario, only: ReadonlyArray<string> | undefined): ReadonlyArray<ScenarioPolicy> =>
  s.policies.filter((p) => only === undefined || only.includes(p.name))

/** Generate the arrival trace once and run every policy over it, synchronously. */
export const simulate = (s: ResolvedScenario, options: SimulateOptions = {}): SimulationReport => {
  const trace = options.trace ?? generateTrace(s)
  const policies = selected(s, options.only)
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

export interface ParallelSimulateOptions {
  /** Run only these policies (by name), in scenario order. */
  readonly only?: ReadonlyArray<string>
  /** The arrivals to replay (default: generated from the scenario). */
  readonly trace?: ArrivalTrace
  /** Worker threads (default: available parallelism, at most one per policy; 1 = this thread). */
  readonly threads?: number
  /** Requests ended so far over all policies, the total, and the requests ended per policy (scenario order). */
  readonly onProgress?: (ended: number, total: number, byPolicy: ReadonlyArray<number>) => void
}

/** The report and, per policy, the defects (bugs) raised inside request fibers (first few; normally none). */
export interface ParallelSimulation {
  readonly report: SimulationReport
  readonly defects: ReadonlyArray<{ readonly policy: string; readonly defects: ReadonlyArray<string> }>
  /** Worker threads the policies ran on (1: this thread). */
  readonly threads: number
}

/**
 * `simulate` with the policies spread over worker threads (one run per thread at a time): the same
 * report, faster on a machine with several cores.
 */
export const simulateInParallel = async (
  s: ResolvedScenario,
  options: ParallelSimulateOptions = {},
): Promise<ParallelSimulation> => {
  const trace = options.trace ?? generateTrace(s)
  const policies = selected(s, options.only)
  const ended = new Array<number>(policies.length).fill(0)
  const total = trace.count * policies.length
  const { results: runs, threads } = await runJobs(
    policies.map((policy) => ({ scenario: s, trace, policy })),
    {
      ...(options.threads !== undefined && { threads: options.threads }),
      onProgress: (k, n) => {
        ended[k] = n
        options.onProgress?.(
          ended.reduce((a, b) => a + b, 0),
          total,
          ended,
        )
      },
    },
  )
  return {
    report: { scenario: reportHeader(s, trace), policies: runs.map((r) => r.result) },
    defects: runs.flatMap((r, k) => (r.defects.length > 0 ? [{ policy: policies[k]!.name, defects: r.defects }] : [])),
    threads,
  }
}
