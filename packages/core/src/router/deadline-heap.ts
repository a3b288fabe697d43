/** One pending deadline: epoch ms (Clock time) and what to do when it passes. */
export interface DeadlineEntry {
  readonly at: number
  readonly fire: () => void
  /** Position in the heap; -1 once removed. */
  index: number
}

/**
 * A binary min-heap of deadlines by `at`, with removal of any entry in O(log n) (each entry knows its
 * index), so a finished call leaves nothing behind.
 */
export class DeadlineHeap {
  private readonly items: Array<DeadlineEntry> = []

  get size(): number {
    return this.items.length
  }

  peek(): DeadlineEntry | undefined {
    return this.items[0]
  }

  add(entry: DeadlineEntry): void {
    entry.index = this.items.length
    this.items.push(entry)
    this.up(entry.index)
  }

  /** Remove `entry` if it is still in the heap. */
  remove(entry: DeadlineEntry): void {
    const i = entry.index
    if (i < 0 || this.items[i] !== entry) return
    entry.index = -1
    const last = this.items.pop()!
    if (last === entry) return
    this.items[i] = last
    last.index = i
    this.down(i)
    this.up(last.index)
  }

  private swap(i: number, j: number): void {
    const a = this.items[i]!
    const b = this.items[j]!
    this.items[i] = b
    this.items[j] = a
    a.index = j
    b.index = i
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.items[parent]!.at <= this.items[i]!.at) return
      this.swap(i, parent)
      i = parent
    }
  }

  private down(i: number): void {
    const n = this.items.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.items[l]!.at < this.items[m]!.at) m = l
      if (r < n && this.items[r]!.at < this.items[m]!.at) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }
}
