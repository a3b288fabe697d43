/**
 * A budget of extra requests (retries, hedges) as a share of recent traffic, so an outage does not
 * multiply the load on upstreams: over a sliding window (`windowMs`, cut into `slots` counters),
 * `spent ≤ floor + ratio × requests`. The floor lets a quiet router still retry. Local to one
 * router instance (like Envoy's and Finagle's retry budgets); time is passed in (from `Clock`).
 */
export class TrafficBudget {
  private readonly slotMs: number
  private readonly epochs: Float64Array
  private readonly requests: Float64Array
  private readonly spent: Float64Array

  constructor(
    private readonly floor: number,
    readonly windowMs = 10_000,
    private readonly slots = 10,
  ) {
    this.slotMs = Math.max(1, Math.floor(windowMs / slots))
    this.epochs = new Float64Array(slots).fill(Number.NEGATIVE_INFINITY)
    this.requests = new Float64Array(slots)
    this.spent = new Float64Array(slots)
  }

  private slot(now: number): number {
    const epoch = Math.floor(now / this.slotMs)
    const i = ((epoch % this.slots) + this.slots) % this.slots
    if (this.epochs[i] !== epoch) {
      this.epochs[i] = epoch
      this.requests[i] = 0
      this.spent[i] = 0
    }
    return i
  }

  private totals(now: number): { requests: number; spent: number } {
    const epoch = Math.floor(now / this.slotMs)
    let requests = 0
    let spent = 0
    for (let i = 0; i < this.slots; i++) {
      if ((this.epochs[i] ?? Number.NEGATIVE_INFINITY) > epoch - this.slots) {
        requests += this.requests[i] ?? 0
        spent += this.spent[i] ?? 0
      }
    }
    return { requests, spent }
  }

  /** Count one incoming request. */
  recordRequest(now: number): void {
    const i = this.slot(now)
    this.requests[i] = (this.requests[i] ?? 0) + 1
  }

  /** Give back a unit taken at `now` that was not used (the attempt never reached the upstream). */
  refund(now: number): void {
    const i = this.slot(now)
    this.spent[i] = Math.max(0, (this.spent[i] ?? 0) - 1)
  }

  /** Take one unit of budget if `ratio` allows it now. */
  tryAcquire(now: number, ratio: number): boolean {
    const i = this.slot(now)
    const t = this.totals(now)
    if (t.spent >= this.floor + ratio * t.requests) return false
    this.spent[i] = (this.spent[i] ?? 0) + 1
    return true
  }
}
