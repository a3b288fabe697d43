import type { ServerResponse } from "node:http"

/**
 * The responses a Node server has open, each with what it does when the shutdown grace ends:
 * a stream ends in-band (an error chunk, then `[DONE]`), a request not answered yet gets 503.
 *
 *   const inFlight = new InFlight()
 *   inFlight.track(res, () => …)      // replaced as the response moves on; dropped when it closes
 *   await inFlight.finishAll(flushMs) // grace over: finish every open response, wait for the bytes to leave
 */
export class InFlight {
  private readonly open = new Map<ServerResponse, () => void>()
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
    if (!this.open.has(res)) res.once("close", () => this.open.delete(res))
    this.open.set(res, finish)
  }

  /**
   * Finish every open response now, then wait until each has been sent (or `flushMs` passed):
   * resolves with how many were finished.
   */
  async finishAll(flushMs: number): Promise<number> {
    this.closing = true
    const open = [...this.open]
    for (const [res, finish] of open) {
      try {
        finish()
      } catch {
        res.destroy()
      }
    }
    const sent = open.map(
      ([res]) =>
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
