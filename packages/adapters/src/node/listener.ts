import type { IncomingMessage, ServerResponse } from "node:http"
import type { Gateway } from "../handler/gateway.js"
import { type CancelHook, cancelNow, type GatewayResponse, type HeaderBag, newCancelHook } from "../handler/types.js"
import type { InFlight } from "./in-flight.js"
import { writeResponse } from "./write-response.js"

const EMPTY = new Uint8Array(0)

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void

/** Send the 413 without reading the rest of the body; the connection is closed after it. */
const refuseTooLarge = (gateway: Gateway, req: IncomingMessage, res: ServerResponse): void => {
  req.pause()
  writeResponse(res, gateway.tooLarge(), false)
}

/**
 * A client that closes the connection before the response is complete cancels the request. (`on`, not
 * `once`: a response closes once, and `once` wraps each listener in a bound function of its own.)
 */
const watchClose = (res: ServerResponse): CancelHook => {
  const hook = newCancelHook()
  res.on("close", () => {
    if (!res.writableFinished) cancelNow(hook)
  })
  return hook
}

/**
 * The request's headers. Node keeps only the first of repeated `Authorization` headers in
 * `req.headers`; a request that sent several gets them all, so the gateway can refuse it.
 */
const headersOf = (req: IncomingMessage): IncomingMessage["headers"] | HeaderBag => {
  const raw = req.rawHeaders
  let seen = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length === 13 && name.toLowerCase() === "authorization") seen++
  }
  return seen > 1 ? { ...req.headers, authorization: req.headersDistinct.authorization } : req.headers
}

const dispatch = (
  gateway: Gateway,
  req: IncomingMessage,
  res: ServerResponse,
  body: Uint8Array,
  cancel: CancelHook,
  inFlight: InFlight | undefined,
): void => {
  if (inFlight !== undefined) {
    if (inFlight.finishing) {
      writeResponse(res, gateway.shuttingDown(), false)
      return
    }
    // not answered when the shutdown grace ends: answer 503, then cancel the work (its own answer, which
    // the interrupted request hands over at once, finds the response sent)
    inFlight.track(res, () => {
      writeResponse(res, gateway.shuttingDown(), false)
      cancelNow(cancel)
    })
  }
  gateway.respond(
    { method: req.method ?? "GET", path: req.url ?? "/", headers: headersOf(req), body, cancel },
    (response: GatewayResponse) => {
      try {
        writeResponse(res, response, req.method === "HEAD", inFlight)
      } catch {
        res.destroy()
      }
    },
  )
}

/**
 * A `node:http` request listener over the gateway: `IncomingMessage`/`ServerResponse` are mapped to the
 * gateway's own request shape directly (no Web `Request`/`Response`). The body is collected up to
 * `gateway.maxBodyBytes` (a larger one is refused with 413 as soon as it is known — from
 * `content-length` before reading, or while reading), a client disconnect cancels the request (and the
 * upstream call) through a `CancelHook` (no AbortController per request), and streamed responses
 * honour backpressure. `inFlight` (the Node server passes its own): the responses a shutdown drains.
 */
export const createNodeListener = (gateway: Gateway, inFlight?: InFlight): NodeListener => {
  const max = gateway.maxBodyBytes
  return (req, res) => {
    const declared = req.headers["content-length"]
    if (declared !== undefined && Number(declared) > max) return refuseTooLarge(gateway, req, res)
    const cancel = watchClose(res)
    if (declared === undefined && req.headers["transfer-encoding"] === undefined) {
      req.resume()
      return dispatch(gateway, req, res, EMPTY, cancel, inFlight)
    }
    const chunks: Array<Buffer> = []
    let size = 0
    let refused = false
    req.on("data", (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size > max) {
        refused = true
        chunks.length = 0
        refuseTooLarge(gateway, req, res)
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => {
      if (refused) return
      dispatch(gateway, req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), cancel, inFlight)
    })
    req.on("error", () => cancelNow(cancel))
  }
}

/** Serve a request whose body was already read (e.g. by an Express body parser). */
export const serveWithBody = (gateway: Gateway, req: IncomingMessage, res: ServerResponse, body: Uint8Array): void => {
  if (body.byteLength > gateway.maxBodyBytes) writeResponse(res, gateway.tooLarge(), false)
  else dispatch(gateway, req, res, body, watchClose(res), undefined)
}
