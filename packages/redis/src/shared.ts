import { StateUnavailable } from "@switchyard/core"
import * as Effect from "effect/Effect"
import type { Connection } from "./connection.js"
import type { Keys } from "./keys.js"

const UNAVAILABLE = new StateUnavailable({
  message:
    "The shared live state did not answer in time; this gateway is configured to refuse rather than route on local state",
})

/**
 * How each store operation uses Redis: try Redis while it is up, and answer `local` when it is down
 * or fails (the failure degrades the connection, see `Connection`). Nothing waits longer than
 * `timeoutMs` (plus one turn of the event loop).
 *
 * Bookkeeping (settle, release, observe, Health records) is queued per endpoint and sent, without
 * waiting for the reply, as one `syWrite` script per endpoint at the end of the tick — or earlier,
 * right before any read or decision is sent, so everything reaches Redis in the order it was issued.
 */
export class Shared {
  private readonly timeoutMs: number
  private readonly pending = new Map<string, Array<string>>()
  private scheduled = false
  /**
   * Told when this replica reports news that changes how an endpoint is planned (a cooldown, a failure, an
   * upstream block): what it cached of that endpoint's state is stale.
   */
  onNews: (endpointId: string) => void = () => {}

  constructor(
    private readonly conn: Connection,
    private readonly keys: Keys,
    /** The breaker config as `syWrite`'s first ARGV. */
    private readonly breaker: ReadonlyArray<string>,
  ) {
    this.timeoutMs = conn.options.timeoutMs
  }

  /**
   * `run()`, answered within `timeoutMs`: its result, or `onError` with the failure or the timeout.
   * When the timer fires, the verdict waits for the event loop's check phase (`setImmediate`), after
   * the poll phase has read any reply already on the socket: a busy process (a long turn of the
   * event loop) does not mistake a reply that arrived in time for a slow Redis.
   */
  private within<A>(run: () => Promise<A>, onResult: (a: A) => void, onError: (e: unknown) => void): void {
    this.flush()
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

  /**
   * Queue bookkeeping operations (`syWrite`'s op format) on one endpoint's state; `urgent` (news the other
   * replicas should act on: a cooldown, a failure, the upstream's capacity signals) sends the queue now
   * instead of at the end of the tick; `news` (it changes how the endpoint is planned) tells `onNews`.
   */
  write(endpointId: string, ops: ReadonlyArray<string>, urgent = false, news = false): void {
    if (news) this.onNews(endpointId)
    if (!this.conn.ok) return
    const queued = this.pending.get(endpointId)
    if (queued === undefined) this.pending.set(endpointId, [...ops])
    else for (const op of ops) queued.push(op)
    if (urgent) this.flush()
    else if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.flush())
    }
  }

  /** Send a command without waiting for its reply (a failure degrades the connection). */
  send(run: () => Promise<unknown>): void {
    const conn = this.conn
    if (!conn.ok) return
    run().catch((error: unknown) => conn.failed(error))
  }

  /** Send the queued bookkeeping now (one script per endpoint). */
  flush(): void {
    this.scheduled = false
    if (this.pending.size === 0) return
    for (const [id, ops] of this.pending)
      this.send(() =>
        this.conn.script("syWrite", this.keys.state(id), this.keys.reservations(id), ...this.breaker, ...ops),
      )
    this.pending.clear()
  }
}

/** A number stored by the scripts (`%.17g`, `inf`); `''`/null → undefined. */
export const num = (s: string | null | undefined): number | undefined =>
  s === null || s === undefined || s === "" ? undefined : s === "inf" ? Number.POSITIVE_INFINITY : Number(s)

/** A number for a script argument (`''` for undefined). */
export const arg = (n: number | undefined): string =>
  n === undefined ? "" : n === Number.POSITIVE_INFINITY ? "inf" : String(n)
