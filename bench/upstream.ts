// Fake OpenAI-compatible upstream for the gateway benchmark (node:http, 127.0.0.1).
//   POST …/chat/completions → a fixed ~300-byte chat.completion, or SSE when the body says `stream: true`
//   (role chunk, content chunks, finish chunk, usage chunk, [DONE]).
//   A model id containing "slow" streams at the slow pace (memory scenario: many long-lived streams).
//   Paths under --limited-prefix, requests carrying the --limited-header, or every request with --always-429
//   answer 429 with `retry-after-ms` (fallback scenario).
//   GET /stats → {"ok","streams","rateLimited"} counters since start.
// Prints `LISTENING <port>` on stdout once bound.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { parseArgs } from "node:util"

const { values: opt } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    chunks: { type: "string", default: "20" },
    "chunk-delay-ms": { type: "string", default: "0" },
    "slow-chunks": { type: "string", default: "20" },
    "slow-delay-ms": { type: "string", default: "300" },
    "limited-prefix": { type: "string", default: "/ratelimited" },
    "limited-header": { type: "string", default: "x-bench-ratelimit" },
    "retry-after-ms": { type: "string", default: "0" },
    "always-429": { type: "boolean", default: false },
  },
})

interface Pace {
  readonly chunks: number
  readonly delayMs: number
}
const fast: Pace = { chunks: Math.max(3, Number(opt.chunks)), delayMs: Number(opt["chunk-delay-ms"]) }
const slow: Pace = { chunks: Math.max(3, Number(opt["slow-chunks"])), delayMs: Number(opt["slow-delay-ms"]) }
const limitedHeader = opt["limited-header"].toLowerCase()
const counters = { ok: 0, streams: 0, rateLimited: 0 }

const completion = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: 1770933883,
    model: "bench-model",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "Hello from the bench upstream." },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
    system_fingerprint: "fp_bench",
  }),
)

const rateLimitBody = Buffer.from(
  JSON.stringify({
    error: {
      message: "Rate limit reached (bench upstream)",
      type: "rate_limit_error",
      param: null,
      code: "rate_limit",
    },
  }),
)

const chunkHead = '{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1770933892,"model":"bench-model",'
const event = (rest: string): string => `data: ${chunkHead}${rest}}\n\n`
const roleEvent = event('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]')
const tokenEvent = event('"choices":[{"index":0,"delta":{"content":"token "},"finish_reason":null}]')
const finishEvent = event('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]')
const usageEvent = (n: number): string =>
  event(`"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":${n},"total_tokens":${12 + n}}`)

const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)))

/** Writes `pace.chunks` SSE events (role, tokens, finish, usage) then [DONE], yielding between events. */
const streamCompletion = async (res: ServerResponse, pace: Pace): Promise<void> => {
  counters.streams++
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
  const tokens = pace.chunks - 3
  const events = [roleEvent, ...Array.from({ length: tokens }, () => tokenEvent), finishEvent, usageEvent(tokens)]
  for (const e of events) {
    if (res.destroyed) return
    res.write(e)
    await pause(pace.delayMs)
  }
  res.end("data: [DONE]\n\n")
}

const isLimited = (req: IncomingMessage): boolean =>
  opt["always-429"] || (req.url ?? "").startsWith(opt["limited-prefix"]) || req.headers[limitedHeader] !== undefined

const answer = (req: IncomingMessage, res: ServerResponse, body: string): void => {
  if (isLimited(req)) {
    counters.rateLimited++
    res.writeHead(429, {
      "content-type": "application/json",
      "content-length": rateLimitBody.length,
      "retry-after-ms": opt["retry-after-ms"],
      "retry-after": String(Math.ceil(Number(opt["retry-after-ms"]) / 1000)),
    })
    res.end(rateLimitBody)
    return
  }
  let parsed: { stream?: unknown; model?: unknown } = {}
  try {
    parsed = JSON.parse(body) as typeof parsed
  } catch {
    res.writeHead(400, { "content-type": "application/json" })
    res.end('{"error":{"message":"invalid JSON","type":"invalid_request_error","param":null,"code":null}}')
    return
  }
  if (parsed.stream === true) {
    void streamCompletion(res, typeof parsed.model === "string" && parsed.model.includes("slow") ? slow : fast)
    return
  }
  counters.ok++
  res.writeHead(200, { "content-type": "application/json", "content-length": completion.length })
  res.end(completion)
}

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify(counters))
    return
  }
  if (req.method !== "POST" || !(req.url ?? "").split("?")[0]!.endsWith("/chat/completions")) {
    res.writeHead(404, { "content-type": "application/json" })
    res.end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}')
    return
  }
  const parts: Buffer[] = []
  req.on("data", (c: Buffer) => parts.push(c))
  req.on("end", () => answer(req, res, Buffer.concat(parts).toString("utf8")))
})
server.keepAliveTimeout = 60_000
server.listen(Number(opt.port), "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`LISTENING ${typeof address === "object" && address ? address.port : 0}\n`)
})
process.on("SIGTERM", () => process.exit(0))
// The bench holds our stdin open; when it goes away (even killed), so do we.
process.stdin.on("end", () => process.exit(0)).resume()
