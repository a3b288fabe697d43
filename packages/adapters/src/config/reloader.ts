import { type FSWatcher, watch as fsWatch } from "node:fs"
import { readFile } from "node:fs/promises"
import { basename, dirname, resolve } from "node:path"
import { ActiveDeployment, routingWarnings } from "@switchyard/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import type { Gateway } from "../handler/gateway.js"
import { buildDeployment, type MakeDeployment } from "./deployments.js"
import { parseGatewayConfig } from "./gateway-config.js"

export interface ConfigReloaderOptions {
  /** The config file in force. */
  readonly file: string
  readonly runtime: ManagedRuntime.ManagedRuntime<ActiveDeployment, unknown>
  readonly gateway: Gateway
  readonly makeDeployment: MakeDeployment
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Coalesce bursts of file events (editors write several times) — default 200 ms. */
  readonly debounceMs?: number | undefined
  /** Scope of the deployment in force at start, retired when the first reload replaces it. */
  readonly currentScope?: Scope.Closeable | undefined
  /** Text the current config was loaded from (an identical file is not reloaded). */
  readonly currentText?: string | undefined
  /** How long a replaced deployment stays open for its in-flight requests (default: its request timeout). */
  readonly drainMs?: number | undefined
}

export type ReloadOutcome = "applied" | "unchanged" | "rejected"

/**
 * Reloads the gateway's config when its file changes (watching the directory, so editors that replace
 * the file are seen) or on SIGHUP. A new config is validated completely — catalog, gateway section and
 * provider clients — before anything changes; an invalid one is rejected with one clear log line and
 * the running config stays in force. On success the router's `ActiveDeployment` is swapped and the
 * gateway keys replaced. Requests in flight keep the deployment they started with (its connection pools
 * are closed only after a drain period); live stats are keyed by endpoint id and survive.
 */
export class ConfigReloader {
  private readonly file: string
  private watcher: FSWatcher | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private chain: Promise<ReloadOutcome> = Promise.resolve("unchanged")
  private currentScope: Scope.Closeable | undefined
  private currentDrainMs: number
  private lastText: string | undefined
  private readonly retiring = new Set<{ scope: Scope.Closeable; timer: ReturnType<typeof setTimeout> }>()
  private readonly onSighup = () => {
    void this.reload()
  }

  constructor(private readonly options: ConfigReloaderOptions) {
    this.file = resolve(options.file)
    this.currentScope = options.currentScope
    this.currentDrainMs = options.drainMs ?? 120_000
    this.lastText = options.currentText
  }

  /** Start watching the file and listening for SIGHUP. */
  start(): this {
    const name = basename(this.file)
    this.watcher = fsWatch(dirname(this.file), (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return
      if (this.timer !== undefined) clearTimeout(this.timer)
      this.timer = setTimeout(() => {
        this.timer = undefined
        void this.reload()
      }, this.options.debounceMs ?? 200)
    })
    this.watcher.on("error", (e) => {
      void this.log(Effect.logWarning("config watch error", { file: this.file, error: e.message }))
    })
    process.on("SIGHUP", this.onSighup)
    return this
  }

  /** Reload now (serialized with any reload in progress). */
  reload(): Promise<ReloadOutcome> {
    this.chain = this.chain.then(
      () => this.reloadOnce(),
      () => this.reloadOnce(),
    )
    return this.chain
  }

  private async reloadOnce(): Promise<ReloadOutcome> {
    let text: string
    try {
      text = await readFile(this.file, "utf8")
    } catch (e) {
      await this.rejected(`cannot read the file: ${(e as Error).message}`)
      return "rejected"
    }
    if (text === this.lastText) return "unchanged"
    const parsed = parseGatewayConfig(text, this.options.env ?? process.env)
    if (Result.isFailure(parsed)) {
      await this.rejected(parsed.failure.message)
      return "rejected"
    }
    const config = parsed.success
    const built = await buildDeployment(this.options.makeDeployment, config.catalog)
    if (Exit.isFailure(built)) {
      const error = Cause.findErrorOption(built.cause)
      const why = error._tag === "Some" ? error.value.message : Cause.pretty(built.cause)
      await this.rejected(why)
      return "rejected"
    }
    const { deployment, scope } = built.value
    await this.options.runtime.runPromise(ActiveDeployment.use((a) => a.set(deployment)))
    this.options.gateway.setKeys(config.keys, config.adminKeys)
    this.options.gateway.setSecrets(config.secrets)
    this.lastText = text
    if (this.currentScope !== undefined) this.retire(this.currentScope, this.currentDrainMs)
    this.currentScope = scope
    this.currentDrainMs = this.options.drainMs ?? config.catalog.routing.requestTimeoutMs
    await this.log(
      Effect.logInfo("config reloaded", {
        file: this.file,
        models: config.catalog.models.size,
        endpoints: config.catalog.endpoints.length,
        keys: config.keys.length,
        admin_keys: config.adminKeys.length,
      }),
    )
    for (const warning of routingWarnings(config.catalog.routing)) await this.log(Effect.logWarning(warning))
    return "applied"
  }

  /** One `warn` line: the reload was rejected, the running config stays. */
  private rejected(reason: string): Promise<void> {
    return this.log(
      Effect.logWarning("config reload rejected; keeping the running config", { file: this.file, reason }),
    )
  }

  /** A state-change line through the runtime's logger (never fails the reload). */
  private log(effect: Effect.Effect<void>): Promise<void> {
    return this.options.runtime.runPromise(effect).catch(() => undefined)
  }

  /** Close a replaced deployment's resources once its in-flight requests have had time to finish. */
  private retire(scope: Scope.Closeable, afterMs: number): void {
    const entry = {
      scope,
      timer: setTimeout(() => {
        this.retiring.delete(entry)
        void Effect.runPromise(Scope.close(scope, Exit.void))
      }, afterMs),
    }
    entry.timer.unref?.()
    this.retiring.add(entry)
  }

  /** Stop watching; close retired deployments now (and the current one too when `closeCurrent`). */
  async close(closeCurrent = false): Promise<void> {
    this.watcher?.close()
    this.watcher = undefined
    if (this.timer !== undefined) clearTimeout(this.timer)
    process.off("SIGHUP", this.onSighup)
    await this.chain.catch(() => undefined)
    for (const entry of this.retiring) {
      clearTimeout(entry.timer)
      await Effect.runPromise(Scope.close(entry.scope, Exit.void))
    }
    this.retiring.clear()
    if (closeCurrent && this.currentScope !== undefined)
      await Effect.runPromise(Scope.close(this.currentScope, Exit.void))
  }
}
