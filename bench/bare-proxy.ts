// The floor: a pass-through proxy with no routing. node:http server, request body collected, forwarded with an
// undici Pool to --upstream, response status/headers copied and the body streamed back.
// Prints `LISTENING <port>` on stdout once bound (127.0.0.1).
import { createServer, type IncomingHttpHeaders } from "node:http"
import { pipeline } from "node:stream/promises"
import { parseArgs } from "node:util"
import { type Dispatcher, Pool } from "undici"

const { values: opt } = parseArgs({
  options: { upstream: { type: "string" }, port: { type: "string", default: "0" } },
})
if (!opt.upstream) throw new Error("bare-proxy: --upstream <origin> is required")

const pool = new Pool(opt.upstream, { keepAliveTimeout: 60_000 })
const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "host"])

const forwardable = (headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) => {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !hopByHop.has(name)) out[name] = value
  }
  return out
}

const server = createServer((req, res) => {
  const parts: Buffer[] = []
  req.on("data", (c: Buffer) => parts.push(c))
  req.on("end", async () => {
    try {
      const upstream = await pool.request({
        method: (req.method ?? "POST") as Dispatcher.HttpMethod,
        path: req.url ?? "/",
        headers: forwardable(req.headers),
        body: Buffer.concat(parts),
      })
      res.writeHead(upstream.statusCode, forwardable(upstream.headers))
      await pipeline(upstream.body, res)
    } catch {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" })
      res.end()
    }
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(opt.port), "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`LISTENING ${typeof address === "object" && address ? address.port : 0}\n`)
})
process.on("SIGTERM", () => process.exit(0))
// The bench holds our stdin open; when it goes away (even killed), so do we.
process.stdin.on("end", () => process.exit(0)).resume()
