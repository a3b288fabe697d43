import type { ServerResponse } from "node:http"
import { type Indexed, IndexedSet } from "../handler/indexed-set.js"

/** A tracked response: what it does when the grace ends (and its place in `InFlight.open`, -1 once it closed). */
interface Entry extends Indexed {
  readonly res: ServerResponse
  finish: () => void
}

/** Where a response keeps its entry (a lookup without a Map keyed by responses). */
const ENTRY: unique symbol = Symbol("switchyard.inFlight")
type Tracked = ServerResponse & { [ENTRY]?: Entry }

/**
 * The responses a Node server has open, each with what it does when the shutdown grace ends:
 * a stream ends in-band (an error chunk, then `[DONE]`), a request not answered yet gets 503.
 *
 *   const inFlight = new InFlight()
 *   inFlight.track(res, () => …)      // replaced as the response moves on; dropped when it closes
 *   await inFlight.finishAll(flushMs) // grace over: finish every open response, wait for the bytes to leave
 */
export class InFlight {
  /**
   * The open responses: an `IndexedSet`, not a `Map` keyed by response (see there). A Node server on this adapter with
   * a minimal handler (the body forwarded to a loopback upstream with undici), 64 connections: ≈ 2.3 MB promoted per
   * scavenge and 4.8 ms scavenges with the `Map`; ≈ 0.1 MB and 1.0 ms without.
   */
  private readonly open = new IndexedSet<Entry>()
  private closing = false

  get size(): number {
    return this.open.size
  }

  /** True once the grace has ended: new work should not start. */
  get finishing(): boolean {
    return this.closing
  }

  /** Register (or replace) what `res` does when the grace ends; forgotten when it closes. */
  track(res: ServerResponse, finish: () => void): void {
    const tracked = res as Tracked
    const known = tracked[ENTRY]
    if (known !== undefined) {
      if (known.at >= 0) known.finish = finish
      return
    }
    const entry: Entry = { res, finish, at: -1 }
    tracked[ENTRY] = entry
    this.open.add(entry)
    res.once("close", () => this.open.remove(entry))
  }

  /**
   * Finish every open response now, then wait until each has been sent (or `flushMs` passed):
   * resolves with how many were finished.
   */
  async finishAll(flushMs: number): Promise<number> {
    this.closing = true
    // finishing a response may close it, which takes it out of `this.open`: `values()` is a copy
    const open = this.open.values()
    for (const { res, finish } of open) {
      try {
        finish()
      } catch {
        res.destroy()
      }
    }
    const sent = open.map(
      ({ res }) =>
        new Promise<void>((resolve) => {
          if (res.writableFinished || res.destroyed) resolve()
          else {
            res.once("finish", () => resolve())
            res.once("close", () => resolve())
          }
        }),
    )
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([
      Promise.all(sent),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, flushMs).unref()
      }),
    ])
    clearTimeout(timer)
    return open.length
  }
}
