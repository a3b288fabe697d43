// Fake OpenAI-compatible upstream for the gateway benchmark (127.0.0.1).
//   POST …/chat/completions → a fixed ~300-byte chat.completion, or SSE when the body says `stream: true`
//   (role chunk, content chunks, finish chunk, usage chunk, [DONE]).
//   A model id containing "slow" streams at the slow pace (memory scenario: many long-lived streams).
//   Paths under --limited-prefix, requests carrying the --limited-header, or every request with --always-429
//   answer 429 with `retry-after-ms` (fallback scenario).
//   GET /stats → {"ok","streams","rateLimited"} counters since start.
// Prints `LISTENING <port>` on stdout once bound.
//
// It is part of the harness, not a target: its CPU shares the machine with the target, so the cheaper it is, the less
// it squeezes the targets' ratios towards 1. So it speaks HTTP/1.1 straight on `net` sockets with answers built once
// (no IncomingMessage/ServerResponse per request): keep-alive, content-length or chunked request bodies, chunked SSE
// answers with one event per socket write (a fast stream writes one event per event-loop turn, all streams in one
// pass), `connection: close` honoured. It serves the bench's clients (autocannon, undici, Node's fetch), not the world.
import { createServer, type Socket } from "node:net"
import { parseArgs } from "node:util"

const { values: opt } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    chunks: { type: "string", default: "20" },
    "slow-chunks": { type: "string", default: "20" },
    "slow-delay-ms": { type: "string", default: "300" },
    "limited-prefix": { type: "string", default: "/ratelimited" },
    "limited-header": { type: "string", default: "x-bench-ratelimit" },
    "retry-after-ms": { type: "string", default: "0" },
    "always-429": { type: "boolean", default: false },
  },
})

const counters = { ok: 0, streams: 0, rateLimited: 0 }
const limitedHeader = opt["limited-header"].toLowerCase()
const MAX_HEAD_BYTES = 64 * 1024

const response = (status: string, headers: ReadonlyArray<string>, body: string): Buffer =>
  Buffer.from(
    `HTTP/1.1 ${status}\r\n${headers.map((h) => `${h}\r\n`).join("")}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
const json = (status: string, body: unknown, extra: ReadonlyArray<string> = []): Buffer =>
  response(status, ["content-type: application/json", ...extra], JSON.stringify(body))
const errorBody = (message: string, type: string, code: string | null) => ({
  error: { message, type, param: null, code },
})

const completion = json("200 OK", {
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
})
const rateLimited = json(
  "429 Too Many Requests",
  errorBody("Rate limit reached (bench upstream)", "rate_limit_error", "rate_limit"),
  [`retry-after-ms: ${opt["retry-after-ms"]}`, `retry-after: ${Math.ceil(Number(opt["retry-after-ms"]) / 1000)}`],
)
const notFound = json("404 Not Found", errorBody("not found", "invalid_request_error", null))
const badJson = json("400 Bad Request", errorBody("invalid JSON", "invalid_request_error", null))
const badRequest = json("400 Bad Request", errorBody("malformed request", "invalid_request_error", null), [
  "connection: close",
])

// SSE: each event is one HTTP chunk; the head goes out with the first event.
const chunk = (text: string): Buffer => Buffer.from(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`)
const sseHead =
  "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n"
const chunkHead = '{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1770933892,"model":"bench-model",'
const event = (rest: string): string => `data: ${chunkHead}${rest}}\n\n`
const roleEvent = event('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]')
const tokenEvent = chunk(event('"choices":[{"index":0,"delta":{"content":"token "},"finish_reason":null}]'))
const finishEvent = chunk(event('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]'))
const doneEvent = Buffer.concat([chunk("data: [DONE]\n\n"), Buffer.from("0\r\n\r\n")])

/** The events of one stream of `n` chunks (role, tokens, finish, usage), then [DONE] and the last chunk. */
const streamEvents = (n: number): ReadonlyArray<Buffer> => {
  const tokens = Math.max(3, n) - 3
  const usage = event(
    `"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":${tokens},"total_tokens":${12 + tokens}}`,
  )
  return [
    Buffer.concat([Buffer.from(sseHead), chunk(roleEvent)]),
    ...Array.from({ length: tokens }, () => tokenEvent),
    finishEvent,
    chunk(usage),
    doneEvent,
  ]
}
const fastEvents = streamEvents(Number(opt.chunks))
const slowEvents = streamEvents(Number(opt["slow-chunks"]))
const slowDelayMs = Number(opt["slow-delay-ms"])

interface Conn {
  readonly socket: Socket
  buf: Buffer | undefined
  /** A streamed answer is being written: further requests on this connection wait. */
  streaming: boolean
  closeAfter: boolean
}

interface Stream {
  readonly conn: Conn
  readonly events: ReadonlyArray<Buffer>
  next: number
}

/** Fast streams: one event each per event-loop turn. */
const active = new Set<Stream>()
let ticking = false
const tick = (): void => {
  for (const s of active) if (!writeNext(s)) active.delete(s)
  if (active.size > 0) setImmediate(tick)
  else ticking = false
}

/** Writes the stream's next event; false once it is over (or its client is gone). */
const writeNext = (s: Stream): boolean => {
  const { conn } = s
  if (conn.socket.destroyed) return false
  conn.socket.write(s.events[s.next++]!)
  if (s.next < s.events.length) return true
  conn.streaming = false
  if (conn.closeAfter) conn.socket.end()
  else if (conn.buf !== undefined) parse(conn)
  return false
}

const startStream = (conn: Conn, slow: boolean): void => {
  counters.streams++
  conn.streaming = true
  const s: Stream = { conn, events: slow ? slowEvents : fastEvents, next: 0 }
  if (slow) {
    const step = (): void => {
      if (writeNext(s)) setTimeout(step, slowDelayMs)
    }
    step()
    return
  }
  if (!writeNext(s)) return
  active.add(s)
  if (!ticking) {
    ticking = true
    setImmediate(tick)
  }
}

interface Head {
  readonly method: string
  readonly path: string
  readonly contentLength: number
  readonly chunked: boolean
  readonly limited: boolean
  readonly close: boolean
}

const parseHead = (text: string): Head | undefined => {
  const lines = text.split("\r\n")
  const [method, path] = lines[0]!.split(" ")
  if (!method || !path) return undefined
  let contentLength = 0
  let chunked = false
  let limited = false
  let close = false
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const colon = line.indexOf(":")
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (name === "content-length") contentLength = Number(value)
    else if (name === "transfer-encoding") chunked = value.toLowerCase().includes("chunked")
    else if (name === "connection") close = value.toLowerCase() === "close"
    else if (name === limitedHeader) limited = true
  }
  if (!Number.isInteger(contentLength) || contentLength < 0) return undefined
  return { method, path, contentLength, chunked, limited, close }
}

/** A chunked body complete in `buf` from `start`: the body and where the message ends; undefined when incomplete. */
const dechunk = (buf: Buffer, start: number): { body: Buffer; end: number } | undefined => {
  const parts: Array<Buffer> = []
  let at = start
  for (;;) {
    const lineEnd = buf.indexOf("\r\n", at)
    if (lineEnd < 0) return undefined
    const size = Number.parseInt(buf.toString("latin1", at, lineEnd), 16)
    if (!Number.isFinite(size)) throw new Error("bad chunk size")
    at = lineEnd + 2
    if (size === 0) {
      const trailerEnd = buf.indexOf("\r\n\r\n", at - 2)
      return trailerEnd < 0 ? undefined : { body: Buffer.concat(parts), end: trailerEnd + 4 }
    }
    if (buf.length < at + size + 2) return undefined
    parts.push(buf.subarray(at, at + size))
    at += size + 2
  }
}

const answer = (conn: Conn, head: Head, body: Buffer): void => {
  const { socket } = conn
  if (head.method === "GET" && head.path === "/stats") {
    socket.write(json("200 OK", counters))
    return
  }
  if (head.method !== "POST" || !head.path.split("?")[0]!.endsWith("/chat/completions")) {
    socket.write(notFound)
    return
  }
  if (opt["always-429"] || head.limited || head.path.startsWith(opt["limited-prefix"])) {
    counters.rateLimited++
    socket.write(rateLimited)
    return
  }
  let parsed: { stream?: unknown; model?: unknown }
  try {
    parsed = JSON.parse(body.toString("utf8")) as typeof parsed
  } catch {
    socket.write(badJson)
    return
  }
  if (parsed.stream === true) {
    startStream(conn, typeof parsed.model === "string" && parsed.model.includes("slow"))
    return
  }
  counters.ok++
  socket.write(completion)
}

/** Answers every complete request in the connection's buffer, in order (one streamed answer at a time). */
const parse = (conn: Conn): void => {
  while (conn.buf !== undefined && !conn.streaming && !conn.socket.destroyed) {
    const buf = conn.buf
    const headEnd = buf.indexOf("\r\n\r\n")
    if (headEnd < 0) {
      if (buf.length > MAX_HEAD_BYTES) fail(conn)
      return
    }
    const head = parseHead(buf.toString("latin1", 0, headEnd))
    if (head === undefined) {
      fail(conn)
      return
    }
    let body: Buffer
    let end: number
    try {
      const chunked = head.chunked ? dechunk(buf, headEnd + 4) : undefined
      if (head.chunked && chunked === undefined) return
      end = chunked?.end ?? headEnd + 4 + head.contentLength
      if (buf.length < end) return
      body = chunked?.body ?? buf.subarray(headEnd + 4, end)
    } catch {
      fail(conn)
      return
    }
    conn.buf = end < buf.length ? buf.subarray(end) : undefined
    conn.closeAfter = head.close
    answer(conn, head, body)
    if (head.close && !conn.streaming) {
      conn.buf = undefined
      conn.socket.end()
    }
  }
}

const fail = (conn: Conn): void => {
  conn.buf = undefined
  conn.socket.end(badRequest)
}

const server = createServer({ noDelay: true }, (socket) => {
  const conn: Conn = { socket, buf: undefined, streaming: false, closeAfter: false }
  socket.on("data", (data: Buffer) => {
    conn.buf = conn.buf === undefined ? data : Buffer.concat([conn.buf, data])
    parse(conn)
  })
  socket.on("error", () => socket.destroy())
})
server.listen(Number(opt.port), "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`LISTENING ${typeof address === "object" && address ? address.port : 0}\n`)
})
process.on("SIGTERM", () => process.exit(0))
// The bench holds our stdin open; when it goes away (even killed), so do we.
process.stdin.on("end", () => process.exit(0)).resume()
