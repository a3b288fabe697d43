/** What an `IndexedHeap` keeps in each entry: its position, -1 while it is not in a heap. */
export interface HeapEntry {
  index: number
}

/**
 * A binary min-heap (by `before`) whose entries know their position, so any entry is removed in
 * O(log n) and a cancelled timer or finished call leaves nothing behind. Used for the router's
 * deadlines and the simulator's virtual-time timers.
 */
export class IndexedHeap<T extends HeapEntry> {
  private readonly items: Array<T> = []

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  add(entry: T): void {
    entry.index = this.items.length
    this.items.push(entry)
    this.up(entry.index)
  }

  /** Remove `entry` if it is still in the heap. */
  remove(entry: T): void {
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
      if (!this.before(this.items[i]!, this.items[parent]!)) return
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
      if (l < n && this.before(this.items[l]!, this.items[m]!)) m = l
      if (r < n && this.before(this.items[r]!, this.items[m]!)) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }
}
