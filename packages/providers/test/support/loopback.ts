/**
 * A real HTTP server on 127.0.0.1 (port 0) that answers like an upstream provider.
 *
 *   const server = await startLoopback()        // in beforeAll; server.close() in afterAll
 *   server.reply({ kind: "json", status: 200, headers, body })     // next requests get this reply
 *   server.reply((req) => ...)                  // or compute a reply from the recorded request
 *   server.requests                            // every request received, oldest first
 *   server.baseUrl                              // "http://127.0.0.1:PORT"
 *
 * Replies: `json` (any body text + status), `sse` (frames written one by one, then `end` cleanly or
 * `destroy` the socket, or `hang` with the socket open), `destroy` (reset the socket without answering),
 * `hang` (never answer). `server.closed` counts requests whose client went away before the reply ended.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export interface RecordedRequest {
  readonly method: string
  /** Path and query, e.g. `/v1/chat/completions?api-version=1`. */
  readonly url: string
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** `body` parsed as JSON, or undefined. */
  readonly json: unknown
  /** Client-side port of the TCP connection (equal ports = a reused keep-alive socket). */
  readonly remotePort: number | undefined
}

export type Reply =
  | {
      readonly kind: "json"
      readonly status?: number
      readonly headers?: Readonly<Record<string, string>>
      readonly body: string
    }
  | {
      readonly kind: "sse"
      readonly status?: number
      readonly headers?: Readonly<Record<string, string>>
      /** Raw SSE text pieces, each written separately (a piece may cut a frame anywhere). */
      readonly frames: ReadonlyArray<string>
      /** After the frames: end the response (default), destroy the socket, or keep it open forever. */
      readonly after?: "end" | "destroy" | "hang"
    }
  | { readonly kind: "destroy" }
  | { readonly kind: "hang" }

export interface Loopback {
  readonly baseUrl: string
  readonly port: number
  readonly requests: Array<RecordedRequest>
  /** Requests whose connection the client closed before the server finished answering. */
  readonly aborted: () => number
  readonly reply: (r: Reply | ((req: RecordedRequest) => Reply)) => void
  /** Open TCP connections right now. */
  readonly connections: () => Promise<number>
  readonly close: () => Promise<void>
}

const parse = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

const headerRecord = (req: IncomingMessage): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v
  return out
}

const answer = async (reply: Reply, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  switch (reply.kind) {
    case "destroy":
      req.socket.destroy()
      return
    case "hang":
      return
    case "json":
      res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers })
      res.end(reply.body)
      return
    case "sse": {
      res.writeHead(reply.status ?? 200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        ...reply.headers,
      })
      res.flushHeaders()
      for (const frame of reply.frames) {
        if (res.destroyed) return
        if (!res.write(frame)) await new Promise((r) => res.once("drain", r))
      }
      if (reply.after === "destroy") {
        // let the written frames reach the client before the reset
        await new Promise((r) => setImmediate(r))
        req.socket.destroy()
      } else if (reply.after !== "hang") res.end()
      return
    }
  }
}

export const startLoopback = async (): Promise<Loopback> => {
  const requests: Array<RecordedRequest> = []
  let next: (req: RecordedRequest) => Reply = () => ({ kind: "json", status: 500, body: '{"error":"no reply set"}' })
  let aborted = 0
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: headerRecord(req),
        body,
        json: parse(body),
        remotePort: req.socket.remotePort,
      }
      requests.push(recorded)
      res.on("close", () => {
        if (!res.writableFinished) aborted++
      })
      void answer(next(recorded), req, res)
    })
  })
  // undici keeps a socket for (server keep-alive − 2 s): a short server timeout would disable reuse
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    requests,
    aborted: () => aborted,
    reply: (r) => {
      next = typeof r === "function" ? r : () => r
    },
    connections: () =>
      new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n)))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A port on 127.0.0.1 with nothing listening (for connect-refused tests). */
export const closedPort = async (): Promise<number> => {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}
