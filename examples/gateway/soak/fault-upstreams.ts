/**
 * The upstreams of the soak: OpenAI-wire servers on 127.0.0.1 that answer each request with content made
 * of the request's own soak id (`<id>:0 <id>:1 …`, so a client can tell a lost, duplicated or truncated
 * answer), and inject faults at random: 429 with `retry-after-ms`, 500, a connection reset before the
 * answer, a hang (the gateway's attempt limits cut it), a stream cut mid-way, a slow first token.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export interface FaultRates {
  readonly rateLimited: number
  readonly serverError: number
  readonly reset: number
  readonly hang: number
  readonly cutStream: number
}

export const DEFAULT_FAULTS: FaultRates = {
  rateLimited: 0.04,
  serverError: 0.03,
  reset: 0.02,
  hang: 0.01,
  cutStream: 0.02,
}

/** The content tokens an answer to `id` carries, in order. */
export const tokensOf = (id: string, n: number): Array<string> => Array.from({ length: n }, (_, i) => `${id}:${i}`)

const chunk = (model: string, delta: object, finish: string | null, usage?: object) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`

export const startFaultUpstream = async (
  faults: FaultRates,
  random: () => number,
): Promise<{
  readonly baseUrl: string
  readonly close: () => Promise<void>
}> => {
  const server: Server = createServer((req, res) => {
    let raw = ""
    req.on("data", (d: Buffer) => {
      raw += d.toString()
    })
    req.on("end", () => {
      const body = JSON.parse(raw) as {
        model: string
        stream?: boolean
        metadata?: { soak_id?: string }
        max_tokens?: number
      }
      const id = body.metadata?.soak_id ?? "?"
      const n = Math.max(1, Math.min(body.max_tokens ?? 8, 40))
      const tokens = tokensOf(id, n)
      const r = random()
      // one draw, cumulative shares: 429 | 500 | reset | hang | (stream cut) | answer
      const rateLimited = faults.rateLimited
      const serverError = rateLimited + faults.serverError
      const reset = serverError + faults.reset
      const hang = reset + faults.hang
      if (r < rateLimited) {
        res.writeHead(429, {
          "content-type": "application/json",
          "retry-after-ms": String(200 + Math.floor(random() * 800)),
        })
        return void res.end('{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}')
      }
      if (r < serverError) {
        res.writeHead(500, { "content-type": "application/json" })
        return void res.end('{"error":{"message":"internal error","type":"server_error"}}')
      }
      if (r < reset) return void req.socket.destroy()
      if (r < hang) return
      const usage = { prompt_tokens: 10, completion_tokens: n, total_tokens: 10 + n }
      const delay = 5 + Math.floor(random() * 60)
      if (body.stream === true) {
        const cut = r < hang + faults.cutStream
        res.writeHead(200, { "content-type": "text/event-stream" })
        let i = 0
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer)
          if (cut && i === Math.floor(n / 2)) {
            clearInterval(timer)
            return void req.socket.destroy()
          }
          if (i < n) {
            res.write(
              chunk(
                body.model,
                i === 0 ? { role: "assistant", content: `${tokens[i]} ` } : { content: `${tokens[i]} ` },
                null,
              ),
            )
            i++
            return
          }
          clearInterval(timer)
          res.end(`${chunk(body.model, {}, "stop", usage)}data: [DONE]\n\n`)
        }, delay / 4)
        res.on("close", () => clearInterval(timer))
        return
      }
      setTimeout(() => {
        if (res.destroyed) return
        res.writeHead(200, { "content-type": "application/json" })
        res.end(
          JSON.stringify({
            id: "c",
            object: "chat.completion",
            created: 1,
            model: body.model,
            choices: [{ index: 0, message: { role: "assistant", content: tokens.join(" ") }, finish_reason: "stop" }],
            usage,
          }),
        )
      }, delay)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
