// The load generator process (see load.ts): takes one job per line on stdin, answers `RESULT <json>` (or
// `FAILED <message>`) on stdout, exits when its stdin closes.
//   load: closed-loop autocannon run. Latencies come from autocannon's per-response event (float milliseconds; its
//         own histogram has whole milliseconds only) into a `Latencies` histogram, returned sparse for merging.
//   ttfb: sequential streams, time to first byte and to the end (stream-probe.ts).
//   hold: many streams open at once (stream-probe.ts).
import { createInterface } from "node:readline"
import autocannon from "autocannon"
import { Latencies } from "./histogram.js"
import type { LoadJob, LoadPart } from "./load.js"
import { holdStreams, measureStreams } from "./stream-probe.js"

const load = (job: Extract<LoadJob, { kind: "load" }>): Promise<LoadPart> =>
  new Promise((resolve, reject) => {
    const latencies = new Latencies()
    const instance = autocannon(
      {
        url: `${job.origin}${job.req.path}`,
        method: "POST",
        headers: { "content-type": "application/json", ...job.req.headers },
        body: job.req.body,
        connections: job.connections,
        pipelining: 1,
        duration: job.durationS,
        timeout: 10,
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)))
          return
        }
        resolve({
          durationS: result.duration,
          latencies: latencies.sparse(),
          non2xx: result.non2xx,
          errors: result.errors,
        })
      },
    )
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.add(ms)
    })
  })

const run = (job: LoadJob): Promise<unknown> => {
  switch (job.kind) {
    case "load":
      return load(job)
    case "ttfb":
      return measureStreams(job.origin, job.req, job.durationMs, job.maxCount)
    case "hold":
      return holdStreams(job.origin, job.req, job.count, job.timeoutMs)
  }
}

const reply = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

const lines = createInterface({ input: process.stdin })
lines.on("line", (line) => {
  if (line.trim() === "") return
  run(JSON.parse(line) as LoadJob).then(
    (result) => reply(`RESULT ${JSON.stringify(result)}`),
    (e: unknown) => reply(`FAILED ${JSON.stringify(e instanceof Error ? e.message : String(e))}`),
  )
})
lines.on("close", () => process.exit(0))
process.on("SIGTERM", () => process.exit(0))
reply("READY")
