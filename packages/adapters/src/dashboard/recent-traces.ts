import type { RouteTrace } from "@switchyard/core"

export interface RecentRoute {
  readonly id: string
  readonly status: number
  readonly stream: boolean
  readonly trace: RouteTrace
}

/** The most recent routed requests with their full RouteTrace: a ring of `size` (50), newest last. */
export class RecentTraces {
  private readonly ring: Array<RecentRoute | undefined>
  private next = 0
  private seq = 0

  constructor(readonly size = 50) {
    this.ring = new Array<RecentRoute | undefined>(size).fill(undefined)
  }

  add(trace: RouteTrace, status: number, stream: boolean): void {
    // request ids are the client's when it sent one: a sequence number keeps ids unique in the ring
    this.seq++
    this.ring[this.next] = { id: `${this.seq}`, status, stream, trace }
    this.next = (this.next + 1) % this.size
  }

  /** Newest first. */
  list(): Array<RecentRoute> {
    const out: Array<RecentRoute> = []
    for (let i = 1; i <= this.size; i++) {
      const r = this.ring[(this.next - i + this.size) % this.size]
      if (r !== undefined) out.push(r)
    }
    return out
  }

  get(id: string): RecentRoute | undefined {
    return this.ring.find((r) => r?.id === id)
  }
}
