import type { Server, ServerOptions } from "node:http"
import type { Duplex } from "node:stream"
import type { Gateway } from "../handler/gateway.js"
import { InFlight } from "./in-flight.js"
import { createNodeListener } from "./listener.js"

// `node:http` as Node's CommonJS module, not through an ES `import`: on Node 22+ importing it builds the module's
// namespace, which reads its lazy `WebSocket`/`CloseEvent`/`MessageEvent` exports and so loads Node's own bundled
// undici, TLS, HTTP/2, zlib and worker_threads at start (Node 24.22: +13 MB resident, +1.7 MB of script source for
// an otherwise idle process); the gateway uses none of them.
const { createServer } = process.getBuiltinModule("node:http")

/** What a Node server bounds per connection and per process (`gateway` section of the config). */
export interface NodeServerLimits {
  /** Longest time to receive a request's headers (default 10 s); a slower client gets 408. */
  readonly headersTimeoutMs?: number | undefined
  /**
   * Longest time to receive a whole request, headers and body (default 30 s); a slower client gets 408.
   * Only the request: a response (a long stream) is bounded by the router's deadline instead.
   */
  readonly receiveTimeoutMs?: number | undefined
  /** Idle keep-alive of client connections (default 65 s). */
  readonly keepAliveTimeoutMs?: number | undefined
  /** Concurrent client connections per process (default 4,096); connections beyond it are closed at once. */
  readonly maxConnections?: number | undefined
  /**
   * How long a shutdown waits for in-flight requests and streams (default 30 s). When it ends, each open
   * stream gets an in-band error chunk and `[DONE]`, each unanswered request a 503, then connections close.
   */
  readonly shutdownGraceMs?: number | undefined
}

export const DEFAULT_NODE_SERVER_LIMITS = {
  headersTimeoutMs: 10_000,
  receiveTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 4096,
  shutdownGraceMs: 30_000,
} as const satisfies Required<NodeServerLimits>

/** A complete HTTP/1.1 answer for a socket the gateway no longer serves (the connection is closed after it). */
const rawReply = (status: number, reason: string, envelope: unknown, extraHeaders = ""): string => {
  const body = JSON.stringify(envelope)
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}connection: close\r\n\r\n${body}`
}

const clientMistake = (status: number, reason: string, message: string, code: string): string =>
  rawReply(status, reason, { error: { message, type: "invalid_request_error", param: null, code } })

const BAD_REQUEST = clientMistake(400, "Bad Request", "Malformed HTTP request", "malformed_http_request")
const HEADERS_TOO_LARGE = clientMistake(
  431,
  "Request Header Fields Too Large",
  "Request headers are too large",
  "malformed_http_request",
)
const TOO_SLOW = clientMistake(
  408,
  "Request Timeout",
  "The request was not received in time (headers and body have a time limit)",
  "request_timeout",
)
const CONNECT_NOT_ALLOWED = rawReply(
  405,
  "Method Not Allowed",
  {
    error: {
      message: "Method CONNECT is not allowed here",
      type: "invalid_request_error",
      param: null,
      code: "method_not_allowed",
    },
  },
  "allow: GET, HEAD, POST, OPTIONS\r\n",
)

/** Requests Node's HTTP parser rejects (or that arrive too slowly) still get the error envelope. */
const onClientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy()
    return
  }
  // a response already under way on this socket cannot get another: just close it
  const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
  if (started) {
    socket.destroy()
    return
  }
  answerAndClose(
    socket,
    error.code === "HPE_HEADER_OVERFLOW"
      ? HEADERS_TOO_LARGE
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? TOO_SLOW
        : BAD_REQUEST,
  )
}

/** How long a client may take to receive a raw error answer before its socket is destroyed anyway. */
const ANSWER_FLUSH_MS = 1_000

/**
 * Write a raw answer and close the connection for good: `end` alone only half-closes it, and a client that keeps
 * its side open would hold the socket (and a place under `maxConnections`) for as long as it liked.
 */
const answerAndClose = (socket: Duplex, answer: string): void => {
  const timer = setTimeout(() => socket.destroy(), ANSWER_FLUSH_MS)
  timer.unref()
  socket.end(answer, () => {
    clearTimeout(timer)
    socket.destroy()
  })
}

/** The responses each server has open (for its shutdown). */
const inFlightOf = new WeakMap<Server, InFlight>()
const graceOf = new WeakMap<Server, number>()

/**
 * A standalone `node:http` server for the gateway (call `.listen(port, host)`), with every client-side
 * resource bounded (`limits`, defaults in `DEFAULT_NODE_SERVER_LIMITS`): the time to receive headers and
 * the whole request (408 envelope), idle keep-alive, concurrent connections. `options` are passed to
 * Node's `createServer`.
 */
export const createNodeServer = (
  gateway: Gateway,
  limits: NodeServerLimits = {},
  options: ServerOptions = {},
): Server => {
  const l = resolveLimits(limits)
  const inFlight = new InFlight()
  const server = createServer(
    {
      keepAliveTimeout: l.keepAliveTimeoutMs,
      requestTimeout: l.receiveTimeoutMs,
      headersTimeout: Math.min(l.headersTimeoutMs, l.receiveTimeoutMs),
      // how often Node checks the two limits above: a tenth of the shorter one, between 50 ms and 1 s
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.min(l.headersTimeoutMs, l.receiveTimeoutMs) / 10)),
      ...options,
    },
    createNodeListener(gateway, inFlight),
  )
  server.maxConnections = l.maxConnections
  server.on("clientError", onClientError)
  // Node hands CONNECT to a 'connect' listener (without one it drops the socket): answer 405
  server.on("connect", (_req: unknown, socket: Duplex) => answerAndClose(socket, CONNECT_NOT_ALLOWED))
  inFlightOf.set(server, inFlight)
  graceOf.set(server, l.shutdownGraceMs)
  return server
}

const resolveLimits = (l: NodeServerLimits): Required<{ [K in keyof NodeServerLimits]: number }> => {
  const d = DEFAULT_NODE_SERVER_LIMITS
  return {
    headersTimeoutMs: l.headersTimeoutMs ?? d.headersTimeoutMs,
    receiveTimeoutMs: l.receiveTimeoutMs ?? d.receiveTimeoutMs,
    keepAliveTimeoutMs: l.keepAliveTimeoutMs ?? d.keepAliveTimeoutMs,
    maxConnections: l.maxConnections ?? d.maxConnections,
    shutdownGraceMs: l.shutdownGraceMs ?? d.shutdownGraceMs,
  }
}

/** How long, after the grace, the final bytes of finished responses may take to leave before sockets close. */
const FLUSH_MS = 1000

export interface ClosedServer {
  /** Responses still open when the grace ended (streams ended in-band, requests answered 503). */
  readonly cut: number
}

/**
 * Graceful stop: no new connections; in-flight requests (streams too) go on, idle keep-alive connections
 * are closed as they become idle. When everything has finished, or the grace (default: the server's
 * `shutdownGraceMs`) has passed, it resolves. At the end of the grace each open stream gets an in-band
 * error chunk and `[DONE]`, each unanswered request a 503, and every connection is closed.
 */
export const closeNodeServer = (server: Server, graceMs?: number): Promise<ClosedServer> =>
  new Promise((resolve) => {
    const inFlight = inFlightOf.get(server)
    const grace = graceMs ?? graceOf.get(server) ?? DEFAULT_NODE_SERVER_LIMITS.shutdownGraceMs
    let cut = 0
    // the open connections keep the process alive while they last; these timers need not
    const sweep = setInterval(() => server.closeIdleConnections(), 50).unref()
    const force = setTimeout(() => {
      void (inFlight === undefined ? Promise.resolve(0) : inFlight.finishAll(FLUSH_MS)).then((n) => {
        cut = n
        server.closeAllConnections()
      })
    }, grace).unref()
    server.close(() => {
      clearInterval(sweep)
      clearTimeout(force)
      resolve({ cut })
    })
    server.closeIdleConnections()
  })
