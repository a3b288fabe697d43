// Closed-loop load with autocannon (programmatic API). Latencies are taken from autocannon's per-response event
// (float milliseconds) rather than its integer-millisecond histogram, so sub-millisecond differences stay visible.
import autocannon from "autocannon"
import { percentile } from "./stats.js"

export interface TargetRequest {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface LoadResult {
  /** 2xx responses per second over the run. */
  readonly reqPerSec: number
  readonly p50Ms: number | undefined
  readonly p99Ms: number | undefined
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
}

export const runLoad = (
  origin: string,
  req: TargetRequest,
  connections: number,
  durationS: number,
): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const latencies: Array<number> = []
    const instance = autocannon(
      {
        url: `${origin}${req.path}`,
        method: "POST",
        headers: { "content-type": "application/json", ...req.headers },
        body: req.body,
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)))
          return
        }
        resolve({
          reqPerSec: latencies.length / result.duration,
          p50Ms: percentile(latencies, 50),
          p99Ms: percentile(latencies, 99),
          ok: latencies.length,
          non2xx: result.non2xx,
          errors: result.errors,
        })
      },
    )
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms)
    })
  })
