import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A loopback OpenAI-compatible upstream that enforces a tokens-per-minute limit per model the way a
 * provider's meter does (a leaky bucket draining `limit` tokens per minute; each request charges
 * `PROMPT_TOKENS + max_tokens` when it arrives) and answers 429 with `retry-after-ms` above it. Model `hang`
 * never answers. `rateLimitNext(model, ms)` makes the next request for that model a 429 with that retry-after.
 *
 * `transitMs`: the meter refuses only above `limit + transitMs × limit ÷ 60 000` tokens. A gateway meters a
 * request when it admits it, this meter when it arrives, up to one transit time later (the gateway's own work,
 * the event loops of both sides). Both buckets drain at the same rate, so in one busy period this one is fuller
 * by the rate × (transit of the period's first request − transit of the current one), at most rate × the
 * longest transit: a gateway that keeps its own bucket exactly at the limit overshoots this one by that much.
 * It is the skew bound of packages/redis/README.md ("Time") with the transit time in place of clock skew.
 */
export const PROMPT_TOKENS = 10

export interface TpmUpstream {
  readonly baseUrl: string
  /** Requests answered 200, by upstream model. */
  readonly served: Map<string, number>
  /** 429s answered, by upstream model. */
  readonly limited: Map<string, number>
  /** Requests received (any answer), by upstream model. */
  readonly received: Map<string, number>
  /** The highest level (tokens, after a charge) each metered model's bucket reached. */
  readonly peak: Map<string, number>
  readonly rateLimitNext: (model: string, retryAfterMs: number) => void
  readonly close: () => Promise<void>
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)

export const startTpmUpstream = async (
  limits: Readonly<Record<string, number>>,
  { transitMs = 0 }: { readonly transitMs?: number } = {},
): Promise<TpmUpstream> => {
  const served = new Map<string, number>()
  const limited = new Map<string, number>()
  const received = new Map<string, number>()
  const forced = new Map<string, number>()
  const peak = new Map<string, number>()
  const buckets = new Map<string, { level: number; at: number }>()
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { model?: string; max_tokens?: number }
      const model = String(body.model)
      bump(received, model)
      if (model === "hang") return
      const tooMany = (retryAfterMs: number) => {
        bump(limited, model)
        res.writeHead(429, { "content-type": "application/json", "retry-after-ms": String(retryAfterMs) })
        res.end(
          JSON.stringify({
            error: { message: "Rate limit reached", type: "tokens", param: null, code: "rate_limit_exceeded" },
          }),
        )
      }
      const force = forced.get(model)
      if (force !== undefined) {
        forced.delete(model)
        return tooMany(force)
      }
      const completion = body.max_tokens ?? 100
      const charge = PROMPT_TOKENS + completion
      const limit = limits[model]
      if (limit !== undefined) {
        const now = Date.now()
        const b = buckets.get(model) ?? { level: 0, at: now }
        b.level = Math.max(0, b.level - ((now - b.at) * limit) / 60_000)
        b.at = now
        buckets.set(model, b)
        const allowed = limit + (transitMs * limit) / 60_000
        if (b.level + charge > allowed) return tooMany(Math.ceil(((b.level + charge - allowed) * 60_000) / limit))
        b.level += charge
        peak.set(model, Math.max(peak.get(model) ?? 0, b.level))
      }
      bump(served, model)
      res.writeHead(200, { "content-type": "application/json" })
      res.end(
        JSON.stringify({
          id: "chatcmpl-fleet",
          object: "chat.completion",
          created: 1_700_000_000,
          model,
          choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
          usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: completion, total_tokens: charge },
        }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    served,
    limited,
    received,
    peak,
    rateLimitNext: (model, ms) => void forced.set(model, ms),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
