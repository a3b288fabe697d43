import { StateUnavailable } from "@switchyard/core"
import * as Effect from "effect/Effect"
import type { Connection } from "./connection.js"

const UNAVAILABLE = new StateUnavailable({
  message:
    "The shared live state did not answer in time; this gateway is configured to refuse rather than route on local state",
})

/**
 * How each store operation uses Redis: try Redis while it is up, and answer `local` when it is down
 * or fails (the failure degrades the connection, see `Connection`). Nothing waits longer than
 * `timeoutMs` (plus one turn of the event loop).
 */
export class Shared {
  private readonly timeoutMs: number

  constructor(private readonly conn: Connection) {
    this.timeoutMs = conn.options.timeoutMs
  }

  /**
   * `run()`, answered within `timeoutMs`: its result, or `onError` with the failure or the timeout.
   * When the timer fires, the verdict waits for the event loop's check phase (`setImmediate`), after
   * the poll phase has read any reply already on the socket: a busy process (a long turn of the
   * event loop) does not mistake a reply that arrived in time for a slow Redis.
   */
  private within<A>(run: () => Promise<A>, onResult: (a: A) => void, onError: (e: unknown) => void): void {
    let done = false
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (done) return
          done = true
          onError(new Error(`Redis did not answer within ${this.timeoutMs} ms`))
        }),
      this.timeoutMs,
    )
    run().then(
      (a) => {
        if (done) return
        done = true
        clearTimeout(timer)
        onResult(a)
      },
      (e: unknown) => {
        if (done) return
        done = true
        clearTimeout(timer)
        onError(e)
      },
    )
  }

  /** A read or decision: Redis's answer, else `local` (never fails). */
  read<A, E = never>(run: () => Promise<A>, local: Effect.Effect<A, E>): Effect.Effect<A, E> {
    const conn = this.conn
    if (!conn.ok) return local
    return Effect.callback<A, E>((resume) => {
      this.within(
        run,
        (a) => resume(Effect.succeed(a)),
        (error) => {
          conn.failed(error)
          resume(local)
        },
      )
    })
  }

  /** A request gate: as `read`, but a fail-closed store answers `StateUnavailable` instead of `local`. */
  gate<A>(run: () => Promise<A>, local: Effect.Effect<A, StateUnavailable>): Effect.Effect<A, StateUnavailable> {
    if (this.conn.options.onError === "open") return this.read(run, local)
    const conn = this.conn
    if (!conn.ok) return Effect.fail(UNAVAILABLE)
    return Effect.callback<A, StateUnavailable>((resume) => {
      this.within(
        run,
        (a) => resume(Effect.succeed(a)),
        (error) => {
          conn.failed(error)
          resume(Effect.fail(UNAVAILABLE))
        },
      )
    })
  }

  /** Bookkeeping: sent without waiting for the reply (ordered after earlier commands on the connection). */
  write(run: () => Promise<unknown>): void {
    const conn = this.conn
    if (!conn.ok) return
    run().catch((error: unknown) => conn.failed(error))
  }
}

/** A number stored by the scripts (`%.17g`, `inf`); `''`/null → undefined. */
export const num = (s: string | null | undefined): number | undefined =>
  s === null || s === undefined || s === "" ? undefined : s === "inf" ? Number.POSITIVE_INFINITY : Number(s)

/** A number for a script argument (`''` for undefined). */
export const arg = (n: number | undefined): string =>
  n === undefined ? "" : n === Number.POSITIVE_INFINITY ? "inf" : String(n)
