import { createServer, type Server, type ServerOptions } from "node:http"
import type { Gateway } from "../handler/gateway.js"
import { createNodeListener } from "./listener.js"

/** A standalone `node:http` server for the gateway (call `.listen(port, host)`). */
export const createNodeServer = (gateway: Gateway, options: ServerOptions = {}): Server => {
  const server = createServer({ keepAliveTimeout: 65_000, ...options }, createNodeListener(gateway))
  // Streams can be long: no idle timeout on open requests.
  server.requestTimeout = 0
  return server
}
