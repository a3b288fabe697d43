/** Worker thread of the simulation pool (`pool.ts`): runs the policy jobs it is sent, one at a time. */
import { parentPort } from "node:worker_threads"
import { type FromWorker, runJob, type ToWorker } from "./pool.js"
import type { ArrivalTrace } from "./traffic.js"

const port = parentPort
if (port === null) throw new Error("policy-worker.ts runs in a worker thread")

/** Progress messages at most this often per job (a run reports after every slice of virtual time). */
const PROGRESS_EVERY_MS = 100

const traces = new Map<number, ArrivalTrace>()
port.on("message", (m: ToWorker) => {
  if (m.type === "trace") {
    traces.set(m.id, m.trace)
    return
  }
  const post = (msg: FromWorker) => port.postMessage(msg)
  try {
    const trace = traces.get(m.traceId)
    if (trace === undefined) throw new Error(`trace ${m.traceId} was not sent`)
    let last = 0
    const run = runJob({ scenario: m.scenario, trace, policy: m.policy }, (ended) => {
      const now = performance.now()
      if (now - last < PROGRESS_EVERY_MS && ended < trace.count) return
      last = now
      post({ type: "progress", job: m.job, ended })
    })
    post({ type: "done", job: m.job, result: run.result, defects: run.defects })
  } catch (e) {
    post({ type: "failed", job: m.job, message: e instanceof Error ? (e.stack ?? e.message) : String(e) })
  }
})
