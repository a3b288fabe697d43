import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { IndexedHeap } from "../src/indexed-heap.js"

interface Entry {
  readonly at: number
  index: number
}

const entry = (at: number): Entry => ({ at, index: -1 })
const byAt = () => new IndexedHeap<Entry>((a, b) => a.at < b.at)

describe("IndexedHeap", () => {
  it("always exposes the earliest pending deadline, whatever was added and removed before", () => {
    const op = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 1_000 }) }),
      fc.record({ remove: fc.nat() }),
      fc.record({ pop: fc.constant(true) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = byAt()
        const pending: Array<Entry> = []
        for (const o of ops) {
          if ("add" in o) {
            const e = entry(o.add)
            heap.add(e)
            pending.push(e)
          } else if ("remove" in o) {
            if (pending.length === 0) continue
            const [e] = pending.splice(o.remove % pending.length, 1)
            heap.remove(e!)
            expect(e!.index).toBe(-1)
          } else {
            const top = heap.peek()
            if (top === undefined) continue
            heap.remove(top)
            pending.splice(pending.indexOf(top), 1)
          }
          expect(heap.size).toBe(pending.length)
          const earliest = pending.reduce((m, e) => Math.min(m, e.at), Number.POSITIVE_INFINITY)
          expect(heap.peek()?.at ?? Number.POSITIVE_INFINITY).toBe(earliest)
        }
      }),
    )
  })

  it("ignores removing an entry twice or one that was never added", () => {
    const heap = byAt()
    const a = entry(5)
    const b = entry(3)
    heap.add(a)
    heap.add(b)
    heap.remove(b)
    heap.remove(b)
    heap.remove(entry(1))
    expect(heap.size).toBe(1)
    expect(heap.peek()).toBe(a)
  })
})
