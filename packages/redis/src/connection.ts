import type { StateStatus } from "@switchyard/core"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { Redis } from "ioredis"
import { FUNCTION_LIBRARY, SCRIPTS, type ScriptName } from "./lua/scripts.js"
import type { ResolvedRedisOptions } from "./options.js"

/** Longest pause between two checks of an unreachable Redis, ms. */
const MAX_PROBE_MS = 2_000
const FIRST_PROBE_MS = 100
/** Clock difference with the Redis server above which the replica logs a warning, ms. */
const SKEW_WARNING_MS = 1_000

type ScriptCall = (...args: ReadonlyArray<string | number>) => Promise<unknown>

/**
 * One ioredis connection and whether Redis currently answers. Commands are auto-pipelined (those
 * issued in one tick go out as one write), waited for at most `timeoutMs` (see `Shared`), never queued
 * while disconnected (`enableOfflineQueue: false`), and reconnected by ioredis with backoff.
 *
 * State machine: `ok` ⇄ `degraded`. The first failed command (timeout, connection error) moves it to
 * `degraded`, logs one warning and starts a check (`PING`) with backoff (100 ms doubling to 2 s);
 * while degraded the stores answer from local state without touching Redis, so a slow Redis costs
 * each request at most one `timeoutMs`, once. The first successful check moves it back to `ok` and
 * logs it. Every failure counts one backend error.
 */
export class Connection {
  readonly redis: Redis
  private state: "ok" | "degraded" = "degraded"
  private errors = 0
  private probing: ReturnType<typeof setTimeout> | undefined = undefined
  private probeMs = FIRST_PROBE_MS
  private closing = false
  /** Connected once already (the next `ok` is a resumption). */
  private started = false
  private readonly scripts: Record<ScriptName, ScriptCall>
  /** The server runs Redis Functions (≥ 7) and has the library: calls go by FCALL. */
  private functions = false

  constructor(
    readonly options: ResolvedRedisOptions,
    private readonly context: Context.Context<never>,
  ) {
    this.redis = new Redis(options.url, {
      // Callers bound their wait at timeoutMs themselves (see Shared); this only ends commands nobody waits for.
      commandTimeout: Math.max(1_000, options.timeoutMs * 10),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      enableAutoPipelining: true,
      connectTimeout: Math.max(options.connectTimeoutMs, 100),
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), MAX_PROBE_MS),
      lazyConnect: true,
      connectionName: `switchyard:${options.replicaId}`,
    })
    // Errors reach the state machine through the commands that fail; the event only needs a listener.
    this.redis.on("error", () => {})
    this.redis.on("ready", () => {
      void this.loadFunctions().then(() => this.check())
    })
    for (const [name, source] of Object.entries(SCRIPTS))
      this.redis.defineCommand(name, {
        lua: source.lua,
        ...(source.numberOfKeys !== undefined && { numberOfKeys: source.numberOfKeys }),
      })
    const commands = this.redis as unknown as Record<ScriptName, ScriptCall>
    this.scripts = Object.fromEntries(
      Object.keys(SCRIPTS).map((name) => [name, commands[name as ScriptName].bind(this.redis)]),
    ) as Record<ScriptName, ScriptCall>
  }

  /** Connect, waiting up to `connectTimeoutMs`; a Redis that is not there yet leaves the store degraded. */
  start(): Promise<void> {
    const connected = this.redis.connect().then(
      () => this.loadFunctions().then(() => this.ping()),
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

  get ok(): boolean {
    return this.state === "ok"
  }

  status(): StateStatus {
    return { backend: "redis", state: this.state, errors: this.errors }
  }

  script(name: ScriptName, ...args: ReadonlyArray<string | number>): Promise<unknown> {
    if (!this.functions) return this.scripts[name](...args)
    const keys = SCRIPTS[name].numberOfKeys
    const call = () =>
      keys === undefined
        ? this.redis.call("FCALL", FUNCTION_LIBRARY.functionName(name), ...args)
        : this.redis.call("FCALL", FUNCTION_LIBRARY.functionName(name), keys, ...args)
    return call().catch((error: unknown) => {
      // A server that lost the library (restarted, flushed): load it again and retry once.
      if (!(error instanceof Error) || !error.message.includes("Function not found")) throw error
      return this.loadFunctions().then(call)
    })
  }

  /** Load the function library (Redis ≥ 7); an older server keeps the EVALSHA scripts. */
  private loadFunctions(): Promise<void> {
    return this.redis.call("FUNCTION", "LOAD", "REPLACE", FUNCTION_LIBRARY.source).then(
      () => {
        this.functions = true
      },
      (error: unknown) => {
        if (error instanceof Error && /unknown command|unknown subcommand/i.test(error.message)) this.functions = false
      },
    )
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
    this.probeMs = FIRST_PROBE_MS
    this.scheduleCheck()
  }

  private resume(): void {
    if (this.state === "ok") return
    this.state = "ok"
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

  /** Is Redis answering again? Resume if so, else check later (backoff). */
  private check(): void {
    if (this.state === "ok" || this.closing) return
    void this.ping().then((up) => {
      if (up) return this.resume()
      this.probeMs = Math.min(this.probeMs * 2, MAX_PROBE_MS)
      this.scheduleCheck()
    })
  }

  /** One round trip (TIME), also comparing the server's clock with ours. */
  private ping(): Promise<boolean> {
    if (this.redis.status !== "ready") return Promise.resolve(false)
    return this.redis.time().then(
      ([seconds, micros]) => {
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
  }

  private log(effect: Effect.Effect<void>): void {
    Effect.runForkWith(this.context)(effect)
  }

  async close(): Promise<void> {
    this.closing = true
    if (this.probing !== undefined) clearTimeout(this.probing)
    await this.redis.quit().catch(() => this.redis.disconnect())
  }
}
