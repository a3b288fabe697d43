/**
 * A real OpenAI-wire HTTP server on 127.0.0.1 that misbehaves on purpose, picked by the upstream model
 * id of each request:
 *
 * - `echo-<status>`: answers `<status>` with the credentials it received (the bearer token and every
 *   `x-*` header value) in every field of the error body it can — message, type, param, code, extra
 *   fields, a nested object — and in response headers; the message also has the key masked the way
 *   OpenAI does (`sk-abc****wxyz`).
 * - `echo-text-<status>`: the same credentials in a plain-text (non-JSON) body.
 * - `echo-stream`: a 200 stream with one content chunk, then an error event echoing the credentials.
 * - `hang`: accepts the request and never answers.
 * - `firehose`: a 200 stream of large chunks without end, written as fast as the reader takes them
 *   (honouring backpressure); `firehoseOpen()` counts the ones whose connection is still open.
 * - `slow-stream`: a 200 stream of one small chunk every 50 ms, without end.
 * - `metered-<tpm>-<name>`: a provider limiter (one per model id) of `<tpm>` tokens a minute that counts prompt
 *   (10) + `max_tokens` (default 100) at admission, as OpenAI's does, and answers 429 above it; a served answer
 *   reports a short usage (10 + 7). `meteredLimited(model)` counts its 429s. `metered-<tpm>-slow-<name>`: the
 *   same, answering 300 ms after it admitted a request (so a burst is in flight at once).
 * - `switchable`: a normal completion 30 ms after the request while `setSwitchable("ok")` (the default),
 *   no answer at all after `setSwitchable("hang")`.
 * - `echo-ok`: a normal completion (JSON or SSE) whose `x-request-id` holds the request's credentials and the
 *   upstream's own URL.
 * - anything else: a normal completion (JSON or SSE, as asked).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { listen } from "./listen.js"

const completion = (model: string) =>
  JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: "Hello!" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  })

const chunk = (model: string, delta: object, finish: string | null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`

/** What a request carried that a careless upstream could echo. */
const credentialsOf = (req: IncomingMessage): Array<string> => {
  const found: Array<string> = []
  const auth = req.headers.authorization
  if (typeof auth === "string") found.push(auth.replace(/^Bearer\s+/i, ""))
  for (const [name, value] of Object.entries(req.headers))
    if (name.startsWith("x-") && typeof value === "string") found.push(value)
  for (const name of ["api-key", "x-goog-api-key", "x-api-key"]) {
    const value = req.headers[name]
    if (typeof value === "string") found.push(value)
  }
  return [...new Set(found)]
}

/** Where a careless upstream says it runs (echoed in its error texts): no client may see any of them. */
export const INTERNAL_ADDRESSES = "http://10.20.30.40:8000/v1, internal-lb.corp.example:8443 and localhost:19150"

/** OpenAI's way of echoing a wrong key: the first and last four characters around asterisks. */
export const maskedLikeOpenAi = (key: string): string => `${key.slice(0, 8)}${"*".repeat(20)}${key.slice(-4)}`

const echoHeaders = (creds: ReadonlyArray<string>): Record<string, string> =>
  Object.fromEntries(creds.map((c, i) => [`x-echo-${i}`, c]))

const echoError = (res: ServerResponse, status: number, creds: ReadonlyArray<string>): void => {
  const all = creds.join(" ")
  const key = creds[0] ?? ""
  res.writeHead(status, { "content-type": "application/json", ...echoHeaders(creds), "retry-after-ms": "1" })
  res.end(
    JSON.stringify({
      error: {
        message: `Incorrect API key provided: ${maskedLikeOpenAi(key)}. You sent ${all} to ${INTERNAL_ADDRESSES}`,
        type: all,
        param: key,
        code: key,
        key_used: all,
        metadata: { raw: all, headers: { authorization: `Bearer ${key}` } },
      },
    }),
  )
}

export const startFaultUpstream = async () => {
  const hanging = new Set<ServerResponse>()
  const firehoses = new Set<ServerResponse>()
  let switchable: "ok" | "hang" = "ok"
  const meters = new Map<string, { level: number; at: number; limited: number }>()
  const server = createServer((req, res) => {
    const parts: Array<Buffer> = []
    req.on("data", (c: Buffer) => parts.push(c))
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(parts).toString("utf8") || "{}") as { model?: string; stream?: boolean }
      const model = String(body.model)
      const creds = credentialsOf(req)
      const echo = /^echo-(\d{3})$/.exec(model)
      if (echo) return echoError(res, Number(echo[1]), creds)
      const text = /^echo-text-(\d{3})$/.exec(model)
      if (text) {
        res.writeHead(Number(text[1]), { "content-type": "text/html", ...echoHeaders(creds) })
        res.end(`<html><body>upstream proxy error for key ${creds.join(", ")} at ${INTERNAL_ADDRESSES}</body></html>`)
        return
      }
      if (model === "echo-ok") {
        // a success whose request id carries what the request did, and the upstream's own URL
        const id = `${creds.join(" ")} http://${req.headers.host ?? "localhost"}/v1`
        if (body.stream === true) {
          res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": id })
          res.write(chunk(model, { role: "assistant", content: "Hello!" }, null))
          res.end(`${chunk(model, {}, "stop")}data: [DONE]\n\n`)
        } else {
          res.writeHead(200, { "content-type": "application/json", "x-request-id": id })
          res.end(completion(model))
        }
        return
      }
      if (model === "echo-stream") {
        res.writeHead(200, { "content-type": "text/event-stream", ...echoHeaders(creds) })
        res.write(chunk(model, { role: "assistant", content: "Hel" }, null))
        const all = creds.join(" ")
        res.end(
          `data: ${JSON.stringify({ error: { message: `stream failed for ${all}`, type: all, param: all, code: 500 } })}\n\n`,
        )
        return
      }
      if (model === "firehose") {
        firehoses.add(res)
        res.on("close", () => firehoses.delete(res))
        res.writeHead(200, { "content-type": "text/event-stream" })
        const big = chunk(model, { content: "x".repeat(16 * 1024) }, null)
        const pour = (): void => {
          while (!res.destroyed) if (!res.write(big)) return void res.once("drain", pour)
        }
        res.write(chunk(model, { role: "assistant", content: "" }, null))
        pour()
        return
      }
      if (model === "slow-stream") {
        res.writeHead(200, { "content-type": "text/event-stream" })
        res.write(chunk(model, { role: "assistant", content: "tick" }, null))
        const timer = setInterval(() => res.write(chunk(model, { content: " tick" }, null)), 50)
        res.on("close", () => clearInterval(timer))
        return
      }
      const metered = /^metered-(\d+)-/.exec(model)
      if (metered) {
        const tpm = Number(metered[1])
        const now = Date.now()
        const meter = meters.get(model) ?? { level: 0, at: now, limited: 0 }
        meters.set(model, meter)
        meter.level = Math.max(0, meter.level - ((now - meter.at) * tpm) / 60_000)
        meter.at = now
        const charge = 10 + ((body as { max_tokens?: number }).max_tokens ?? 100)
        if (meter.level + charge > tpm) {
          meter.limited++
          res.writeHead(429, { "content-type": "application/json", "retry-after-ms": "1000" })
          res.end(
            '{"error":{"message":"Rate limit reached for tokens per min","type":"tokens","code":"rate_limit_exceeded"}}',
          )
          return
        }
        meter.level += charge
        const answer = () => {
          res.writeHead(200, { "content-type": "application/json" })
          res.end(
            JSON.stringify({
              ...JSON.parse(completion(model)),
              usage: { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17 },
            }),
          )
        }
        if (/^metered-\d+-slow-/.test(model)) setTimeout(answer, 300)
        else answer()
        return
      }
      if (model === "switchable") {
        if (switchable === "hang") {
          hanging.add(res)
          res.on("close", () => hanging.delete(res))
        } else
          setTimeout(() => {
            res.writeHead(200, { "content-type": "application/json" })
            res.end(completion(model))
          }, 30)
        return
      }
      if (model === "hang") {
        hanging.add(res)
        res.on("close", () => hanging.delete(res))
        return
      }
      if (body.stream === true) {
        res.writeHead(200, { "content-type": "text/event-stream" })
        res.end(
          `${chunk(model, { role: "assistant", content: "Hello!" }, null)}${chunk(model, {}, "stop")}data: [DONE]\n\n`,
        )
        return
      }
      res.writeHead(200, { "content-type": "application/json" })
      res.end(completion(model))
    })
  })
  const s = await listen(server)
  return {
    baseUrl: `${s.url}/v1`,
    /** Requests accepted and not answered (model `hang`) whose connection is still open. */
    hanging: () => hanging.size,
    firehoseOpen: () => firehoses.size,
    meteredLimited: (model: string) => meters.get(model)?.limited ?? 0,
    setSwitchable: (mode: "ok" | "hang") => {
      switchable = mode
    },
    close: s.close,
  }
}
