import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Redis } from "ioredis"
import { exited, freePort, running, waitReady } from "./process.js"

export { type RedisCluster, type StartRedisClusterOptions, startRedisCluster } from "./redis-cluster.js"

/**
 * A real `redis-server` for a test (`@switchyard/redis/testing`): on a unix socket in a fresh
 * directory (no port races) or on a TCP port when asked (`port: 0` picks a free one), nothing on disk (`--save '' --appendonly no`), stopped by its pid. Never skipped: a missing
 * `redis-server` fails the test (`.ci/run` installs Debian's package).
 */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`, or the socket path (ioredis and `state.redis.url` take a path as a URL). */
  readonly url: string
  /** An admin client (CLIENT PAUSE, FLUSHALL, inspection). */
  readonly admin: () => Redis
  /** The server process's pid (undefined while it is down). */
  readonly pid: () => number | undefined
  /** SIGKILL the server (a crash). */
  readonly kill: () => Promise<void>
  /** Start it again on the same socket, empty (scripts gone too). */
  readonly restart: () => Promise<void>
  readonly stop: () => Promise<void>
}

export interface StartRedisOptions {
  /** Listen on TCP 127.0.0.1 at this port (0: a free one) instead of a unix socket. */
  readonly port?: number | undefined
  /** More `redis-server` arguments (e.g. `["--rename-command", "FUNCTION", ""]`: a server without Redis Functions). */
  readonly args?: ReadonlyArray<string> | undefined
}

export const startRedis = async (options: StartRedisOptions = {}): Promise<RedisServer> => {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-redis-"))
  const socket = join(dir, "redis.sock")
  const port = options.port === undefined ? undefined : options.port === 0 ? await freePort() : options.port
  const url = port === undefined ? socket : `redis://127.0.0.1:${port}`
  const listen =
    port === undefined
      ? ["--port", "0", "--unixsocket", socket, "--unixsocketperm", "700"]
      : ["--port", String(port), "--bind", "127.0.0.1"]
  const clients: Array<Redis> = []
  let proc: ChildProcess
  const launch = async () => {
    proc = spawn(
      "redis-server",
      [...listen, "--save", "", "--appendonly", "no", "--dir", dir, ...(options.args ?? [])],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    )
    await waitReady(proc)
  }
  await launch()
  const kill = async () => {
    proc.kill("SIGKILL")
    await exited(proc)
  }
  return {
    url,
    pid: () => (running(proc) ? proc.pid : undefined),
    admin: () => {
      const c = new Redis(url, { maxRetriesPerRequest: 1 })
      c.on("error", () => {})
      clients.push(c)
      return c
    },
    kill,
    restart: launch,
    stop: async () => {
      for (const c of clients) c.disconnect()
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
