import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export interface AcmeServer {
  readonly url: string
  readonly requests: Array<{ readonly headers: IncomingMessage["headers"]; readonly body: unknown }>
  /** Answer the next N requests with 429 + retry-after: 7. */
  rateLimitNext(n: number): void
  close(): Promise<void>
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const parts: Array<Buffer> = []
    req.on("data", (c: Buffer) => parts.push(c))
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")))
  })

/** A real loopback server speaking the Acme wire format. */
export const startAcmeServer = async (): Promise<AcmeServer> => {
  const requests: AcmeServer["requests"] = []
  let limited = 0
  const server: Server = createServer(async (req, res) => {
    const body = JSON.parse(await read(req)) as { turns: Array<{ text: string }>; max_new_tokens?: number }
    requests.push({ headers: req.headers, body })
    if (req.headers["x-acme-key"] !== "acme-secret") {
      res.writeHead(401, { "content-type": "application/json" })
      res.end(JSON.stringify({ problem: { kind: "auth", detail: "bad key" } }))
      return
    }
    if (limited > 0) {
      limited--
      res.writeHead(429, { "content-type": "application/json", "retry-after": "7" })
      res.end(JSON.stringify({ problem: { kind: "quota", detail: "slow down" } }))
      return
    }
    const last = body.turns.at(-1)?.text ?? ""
    const text = `Acme says: ${last}`
    res.writeHead(200, { "content-type": "application/json", "x-acme-request": "req-1" })
    res.end(
      JSON.stringify({
        id: "a1",
        output: { text },
        stop: body.max_new_tokens === 1 ? "length" : "eos",
        tokens: { input: 5, output: 3 },
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rateLimitNext: (n) => {
      limited = n
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
