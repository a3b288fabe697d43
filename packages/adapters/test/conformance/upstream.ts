/**
 * A real HTTP server on 127.0.0.1 standing in for every provider at once: whatever path a plugin calls,
 * it answers the reply set for the current test (a recorded body, or recorded SSE frames), and records
 * each request.
 */
import { createServer, type IncomingHttpHeaders } from "node:http"
import { listen } from "../support/listen.js"

export type UpstreamReply =
  | { readonly status?: number; readonly headers?: Readonly<Record<string, string>>; readonly body: string }
  | {
      readonly status?: number
      readonly headers?: Readonly<Record<string, string>>
      readonly frames: ReadonlyArray<string>
    }

export interface UpstreamRequest {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: Record<string, unknown>
}

export const startUpstream = async () => {
  const requests: Array<UpstreamRequest> = []
  let next: UpstreamReply = { status: 500, body: '{"error":{"message":"no reply set"}}' }
  const server = createServer((req, res) => {
    const parts: Array<Buffer> = []
    req.on("data", (c: Buffer) => parts.push(c))
    req.on("end", () => {
      const text = Buffer.concat(parts).toString("utf8")
      requests.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(text || "{}") })
      const reply = next
      if ("body" in reply) {
        res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers })
        res.end(reply.body)
        return
      }
      res.writeHead(reply.status ?? 200, { "content-type": "text/event-stream", ...reply.headers })
      for (const frame of reply.frames) res.write(frame)
      res.end()
    })
  })
  const s = await listen(server)
  return {
    url: s.url,
    requests,
    reply: (r: UpstreamReply) => {
      next = r
    },
    close: s.close,
  }
}
