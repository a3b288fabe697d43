/**
 * A real OpenAI-wire upstream on 127.0.0.1 for the gateway's process-level tests: chat completions as
 * JSON or SSE, a scripted status per upstream model id (`429`, `401` with an error that echoes the
 * caller's key as some providers do), and what it received.
 */
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"

export interface UpstreamHit {
  readonly model: string
  readonly headers: IncomingHttpHeaders
}

const completion = (model: string) =>
  JSON.stringify({
    id: "chatcmpl-up",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: "Hi there" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
  })

const CHUNKS = [
  { choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] },
  { choices: [{ index: 0, delta: { content: " there" }, finish_reason: "stop" }] },
  { choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } },
]

const chunks = (model: string) => {
  const frames = CHUNKS.map(
    (c) =>
      `data: ${JSON.stringify({ id: "chatcmpl-up", object: "chat.completion.chunk", created: 1, model, ...c })}\n\n`,
  )
  return `${frames.join("")}data: [DONE]\n\n`
}

export const startUpstream = async (statusFor: (model: string) => number = () => 200) => {
  const hits: Array<UpstreamHit> = []
  const server = createServer((req, res) => {
    const parts: Array<Buffer> = []
    req.on("data", (c: Buffer) => parts.push(c))
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(parts).toString("utf8") || "{}") as { model?: string; stream?: boolean }
      const model = String(body.model)
      hits.push({ model, headers: req.headers })
      const status = statusFor(model)
      if (status === 429) {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "30" })
        res.end(
          JSON.stringify({ error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }),
        )
      } else if (status !== 200) {
        res.writeHead(status, { "content-type": "application/json" })
        res.end(
          JSON.stringify({
            error: {
              message: `Incorrect API key provided: ${req.headers.authorization ?? ""}`,
              type: "invalid_request_error",
            },
          }),
        )
      } else if (body.stream === true) {
        res.writeHead(200, { "content-type": "text/event-stream" })
        res.end(chunks(model))
      } else {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(completion(model))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
