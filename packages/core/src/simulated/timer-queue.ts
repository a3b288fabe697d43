/** A timer of virtual time: fires at `at`; among timers due at the same instant, in `seq` (creation) order. */
export class Timer {
  /** Position in the heap (-1: not in it). */
  index = -1
  /** The lane holding it (`TimerQueue.lane`), if any. */
  lane: Lane | undefined = undefined
  /** Fired or cancelled (a lane's timers are dropped lazily). */
  done = false

  constructor(
    readonly at: number,
    readonly seq: number,
    /** What it calls; dropped once it is cancelled (a lane keeps the timer itself until its instant). */
    public fn: () => void,
  ) {}
}

const NOTHING = (): void => {}

/** Does `a` fire before `b`: (at, seq) order. */
const earlier = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq)

/**
 * Timers pushed in (at, seq) order (`fits`): a FIFO, each push and cancel O(1); a cancelled timer stays until
 * it reaches the front.
 */
export class Lane {
  private items: Array<Timer> = []
  private head = 0

  constructor(private readonly queue: TimerQueue) {}

  /** Can `t` be pushed (it fires no earlier than the last one pushed)? */
  fits(t: Timer): boolean {
    const items = this.items
    return items.length === 0 || !earlier(t, items[items.length - 1]!)
  }

  push(t: Timer): void {
    t.lane = this
    this.items.push(t)
    this.queue.live++
  }

  cancel(t: Timer): void {
    if (t.done) return
    t.done = true
    t.fn = NOTHING
    this.queue.live--
  }

  /** The first timer not yet fired or cancelled. */
  first(): Timer | undefined {
    const items = this.items
    let head = this.head
    while (head < items.length && items[head]!.done) head++
    if (head === items.length) {
      if (head > 0) {
        this.items = []
        this.head = 0
      }
      return undefined
    }
    if (head > 1024 && head * 2 > items.length) {
      this.items = items.slice(head)
      head = 0
    }
    this.head = head
    return this.items[head]
  }
}

/**
 * The timers of virtual time in firing order: a binary min-heap by (at, seq) whose timers know their position
 * (removed in O(log n)), plus lanes of timers set at one fixed delay (`lane()`), merged when peeking.
 */
export class TimerQueue {
  private readonly heap: Array<Timer> = []
  private readonly lanes: Array<Lane> = []
  /** Timers neither fired nor cancelled. */
  live = 0

  get size(): number {
    return this.live
  }

  /** A new lane: its timers must be pushed in (at, seq) order. */
  lane(): Lane {
    const lane = new Lane(this)
    this.lanes.push(lane)
    return lane
  }

  /** The next timer to fire. */
  peek(): Timer | undefined {
    let best = this.heap[0]
    for (const lane of this.lanes) {
      const t = lane.first()
      if (t !== undefined && (best === undefined || earlier(t, best))) best = t
    }
    return best
  }

  add(t: Timer): void {
    const heap = this.heap
    t.index = heap.length
    heap.push(t)
    this.live++
    this.up(t.index)
  }

  /** Remove `t` (fired or cancelled) if it is still pending. */
  remove(t: Timer): void {
    const lane = t.lane
    if (lane !== undefined) {
      lane.cancel(t)
      return
    }
    const heap = this.heap
    const i = t.index
    if (i < 0 || heap[i] !== t) return
    t.index = -1
    t.done = true
    this.live--
    const last = heap.pop()!
    if (last === t) return
    heap[i] = last
    last.index = i
    this.down(i)
    this.up(last.index)
  }

  private up(i: number): void {
    const heap = this.heap
    const t = heap[i]!
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent]!
      if (!earlier(t, p)) break
      heap[i] = p
      p.index = i
      i = parent
    }
    heap[i] = t
    t.index = i
  }

  private down(i: number): void {
    const heap = this.heap
    const n = heap.length
    const t = heap[i]!
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let m = l
      if (r < n && earlier(heap[r]!, heap[l]!)) m = r
      const c = heap[m]!
      if (!earlier(c, t)) break
      heap[i] = c
      c.index = i
      i = m
    }
    heap[i] = t
    t.index = i
  }
}
