/**
 * A real HTTP server on 127.0.0.1 speaking OpenAI's chat-completions wire format by replaying the
 * recordings in ../fixtures: text or tool calls, JSON or SSE. It can be told to answer the next N
 * requests with a 429 (`retry-after-ms`), and it records what it received (to check what reached it).
 */
import { readFileSync } from "node:fs"
import { createServer, type IncomingMessage } from "node:http"
import { listen } from "./listen.js"

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")

const TEXT_JSON = fixture("openai-chat-text.json")
const TEXT_SSE = `${fixture("openai-chat-text.chunks.txt")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => `data: ${l}\n\n`)
  .join("")}data: [DONE]\n\n`
const TOOL_JSON = fixture("groq-chat-tool-call.json")
const TOOL_SSE = fixture("gateway-anthropic-fallback-tool-call.sse")

const RATE_LIMIT_BODY = JSON.stringify({
  error: {
    message: "Rate limit reached for requests. Please try again in 2s.",
    type: "requests",
    param: null,
    code: "rate_limit_exceeded",
  },
})

export interface Received {
  readonly path: string
  readonly headers: IncomingMessage["headers"]
  readonly body: Record<string, unknown>
  /** The body's text as it came. */
  readonly text: string
}

export const startLoopbackUpstream = async () => {
  const received: Array<Received> = []
  /** Upstream model ids whose requests were cut by the caller (socket closed before an answer). */
  const cancelled: Array<string> = []
  let rateLimitNext = 0
  let retryAfterMs = 2000
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      const body = JSON.parse(text || "{}") as Record<string, unknown>
      received.push({ path: req.url ?? "", headers: req.headers, body, text })
      if (req.url !== "/v1/chat/completions") {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}')
        return
      }
      if (rateLimitNext > 0) {
        rateLimitNext--
        res.writeHead(429, {
          "content-type": "application/json",
          "retry-after-ms": String(retryAfterMs),
          "retry-after": String(Math.ceil(retryAfterMs / 1000)),
        })
        res.end(RATE_LIMIT_BODY)
        return
      }
      if (body.model === "hang") {
        // never answers; records the caller hanging up (the gateway cancelling its upstream call)
        res.on("close", () => cancelled.push(String(body.model)))
        return
      }
      const tools = Array.isArray(body.tools)
      if (body.stream === true) {
        res.writeHead(200, { "content-type": "text/event-stream" })
        res.end(tools ? TOOL_SSE : TEXT_SSE)
      } else {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(tools ? TOOL_JSON : TEXT_JSON)
      }
    })
  })
  const s = await listen(server)
  return {
    baseUrl: `${s.url}/v1`,
    received,
    cancelled,
    /** Answer the next `n` chat requests with 429 + `retry-after-ms` (default 2000). */
    rateLimit: (n: number, afterMs = 2000) => {
      rateLimitNext = n
      retryAfterMs = afterMs
    },
    close: s.close,
  }
}
