// The floor: the leanest correct pass-through proxy we can write, with no routing. node:http server; the request body
// collected (the gateway must read it whole to route, so must the floor); sent with undici's dispatcher API on a Pool
// (one handler object per request: no Promise, no Readable, no AbortController); the response's status, end-to-end
// headers and body written straight to the Node response as they arrive, with backpressure (the upstream read pauses
// while the client socket is full). A client that goes away aborts the upstream request. Hop-by-hop headers are not
// forwarded either way; everything else is, as it came.
// Prints `LISTENING <port>` on stdout once bound (127.0.0.1).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { parseArgs } from "node:util"
import { type Dispatcher, Pool } from "undici"

const { values: opt } = parseArgs({
  options: { upstream: { type: "string" }, port: { type: "string", default: "0" } },
})
if (!opt.upstream) throw new Error("bare-proxy: --upstream <origin> is required")

const pool = new Pool(opt.upstream, { keepAliveTimeout: 60_000 })
// RFC 9110 §7.6.1 connection-specific fields, plus host (undici sets it for the upstream) and expect (undici does not
// take it). Content-length goes through: the body is forwarded unchanged.
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
  "expect",
])

/** The request's end-to-end headers, from Node's flat raw list (no header object is built). */
const requestHeaders = (raw: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (!hopByHop.has(name.toLowerCase())) out.push(name, raw[i + 1]!)
  }
  return out
}

class Forward implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined
  private done = false

  constructor(private readonly res: ServerResponse) {
    res.once("close", () => {
      if (!this.done) this.controller?.abort(new Error("client went away"))
    })
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | Array<string> | undefined>,
  ): void {
    if (status < 200) return
    const flat: Array<string> = []
    for (const name in headers) {
      const value = headers[name]
      if (value === undefined || hopByHop.has(name)) continue
      if (typeof value === "string") flat.push(name, value)
      else for (const v of value) flat.push(name, v)
    }
    this.res.writeHead(status, flat)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) {
      controller.pause()
      this.res.once("drain", () => controller.resume())
    }
  }

  onResponseEnd(): void {
    this.done = true
    this.res.end()
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, _error: Error): void {
    this.done = true
    if (this.res.headersSent) this.res.destroy()
    else this.res.writeHead(502, { "content-type": "application/json" }).end()
  }
}

const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
  const handler = new Forward(res)
  try {
    pool.dispatch(
      {
        method: (req.method ?? "POST") as Dispatcher.HttpMethod,
        path: req.url ?? "/",
        headers: requestHeaders(req.rawHeaders),
        body,
      },
      handler,
    )
  } catch (e) {
    handler.onResponseError(undefined, e instanceof Error ? e : new Error(String(e)))
  }
}

const server = createServer((req, res) => {
  let first: Buffer | undefined
  let rest: Array<Buffer> | undefined
  req.on("data", (c: Buffer) => {
    if (first === undefined) first = c
    else if (rest === undefined) rest = [first, c]
    else rest.push(c)
  })
  req.on("end", () => forward(req, res, rest ? Buffer.concat(rest) : (first ?? Buffer.alloc(0))))
})
server.keepAliveTimeout = 60_000
server.listen(Number(opt.port), "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`LISTENING ${typeof address === "object" && address ? address.port : 0}\n`)
})
process.on("SIGTERM", () => process.exit(0))
// The bench holds our stdin open; when it goes away (even killed), so do we.
process.stdin.on("end", () => process.exit(0)).resume()
