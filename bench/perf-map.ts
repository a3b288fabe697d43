// V8's `--perf-basic-prof` appends one line per compiled code object to /tmp/perf-<pid>.map ("<start> <size> <name>",
// hex) and never takes one back: when code is collected, its address range is reused by later code, and the map then
// holds two names for the same addresses. `perf script` resolves such an address to either one; in a long profile it
// often picks the stale entry — a start-up function (`realpathSync`, `packageExportsResolve`) named on stacks of
// request-path code compiled later at the same address. `latestJitEntries` keeps, for every address, only the entry
// written last (the code that lives there now; a profile's samples come after the warm-up, when the hot code is in
// place), so each sample is charged to the code that was running.

interface Entry {
  readonly start: bigint
  readonly end: bigint
  readonly line: string
}

/** The map's lines without those overlapped by a later line (order kept). */
export const latestJitEntries = (map: string): string => {
  const entries: Array<Entry> = []
  for (const line of map.split("\n")) {
    const m = /^([0-9a-fA-F]+) ([0-9a-fA-F]+) /.exec(line)
    if (m === null) continue
    const start = BigInt(`0x${m[1]}`)
    entries.push({ start, end: start + BigInt(`0x${m[2]}`), line })
  }
  // walk from the last written back; `kept` holds the ranges already claimed, sorted by start
  const kept: Array<Entry> = []
  const keep = new Array<boolean>(entries.length).fill(false)
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!
    // first kept range that starts at or after e.start
    let lo = 0
    let hi = kept.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (kept[mid]!.start < e.start) lo = mid + 1
      else hi = mid
    }
    const before = kept[lo - 1]
    const after = kept[lo]
    if ((before !== undefined && before.end > e.start) || (after !== undefined && after.start < e.end)) continue
    kept.splice(lo, 0, e)
    keep[i] = true
  }
  const out: Array<string> = []
  for (let i = 0; i < entries.length; i++) if (keep[i]) out.push(entries[i]!.line)
  return out.length === 0 ? "" : `${out.join("\n")}\n`
}
