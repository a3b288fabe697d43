import net from "node:net"

/** A TCP proxy in front of a Redis on 127.0.0.1: every chunk, both ways, is delayed by `delayMs` (order kept). */
export interface DelayProxy {
  readonly url: string
  /** The delay of each chunk from now on, ms. */
  delayMs: number
  readonly close: () => void
}

export const startDelayProxy = async (targetPort: number): Promise<DelayProxy> => {
  const sockets = new Set<net.Socket>()
  const pipe = (from: net.Socket, to: net.Socket, proxy: DelayProxy) => {
    let chain = Promise.resolve()
    from.on("data", (chunk) => {
      const ms = proxy.delayMs
      chain = chain.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              if (!to.destroyed) to.write(chunk)
              resolve()
            }, ms),
          ),
      )
    })
    from.on("close", () => void chain.then(() => to.destroy()))
    from.on("error", () => {})
  }
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1")
    sockets.add(client)
    sockets.add(upstream)
    pipe(client, upstream, proxy)
    pipe(upstream, client, proxy)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as net.AddressInfo).port
  const proxy: DelayProxy = {
    url: `redis://127.0.0.1:${port}`,
    delayMs: 0,
    close: () => {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
  return proxy
}
