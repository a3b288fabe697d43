import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Redis } from "ioredis"
import { exited, freePort, running, waitReady } from "./process.js"

/**
 * A real Redis Cluster for a test (`@switchyard/redis/testing`): `masters` (default 3) `redis-server`
 * processes on free TCP ports (and free cluster-bus ports), `--cluster-enabled yes`, nothing on disk but
 * each node's cluster config file in a fresh directory, joined by `redis-cli --cluster create …
 * --cluster-replicas 0` (16 384 slots split evenly), ready once every node reports `cluster_state:ok`
 * and knows every other. Stopped by pid. Never skipped: a missing `redis-server` or `redis-cli` (Debian's
 * redis-server package and its redis-tools dependency; `.ci/run` installs them) fails the test.
 */
export interface RedisCluster {
  /** `redis://127.0.0.1:<port>` of each master, in start order (the `state.redis.cluster.nodes` of a config). */
  readonly nodes: ReadonlyArray<string>
  /** A plain client on one node (CLUSTER commands, inspection); closed by `stop`. */
  readonly admin: (node: number) => Redis
  /** The node (index into `nodes`) that serves a key's slot. */
  readonly nodeOf: (key: string) => Promise<number>
  /** SIGKILL one node (a crash). */
  readonly kill: (node: number) => Promise<void>
  /**
   * Start a killed node again on its port with its cluster config (same node id, same slots, no data);
   * resolves when every node reports `cluster_state:ok` again.
   */
  readonly restart: (node: number) => Promise<void>
  readonly stop: () => Promise<void>
}

export interface StartRedisClusterOptions {
  /** How many masters (default 3, at least 3: what `redis-cli --cluster create` accepts). */
  readonly masters?: number | undefined
  /**
   * `cluster-node-timeout` (default 1 000 ms): how long until the others mark a dead node failed, and
   * (twice that) until a restarted master without replicas is accepted back.
   */
  readonly nodeTimeoutMs?: number | undefined
}

const HOST = "127.0.0.1"
const READY_WITHIN_MS = 30_000

const redisCli = (args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile("redis-cli", args, { timeout: READY_WITHIN_MS }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout)
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT"
      reject(
        new Error(
          missing
            ? "redis-cli could not be started (Debian's redis-tools, installed with redis-server, is needed)"
            : `redis-cli ${args.join(" ")} failed: ${error.message}\n${stdout}${stderr}`,
        ),
      )
    }),
  )

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const startRedisCluster = async (options: StartRedisClusterOptions = {}): Promise<RedisCluster> => {
  const masters = options.masters ?? 3
  if (masters < 3) throw new Error("startRedisCluster: a Redis Cluster needs at least 3 masters")
  const dir = mkdtempSync(join(tmpdir(), "switchyard-cluster-"))
  const ports: Array<number> = []
  const busPorts: Array<number> = []
  // picked one after the other (each probe closed before the next), then all checked distinct
  while (ports.length < masters) {
    const [port, bus] = [await freePort(), await freePort()]
    if (port === bus || ports.includes(port) || busPorts.includes(bus)) continue
    if (ports.includes(bus) || busPorts.includes(port)) continue
    ports.push(port)
    busPorts.push(bus)
  }
  const procs: Array<ChildProcess | undefined> = new Array(masters).fill(undefined)
  const clients: Array<Redis> = []
  const launch = async (i: number) => {
    const proc = spawn(
      "redis-server",
      [
        ...["--port", String(ports[i]), "--bind", HOST, "--cluster-port", String(busPorts[i])],
        ...["--cluster-enabled", "yes", "--cluster-config-file", join(dir, `nodes-${ports[i]}.conf`)],
        ...["--cluster-node-timeout", String(options.nodeTimeoutMs ?? 1_000)],
        ...["--save", "", "--appendonly", "no", "--dir", dir],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    )
    procs[i] = proc
    await waitReady(proc)
  }
  const admin = (i: number) => {
    const c = new Redis({ host: HOST, port: ports[i]!, maxRetriesPerRequest: 1, lazyConnect: true })
    c.on("error", () => {})
    clients.push(c)
    return c
  }
  const probes = Array.from({ length: masters }, (_, i) => admin(i))
  /** Every node: cluster_state ok, every slot assigned, every other node known. */
  const healthy = async (): Promise<boolean> => {
    for (const c of probes) {
      const info = String(await c.call("CLUSTER", "INFO").catch(() => ""))
      if (!info.includes("cluster_state:ok")) return false
      if (!info.includes("cluster_slots_ok:16384")) return false
      if (!info.includes(`cluster_known_nodes:${masters}`)) return false
    }
    return true
  }
  const waitHealthy = async () => {
    const deadline = Date.now() + READY_WITHIN_MS
    while (!(await healthy())) {
      if (Date.now() > deadline) throw new Error(`the Redis Cluster on ports ${ports.join(", ")} did not become ok`)
      await sleep(50)
    }
  }
  const kill = async (i: number) => {
    const proc = procs[i]
    if (proc === undefined || !running(proc)) return
    proc.kill("SIGKILL")
    await exited(proc)
  }
  const stop = async () => {
    for (const c of clients) c.disconnect()
    await Promise.all(procs.map((_, i) => kill(i)))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await Promise.all(ports.map((_, i) => launch(i)))
    await redisCli([
      "--cluster",
      "create",
      ...ports.map((p) => `${HOST}:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ])
    await waitHealthy()
  } catch (error) {
    await stop()
    throw error
  }
  return {
    nodes: ports.map((p) => `redis://${HOST}:${p}`),
    admin,
    nodeOf: async (key) => {
      const slot = Number(await probes[0]!.call("CLUSTER", "KEYSLOT", key))
      const ranges = (await probes[0]!.call("CLUSTER", "SLOTS")) as ReadonlyArray<
        readonly [number, number, readonly [string, number, ...Array<unknown>]]
      >
      const range = ranges.find(([from, to]) => slot >= from && slot <= to)
      if (range === undefined) throw new Error(`slot ${slot} is not served`)
      return ports.indexOf(Number(range[2][1]))
    },
    kill,
    restart: async (i) => {
      await launch(i)
      await waitHealthy()
    },
    stop,
  }
}
