import type { ServerResponse } from "node:http"

/** A tracked response: what it does when the grace ends, and its place in `InFlight.open` (-1 once it closed). */
interface Entry {
  readonly res: ServerResponse
  finish: () => void
  at: number
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
   * The open responses, in an array (a closed one's place taken by the last). Not a `Map` keyed by response: V8
   * rebuilds a `Map`'s table every few dozen of its inserts and deletes (one each per request), and each table it
   * drops keeps a pointer to the next one (for iterators in progress). Once one of those tables has been promoted to
   * the old generation, a scavenge cannot tell it is dead, so every later table, every response they held and all
   * their requests' objects survive each scavenge until the next full collection, and are promoted too. A Node server
   * on this adapter with a minimal handler (the body forwarded to a loopback upstream with undici), 64 connections:
   * ≈ 2.3 MB promoted per scavenge and 4.8 ms scavenges with the `Map`; with the array ≈ 0.1 MB and 1.0 ms.
   */
  private readonly open: Array<Entry> = []
  private closing = false

  get size(): number {
    return this.open.length
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
    const entry: Entry = { res, finish, at: this.open.length }
    tracked[ENTRY] = entry
    this.open.push(entry)
    res.once("close", () => this.forget(entry))
  }

  private forget(entry: Entry): void {
    const open = this.open
    const last = open.pop()!
    if (last !== entry) {
      open[entry.at] = last
      last.at = entry.at
    }
    entry.at = -1
  }

  /**
   * Finish every open response now, then wait until each has been sent (or `flushMs` passed):
   * resolves with how many were finished.
   */
  async finishAll(flushMs: number): Promise<number> {
    this.closing = true
    // a copy: finishing a response may close it, which takes it out of `this.open`
    const open = this.open.slice()
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
