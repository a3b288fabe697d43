import { availableParallelism } from "node:os"
import { Worker } from "node:worker_threads"
import { type PolicyRun, runPolicy } from "./engine.js"
import type { PolicyResult } from "./metrics.js"
import type { ResolvedScenario } from "./resolve-scenario.js"
import type { ScenarioPolicy } from "./scenario.js"
import type { ArrivalTrace } from "./traffic.js"

/** One policy run: a scenario (with its endpoints as they should be for this run), a trace, a policy. */
export interface PolicyJob {
  readonly scenario: ResolvedScenario
  readonly trace: ArrivalTrace
  readonly policy: ScenarioPolicy
}

/** The jobs' results, in job order, and the threads that ran them. */
export interface PoolRun {
  readonly results: ReadonlyArray<JobResult>
  /** Worker threads used (1: this thread). */
  readonly threads: number
}

/** What a job produced (the per-request columns stay in the thread that ran it). */
export interface JobResult {
  readonly result: PolicyResult
  readonly defects: ReadonlyArray<string>
}

export interface PoolOptions {
  /**
   * Threads to run jobs on. Default: the machine's available parallelism, at most one per job. With 1
   * (or when worker threads cannot start) jobs run one after another on this thread.
   */
  readonly threads?: number
  /** Requests ended so far, per job, after each slice of virtual time (and once at the end). */
  readonly onProgress?: (job: number, ended: number) => void
}

/** Messages between the pool and its workers. */
export type ToWorker =
  | { readonly type: "trace"; readonly id: number; readonly trace: ArrivalTrace }
  | {
      readonly type: "job"
      readonly job: number
      readonly scenario: ResolvedScenario
      readonly traceId: number
      readonly policy: ScenarioPolicy
    }
export type FromWorker =
  | { readonly type: "progress"; readonly job: number; readonly ended: number }
  | ({ readonly type: "done"; readonly job: number } & JobResult)
  | { readonly type: "failed"; readonly job: number; readonly message: string }

/** Young generation of each worker, MB: a simulation allocates many objects that live a few virtual seconds. */
const YOUNG_GENERATION_MB = 64

/** Drive one policy run to its end, reporting progress after each slice. */
export const runJob = (job: PolicyJob, onProgress?: (ended: number) => void): PolicyRun => {
  const it = runPolicy(job.scenario, job.trace, job.policy)
  for (;;) {
    const step = it.next()
    if (step.done) {
      onProgress?.(job.trace.count)
      return step.value
    }
    onProgress?.(step.value.ended)
  }
}

/**
 * The worker script and how to start it. From the compiled package: `policy-worker.js` next to this
 * file. From TypeScript sources (this repository, run through tsx or vitest): the worker registers
 * tsx first (worker threads do not inherit the loader); undefined when tsx cannot be found.
 */
const workerSpec = (): { readonly script: string | URL; readonly eval: boolean } | undefined => {
  if (!import.meta.url.endsWith(".ts")) return { script: new URL("./policy-worker.js", import.meta.url), eval: false }
  let tsx: string
  try {
    tsx = import.meta.resolve("tsx/esm/api")
  } catch {
    return undefined
  }
  const entry = new URL("./policy-worker.ts", import.meta.url).href
  return {
    script: `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}))`,
    eval: true,
  }
}

const inThisThread = async (jobs: ReadonlyArray<PolicyJob>, options: PoolOptions): Promise<PoolRun> => {
  const out: Array<JobResult> = []
  for (const [k, job] of jobs.entries()) {
    const run = runJob(job, (ended) => options.onProgress?.(k, ended))
    out.push({ result: run.result, defects: run.defects })
    // let the event loop breathe between jobs (progress bars, signals)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  return { results: out, threads: 1 }
}

/**
 * Run policy jobs on worker threads, one job per thread at a time; results in job order, identical
 * to running them here (each run is deterministic from its scenario's seed). Each distinct trace is
 * sent to a worker once, so candidates that share a trace (the advisor's) do not copy it per job.
 */
export const runJobs = async (jobs: ReadonlyArray<PolicyJob>, options: PoolOptions = {}): Promise<PoolRun> => {
  const threads = Math.max(1, Math.min(jobs.length, options.threads ?? availableParallelism()))
  const spec = threads > 1 ? workerSpec() : undefined
  if (spec === undefined) return inThisThread(jobs, options)

  const traceIds = new Map<ArrivalTrace, number>()
  for (const job of jobs) if (!traceIds.has(job.trace)) traceIds.set(job.trace, traceIds.size)
  const results = new Array<JobResult>(jobs.length)
  let next = 0
  let done = 0
  let settled = false

  return new Promise<PoolRun>((resolve, reject) => {
    const workers: Array<Worker> = []
    const finish = (error?: Error) => {
      if (settled) return
      settled = true
      for (const w of workers) void w.terminate()
      if (error) reject(error)
      else resolve({ results, threads })
    }
    const start = () => {
      const worker = new Worker(spec.script, {
        eval: spec.eval,
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      })
      workers.push(worker)
      const sent = new Set<number>()
      let retired = false
      const give = () => {
        if (next >= jobs.length) {
          retired = true
          void worker.terminate()
          return
        }
        const k = next++
        const job = jobs[k]!
        const traceId = traceIds.get(job.trace)!
        if (!sent.has(traceId)) {
          sent.add(traceId)
          worker.postMessage({ type: "trace", id: traceId, trace: job.trace } satisfies ToWorker)
        }
        worker.postMessage({
          type: "job",
          job: k,
          scenario: job.scenario,
          traceId,
          policy: job.policy,
        } satisfies ToWorker)
      }
      worker.on("message", (m: FromWorker) => {
        if (m.type === "progress") options.onProgress?.(m.job, m.ended)
        else if (m.type === "failed") finish(new Error(`policy ${jobs[m.job]?.policy.name}: ${m.message}`))
        else {
          results[m.job] = { result: m.result, defects: m.defects }
          if (++done === jobs.length) finish()
          else give()
        }
      })
      worker.on("error", (e) => finish(e))
      worker.on("exit", (code) => {
        if (code !== 0 && !settled && !retired) finish(new Error(`simulation worker exited with code ${code}`))
      })
      give()
    }
    for (let i = 0; i < threads; i++) start()
  })
}
