import { createServer, type Server, type ServerOptions } from "node:http"
import type { Duplex } from "node:stream"
import type { Gateway } from "../handler/gateway.js"
import { createNodeListener } from "./listener.js"

/** A complete HTTP/1.1 answer for a socket the gateway no longer serves (the connection is closed after it). */
const rawReply = (status: number, reason: string, envelope: unknown, extraHeaders = ""): string => {
  const body = JSON.stringify(envelope)
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}connection: close\r\n\r\n${body}`
}

const malformed = (status: number, reason: string, message: string): string =>
  rawReply(status, reason, {
    error: { message, type: "invalid_request_error", param: null, code: "malformed_http_request" },
  })
const BAD_REQUEST = malformed(400, "Bad Request", "Malformed HTTP request")
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
const HEADERS_TOO_LARGE = malformed(431, "Request Header Fields Too Large", "Request headers are too large")

/** Requests Node's HTTP parser rejects still get the error envelope (Node's default answer has no body). */
const onClientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy()
    return
  }
  socket.end(error.code === "HPE_HEADER_OVERFLOW" ? HEADERS_TOO_LARGE : BAD_REQUEST)
}

/** A standalone `node:http` server for the gateway (call `.listen(port, host)`). */
export const createNodeServer = (gateway: Gateway, options: ServerOptions = {}): Server => {
  const server = createServer({ keepAliveTimeout: 65_000, ...options }, createNodeListener(gateway))
  // Streams can be long: no overall deadline on open requests (the router has its own).
  server.requestTimeout = 0
  server.on("clientError", onClientError)
  // Node hands CONNECT to a 'connect' listener (without one it drops the socket): answer 405
  server.on("connect", (_req: unknown, socket: Duplex) => socket.end(CONNECT_NOT_ALLOWED))
  return server
}

/**
 * Graceful stop: no new connections, in-flight requests (streams too) finish, idle keep-alive
 * connections are closed as they become idle; after `graceMs` every connection is closed.
 */
export const closeNodeServer = (server: Server, graceMs = 30_000): Promise<void> =>
  new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50)
    const force = setTimeout(() => server.closeAllConnections(), graceMs)
    force.unref()
    server.close(() => {
      clearInterval(sweep)
      clearTimeout(force)
      resolve()
    })
    server.closeIdleConnections()
  })
