// Preloaded (`node --import`) into the Portkey gateway process by bench/portkey.ts.
// Portkey's start script calls `serve({ fetch, port })` from @hono/node-server, which runs `server.listen(port)` with
// no host: Node then binds every interface. This pins every TCP listen of the process to 127.0.0.1 and reports the
// bound address on stderr (`[loopback] listening 127.0.0.1:<port>`), so the bench can start it on port 0.
// It also exits the process when the bench's end of stdin closes.
import net from "node:net"

const HOST = "127.0.0.1"
const listen = net.Server.prototype.listen

/** @this {net.Server} @param {...unknown} args */
net.Server.prototype.listen = function (...args) {
  const [first] = args
  if (typeof first === "object" && first !== null && !("path" in first) && !("fd" in first) && !("_handle" in first)) {
    args[0] = { ...first, host: HOST }
  } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    const second = args[1]
    if (typeof second === "string" || second === undefined || second === null) args[1] = HOST
    else args.splice(1, 0, HOST)
  }
  this.once("listening", () => {
    const address = this.address()
    if (address && typeof address === "object") {
      process.stderr.write(`[loopback] listening ${address.address}:${address.port}\n`)
    }
  })
  return Reflect.apply(listen, this, args)
}

// bench/run.ts holds stdin open; if the bench goes away, even killed, the gateway exits too.
process.stdin.on("end", () => process.exit(0)).resume()
