import type { StateStatus } from "@switchyard/core"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { type Cluster, Command, type Redis } from "ioredis"
import { MAX_RECONNECT_MS, makeClient, type RedisCommands } from "./client.js"
import { FUNCTION_LIBRARY, SCRIPTS, type ScriptName } from "./lua/scripts.js"
import type { ResolvedRedisOptions } from "./options.js"
import { encodeCommand } from "./resp.js"

/** Longest pause between two checks of an unreachable Redis, ms. */
const MAX_PROBE_MS = MAX_RECONNECT_MS
const FIRST_PROBE_MS = 100
/**
 * How long the store must stay `ok` before the next degradation starts its checks from `FIRST_PROBE_MS` again, ms;
 * degraded again sooner (a flap), the checks go on from the backoff they had reached, doubled.
 */
export const STABLE_MS = 30_000
/** Clock difference with the Redis server above which the replica logs a warning, ms. */
const SKEW_WARNING_MS = 1_000

/** A script's arguments; an array among them stands for its elements (ioredis flattens one level). */
type ScriptArg = string | number | ReadonlyArray<string>
type ScriptCall = (...args: ReadonlyArray<ScriptArg>) => Promise<unknown>
/** A command whose wire form (RESP) its caller built (`Connection.scriptWith`); replies as strings. */
class WiredCall extends Command {
  constructor(
    args: Array<string>,
    private readonly wire: Buffer,
  ) {
    super("FCALL", args, { replyEncoding: "utf8" })
  }
  override toWritable(): Buffer {
    return this.wire
  }
}

/** Each script's function name in the library. */
const FUNCTIONS = Object.fromEntries(
  Object.keys(SCRIPTS).map((name) => [name, FUNCTION_LIBRARY.functionName(name as ScriptName)]),
) as Record<ScriptName, string>
/** The start of a script's `FCALL` on the wire, up to its key count, with `n` arguments after it. */
const wireHead = (name: ScriptName, keys: number, n: number): string => {
  const fn = FUNCTIONS[name]
  const k = String(keys)
  return `*${n + 3}\r\n$5\r\nFCALL\r\n$${Buffer.byteLength(fn)}\r\n${fn}\r\n$${k.length}\r\n${k}\r\n`
}

/**
 * One ioredis client (one Redis, or a Redis Cluster: see `client.ts`) and whether Redis currently
 * answers. Commands are written at once on one Redis, auto-pipelined per node on a cluster (see `client.ts`), waited for at
 * most `timeoutMs` (see `Shared`), never queued while disconnected (`enableOfflineQueue: false`), and
 * reconnected by ioredis with backoff.
 *
 * State machine: `ok` ⇄ `degraded`. The first failed command (timeout, connection error, a refusal such as
 * `READONLY` or `OOM`) moves it to `degraded`, logs one warning and starts a check with backoff (100 ms doubling to
 * 2 s); while degraded the stores answer from local state without touching Redis, so a slow Redis costs each request
 * at most one `timeoutMs`, once. A check passes when every master answers `TIME` and a call of the stores' write
 * function (a no-op `syTurn`: refused, as their calls are, by a read-only replica or a server out of memory) within
 * `timeoutMs`; the first that passes moves it back to `ok` and logs it. The backoff starts again from 100 ms only
 * after `STABLE_MS` ok: a store that degrades again sooner goes on from the backoff it had reached, doubled. Every
 * failure counts one backend error. On a cluster, a check passes only when every master serving a slot is connected
 * and answers.
 */
export class Connection {
  /** The commands the stores send (single Redis and Cluster alike). */
  readonly redis: RedisCommands
  /** On a Redis Cluster (a read of several endpoints' keys is one command per endpoint, see `live-state.ts`). */
  readonly cluster: boolean
  private readonly client: Redis | Cluster
  private state: "ok" | "degraded" = "degraded"
  private errors = 0
  private probing: ReturnType<typeof setTimeout> | undefined = undefined
  private probeMs = FIRST_PROBE_MS
  /** Told when the store becomes `ok`, before anything else is sent (see `onResume`). */
  private readonly resumed: Array<() => void> = []
  /** When the store last became `ok` (Clock ms; undefined: never). */
  private okSince: number | undefined = undefined
  private closing = false
  /** Connected once already (the next `ok` is a resumption). */
  private started = false
  private readonly scripts: Record<ScriptName, ScriptCall>
  /** `client.call`, typed for what it takes: ioredis flattens array arguments one level (as it does for scripts). */
  private readonly call: (command: string, ...args: ReadonlyArray<ScriptArg>) => Promise<unknown>
  /** The server runs Redis Functions (≥ 7) and has the library: calls go by FCALL. */
  private functions = false

  constructor(
    readonly options: ResolvedRedisOptions,
    private readonly context: Context.Context<never>,
  ) {
    this.client = makeClient(options)
    this.redis = this.client
    this.call = this.client.call.bind(this.client) as (
      command: string,
      ...args: ReadonlyArray<ScriptArg>
    ) => Promise<unknown>
    this.cluster = options.server.kind === "cluster"
    // Errors reach the state machine through the commands that fail; the event only needs a listener.
    this.client.on("error", () => {})
    this.client.on("ready", () => {
      void this.loadFunctions().then(() => this.check())
    })
    for (const [name, source] of Object.entries(SCRIPTS))
      this.client.defineCommand(name, {
        lua: source.lua,
        ...(source.numberOfKeys !== undefined && { numberOfKeys: source.numberOfKeys }),
      })
    const commands = this.client as unknown as Record<ScriptName, ScriptCall>
    this.scripts = Object.fromEntries(
      Object.keys(SCRIPTS).map((name) => [name, commands[name as ScriptName].bind(this.client)]),
    ) as Record<ScriptName, ScriptCall>
  }

  /** Connect, waiting up to `connectTimeoutMs`; a Redis that is not there yet leaves the store degraded. */
  start(): Promise<void> {
    const connected = this.client.connect().then(
      // the start waits up to connectTimeoutMs as a whole: its check has no limit of its own
      () => this.loadFunctions().then(() => this.ping(undefined)),
      () => false,
    )
    const timeout = new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(false), this.options.connectTimeoutMs).unref(),
    )
    return Promise.race([connected, timeout]).then((up) => {
      if (up) this.resume()
      else {
        this.started = true
        this.degrade(new Error("no connection at start"))
      }
    })
  }

  /**
   * Call `f` each time the store becomes `ok`, in the same turn, so what it sends goes before any request's call of the
   * resumed store (one Redis: commands are written in issue order).
   */
  onResume(f: () => void): void {
    this.resumed.push(f)
  }

  get ok(): boolean {
    return this.state === "ok"
  }

  status(): StateStatus {
    return { backend: "redis", state: this.state, errors: this.errors }
  }

  script(name: ScriptName, ...args: ReadonlyArray<ScriptArg>): Promise<unknown> {
    if (!this.functions) return this.scripts[name](...args)
    const keys = SCRIPTS[name].numberOfKeys
    const fn = FUNCTIONS[name]
    return this.reloading(() =>
      keys === undefined ? this.call("FCALL", fn, ...args) : this.call("FCALL", fn, keys, ...args),
    )
  }

  /**
   * Run `f`, whose commands leave in one socket write (one system call for all of them, and Redis answers them in
   * one): the socket is corked around it. On a cluster, whose client auto-pipelines per node, `f` just runs.
   */
  together(f: () => void): void {
    const stream = this.cluster ? undefined : (this.client as Redis).stream
    if (stream === undefined || !stream.writable) {
      f()
      return
    }
    stream.cork()
    try {
      f()
    } finally {
      stream.uncork()
    }
  }

  /**
   * `script` for a script with a key count and many arguments (the per-turn `syBatch`, `syTurn`): on one Redis with
   * functions, its `FCALL` is written on the wire as built here in one pass over the arguments (`encodeCommand`) — a
   * fraction of the CPU and garbage of ioredis's generic encoding; ioredis still sends it (in issue order with every
   * other command: the single client does not auto-pipeline, see `client.ts`), times it out and parses the reply.
   * On a cluster (whose commands are auto-pipelined, so a command written directly could overtake them) and on
   * servers without functions: `script`.
   */
  scriptWith(
    name: ScriptName,
    args: ReadonlyArray<string>,
    /** The key count of a script that takes it first (`syTurn`). */
    keyCount?: number,
  ): Promise<unknown> {
    const keys = SCRIPTS[name].numberOfKeys ?? keyCount
    if (keys === undefined) return this.script(name, args)
    if (!this.functions || this.cluster)
      return keyCount === undefined ? this.script(name, args) : this.script(name, keyCount, args)
    const wire = encodeCommand(wireHead(name, keys, args.length), args)
    // what ioredis reads of the command: the function, the key count and the keys
    const visible = [FUNCTIONS[name], String(keys), ...args.slice(0, keys)]
    return this.reloading(() => {
      const command = new WiredCall(visible, wire)
      void this.client.sendCommand(command)
      return command.promise
    })
  }

  /** `call()`, and once more after loading the library again if the server lost it (restarted, flushed). */
  private reloading(call: () => Promise<unknown>): Promise<unknown> {
    return call().catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.includes("Function not found")) throw error
      return this.loadFunctions().then(call)
    })
  }

  /** The servers that run scripts: the one Redis, or every master of the cluster. */
  private masters(): ReadonlyArray<Redis> {
    return "nodes" in this.client ? this.client.nodes("master") : [this.client]
  }

  /**
   * Load the function library (Redis ≥ 7) on every master (a Redis Cluster does not spread functions to its
   * masters; a master added later gets it when a call there answers "Function not found"); a server that
   * knows no functions keeps the EVALSHA scripts (ioredis loads a script on each node's connection by itself).
   */
  private loadFunctions(): Promise<void> {
    return Promise.all(
      this.masters().map((node) =>
        node.call("FUNCTION", "LOAD", "REPLACE", FUNCTION_LIBRARY.source).then(
          () => "loaded" as const,
          (error: unknown) =>
            error instanceof Error && /unknown command|unknown subcommand/i.test(error.message)
              ? ("unsupported" as const)
              : ("failed" as const),
        ),
      ),
    ).then((results) => {
      if (results.includes("unsupported")) this.functions = false
      else if (results.includes("loaded")) this.functions = true
    })
  }

  /** A command failed: count it, and degrade if Redis was considered up. */
  failed(error: unknown): void {
    if (this.closing) return
    this.errors++
    if (this.state === "ok") this.degrade(error)
  }

  private degrade(error: unknown): void {
    this.state = "degraded"
    this.log(
      Effect.logWarning("shared live state degraded: answering from this replica's local state").pipe(
        Effect.annotateLogs({
          backend: "redis",
          onError: this.options.onError,
          reason: error instanceof Error ? error.message : String(error),
        }),
      ),
    )
    const since = this.okSince
    this.probeMs =
      since !== undefined && this.now() - since < STABLE_MS ? Math.min(this.probeMs * 2, MAX_PROBE_MS) : FIRST_PROBE_MS
    this.scheduleCheck()
  }

  private resume(): void {
    if (this.state === "ok") return
    this.state = "ok"
    this.okSince = this.now()
    for (const f of this.resumed) f()
    this.log(
      Effect.logInfo(this.started ? "shared live state resumed" : "shared live state connected").pipe(
        Effect.annotateLogs({ backend: "redis" }),
      ),
    )
    this.started = true
  }

  private scheduleCheck(): void {
    if (this.probing !== undefined || this.closing) return
    this.probing = setTimeout(() => {
      this.probing = undefined
      this.check()
    }, this.probeMs)
    this.probing.unref()
  }

  /**
   * Is Redis answering again? Resume if so, else check later (backoff). The function library is loaded on every
   * master first: a server that restarted, was flushed or turned into a replica has lost it (and on a cluster, the
   * cluster as a whole never reconnects — no "ready" event — when one node comes back).
   */
  private check(): void {
    if (this.state === "ok" || this.closing) return
    void this.loadFunctions()
      .then(() => this.ping(this.options.timeoutMs))
      .then((up) => {
        if (up) return this.resume()
        this.probeMs = Math.min(this.probeMs * 2, MAX_PROBE_MS)
        this.scheduleCheck()
      })
  }

  /**
   * One round trip to each master — `TIME` (comparing the first one's clock with ours) and a no-op call of the
   * stores' write function (`writable`) — answered within `limitMs` (undefined: no limit), judged after the event loop
   * has read pending replies (as `Shared.within`). On a cluster, every master that serves a slot must be connected: one
   * that went away (killed, not yet failed over) leaves its slots unanswered, whatever the other masters say.
   */
  private ping(limitMs: number | undefined): Promise<boolean> {
    if (this.client.status !== "ready") return Promise.resolve(false)
    const masters = this.masters()
    if ("slots" in this.client) {
      const serving = new Set(this.client.slots.map((nodes) => nodes[0]))
      const connected = new Set(masters.map((node) => `${node.options.host}:${node.options.port}`))
      for (const key of serving) if (key !== undefined && !connected.has(key)) return Promise.resolve(false)
    }
    const answered = Promise.all([Promise.all(masters.map((node) => node.time())), this.writable(masters)]).then(
      ([times]) => {
        const [seconds, micros] = times[0]!
        const skew = Number(seconds) * 1000 + Number(micros) / 1000 - Date.now()
        if (Math.abs(skew) > SKEW_WARNING_MS)
          this.log(
            Effect.logWarning(
              "clock differs from the Redis server's: shared buckets and cooldowns shift by as much",
            ).pipe(Effect.annotateLogs({ backend: "redis", skewMs: Math.round(skew) })),
          )
        return true
      },
      () => false,
    )
    return limitMs === undefined ? answered : inTime(answered, limitMs)
  }

  /**
   * A call of the stores' write function that changes nothing, on every master: with Redis Functions a no-op `syTurn`
   * (no keys, no batch), which a read-only replica (`READONLY`) or a server out of memory (`OOM`) refuses before
   * running it, as it refuses the stores' calls; without, the retry budget's script adding 0 to a key of this
   * replica's that expires within a second (the script's write is what such a server refuses).
   */
  private writable(masters: ReadonlyArray<Redis>): Promise<unknown> {
    if (this.functions) return Promise.all(masters.map((node) => node.call("FCALL", FUNCTIONS.syTurn, "0", "0")))
    return this.scripts.syBudgetRecord(`${this.options.prefix}probe:${this.options.replicaId}`, "0", "1000")
  }

  /** The Clock's time (the context's: a test's TestClock, else the system clock), ms. */
  now(): number {
    return Effect.runSyncWith(this.context)(Clock.currentTimeMillis)
  }

  private log(effect: Effect.Effect<void>): void {
    Effect.runForkWith(this.context)(effect)
  }

  async close(): Promise<void> {
    this.closing = true
    if (this.probing !== undefined) clearTimeout(this.probing)
    await this.client.quit().catch(() => this.client.disconnect())
  }
}

/** `p`'s answer if it comes within `ms` (judged after the event loop has read pending replies), else false. */
const inTime = (p: Promise<boolean>, ms: number): Promise<boolean> =>
  new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => setImmediate(() => resolve(false)), ms)
    p.then((up) => {
      clearTimeout(timer)
      resolve(up)
    })
  })
