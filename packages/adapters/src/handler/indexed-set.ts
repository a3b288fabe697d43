/** An entry of an `IndexedSet`: its place in the set (-1 while it is not in one). */
export interface Indexed {
  at: number
}

/**
 * An unordered set of entries that know their place: `add` and `remove` without a lookup (a removed entry's place
 * is taken by the last one).
 *
 *   const open = new IndexedSet<{ res: ServerResponse; at: number }>()
 *   const entry = { res, at: -1 }
 *   open.add(entry)        // … later, once:
 *   open.remove(entry)     // nothing when it is not in
 *
 * For what a long-lived server adds and removes once per request, instead of a `Map` or `Set`: V8 rebuilds their
 * table every few dozen inserts and deletes, and each table it drops keeps a pointer to the next one (for iterators
 * in progress). Once one of those tables has been promoted to the old generation, a scavenge cannot tell it is dead,
 * so every later table, everything they held and all that it reaches (whole requests) survive each scavenge until
 * the next full collection, and are promoted in turn (bench/README.md, "What survives a scavenge").
 */
export class IndexedSet<E extends Indexed> {
  private readonly items: Array<E> = []

  get size(): number {
    return this.items.length
  }

  add(entry: E): void {
    entry.at = this.items.length
    this.items.push(entry)
  }

  remove(entry: E): void {
    const at = entry.at
    if (at < 0) return
    entry.at = -1
    const last = this.items.pop()!
    if (last !== entry) {
      this.items[at] = last
      last.at = at
    }
  }

  /** The entries, as a copy: removing entries while going through it is safe. */
  values(): Array<E> {
    return this.items.slice()
  }
}
