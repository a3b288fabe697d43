import type { IncomingMessage, ServerResponse } from "node:http"
import type { Gateway } from "../handler/gateway.js"
import { createNodeListener, serveWithBody } from "../node/listener.js"

/** The parts of Express 5's `req` this middleware reads (Express's own types are not needed). */
type ExpressRequest = IncomingMessage & { readonly url: string; readonly body?: unknown }
type Next = (error?: unknown) => void

/** A body a parser already consumed, as bytes (`undefined`: the stream is still unread). */
const parsedBody = (req: ExpressRequest): Uint8Array | undefined => {
  const body = req.body
  if (body === undefined || !req.readableEnded) return undefined
  if (body instanceof Uint8Array) return body
  if (typeof body === "string") return Buffer.from(body)
  // express.json() already parsed it: serialize it back (slower than mounting before the parser).
  return Buffer.from(JSON.stringify(body))
}

/**
 * Express 5 middleware serving the gateway's routes (`/v1/chat/completions`, `/v1/models…`,
 * `/healthz`, `/metrics`) relative to where it is mounted (`app.use("/llm", switchyard(gateway))`).
 * Other paths fall through to `next()`. It shares the Node adapter's direct `node:http` mapping, so
 * mount it before `express.json()`; if a body parser ran first it uses `req.body` (a Buffer from
 * `express.raw()`, a string, or parsed JSON).
 */
export const switchyardExpress = (gateway: Gateway) => {
  const listener = createNodeListener(gateway)
  return (req: ExpressRequest, res: ServerResponse, next: Next): void => {
    if (!gateway.serves(req.url)) {
      next()
      return
    }
    const body = parsedBody(req)
    if (body === undefined) listener(req, res)
    else serveWithBody(gateway, req, res, body)
  }
}
