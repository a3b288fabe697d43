import type { Server } from "node:http"
import type { AddressInfo } from "node:net"

/** Listen on an ephemeral 127.0.0.1 port; returns the base URL and a closer. */
export const listen = async (server: Server): Promise<{ url: string; port: number; close: () => Promise<void> }> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Poll until `check` holds (for effects that complete asynchronously after a socket event). */
export const eventually = async (check: () => boolean, timeoutMs = 3000): Promise<void> => {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met in time")
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** `eventually` for an async check. */
export const eventuallyAsync = async (check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> => {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not met in time")
    await new Promise((r) => setTimeout(r, 10))
  }
}
