// Streaming measurements with undici (autocannon reports no time to first byte):
// - measureStreams: sequential streamed requests, time to first body byte and to the end of the stream;
// - holdStreams: many streams open at once (memory scenario), counting how many were open together.
import { setMaxListeners } from "node:events"
import { Client, Pool } from "undici"
import { percentile } from "./stats.js"

/** One request as a target is sent it: path, headers, body. */
export interface TargetRequest {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface StreamTimes {
  readonly ttfbP50Ms: number | undefined
  readonly ttfbP99Ms: number | undefined
  readonly totalP50Ms: number | undefined
  readonly totalP99Ms: number | undefined
  readonly ok: number
  readonly failed: number
}

const headersOf = (req: TargetRequest): Record<string, string> => ({
  "content-type": "application/json",
  ...req.headers,
})

/** One stream after another for `durationMs` (at most `maxCount`), timing first byte and end. */
export const measureStreams = async (
  origin: string,
  req: TargetRequest,
  durationMs: number,
  maxCount: number,
): Promise<StreamTimes> => {
  const client = new Client(origin, { keepAliveTimeout: 60_000 })
  const ttfb: Array<number> = []
  const total: Array<number> = []
  let failed = 0
  const deadline = performance.now() + durationMs
  try {
    while (performance.now() < deadline && ttfb.length + failed < maxCount) {
      const start = performance.now()
      try {
        const res = await client.request({
          method: "POST",
          path: req.path,
          headers: headersOf(req),
          body: req.body,
          signal: AbortSignal.timeout(10_000),
        })
        let first: number | undefined
        let text = ""
        for await (const chunk of res.body) {
          first ??= performance.now()
          text += (chunk as Buffer).toString("utf8")
        }
        const end = performance.now()
        if (res.statusCode !== 200 || first === undefined || !text.includes("[DONE]")) failed++
        else {
          ttfb.push(first - start)
          total.push(end - start)
        }
      } catch {
        failed++
      }
    }
  } finally {
    await client.close()
  }
  return {
    ttfbP50Ms: percentile(ttfb, 50),
    ttfbP99Ms: percentile(ttfb, 99),
    totalP50Ms: percentile(total, 50),
    totalP99Ms: percentile(total, 99),
    ok: ttfb.length,
    failed,
  }
}

export interface HeldStreams {
  readonly requested: number
  /** Most streams that had sent their first byte and not yet ended, at one moment. */
  readonly maxOpen: number
  readonly completed: number
  readonly failed: number
}

/** Opens `count` streams at once (one connection each) and reads them to the end, within `timeoutMs`. */
export const holdStreams = async (
  origin: string,
  req: TargetRequest,
  count: number,
  timeoutMs: number,
): Promise<HeldStreams> => {
  const pool = new Pool(origin, { connections: count, keepAliveTimeout: 60_000 })
  const signal = AbortSignal.timeout(timeoutMs)
  setMaxListeners(count + 10, signal)
  let open = 0
  let maxOpen = 0
  let completed = 0
  let failed = 0
  const one = async (): Promise<void> => {
    let counted = false
    try {
      const res = await pool.request({
        method: "POST",
        path: req.path,
        headers: headersOf(req),
        body: req.body,
        signal,
      })
      let text = ""
      for await (const chunk of res.body) {
        if (!counted) {
          counted = true
          open++
          maxOpen = Math.max(maxOpen, open)
        }
        text += (chunk as Buffer).toString("utf8")
      }
      if (res.statusCode === 200 && text.includes("[DONE]")) completed++
      else failed++
    } catch {
      failed++
    } finally {
      if (counted) open--
    }
  }
  try {
    await Promise.all(Array.from({ length: count }, one))
  } finally {
    await pool.destroy()
  }
  return { requested: count, maxOpen, completed, failed }
}
