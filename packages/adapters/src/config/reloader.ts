import { type FSWatcher, watch as fsWatch } from "node:fs"
import { readFile } from "node:fs/promises"
import { basename, dirname, resolve } from "node:path"
import { ActiveDeployment } from "@switchyard/core"
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
  readonly log?: ((line: string) => void) | undefined
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
  private readonly log: (line: string) => void
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
    this.log = options.log ?? ((line) => console.error(line))
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
    this.watcher.on("error", (e) => this.log(`[switchyard] config watch error on ${this.file}: ${e.message}`))
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
      this.log(
        `[switchyard] config reload rejected: cannot read ${this.file}: ${(e as Error).message}; keeping the running config`,
      )
      return "rejected"
    }
    if (text === this.lastText) return "unchanged"
    const parsed = parseGatewayConfig(text, this.options.env ?? process.env)
    if (Result.isFailure(parsed)) {
      this.log(
        `[switchyard] config reload rejected (${this.file}): ${parsed.failure.message}; keeping the running config`,
      )
      return "rejected"
    }
    const config = parsed.success
    const built = await buildDeployment(this.options.makeDeployment, config.catalog)
    if (Exit.isFailure(built)) {
      const error = Cause.findErrorOption(built.cause)
      const why = error._tag === "Some" ? error.value.message : Cause.pretty(built.cause)
      this.log(`[switchyard] config reload rejected (${this.file}): ${why}; keeping the running config`)
      return "rejected"
    }
    const { deployment, scope } = built.value
    await this.options.runtime.runPromise(ActiveDeployment.use((a) => a.set(deployment)))
    this.options.gateway.setKeys(config.keys)
    this.options.gateway.setSecrets(config.secrets)
    this.lastText = text
    if (this.currentScope !== undefined) this.retire(this.currentScope, this.currentDrainMs)
    this.currentScope = scope
    this.currentDrainMs = this.options.drainMs ?? config.catalog.routing.requestTimeoutMs
    this.log(
      `[switchyard] config reloaded from ${this.file}: ${config.catalog.models.size} models, ${config.catalog.endpoints.length} endpoints, ${config.keys.length} keys`,
    )
    return "applied"
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
