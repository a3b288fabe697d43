// Latency histogram of the load generator: fixed 10 µs buckets up to 2 s (slower samples kept exactly), so a run
// allocates nothing per response; sparse, so the runs of several load generator processes merge exactly.

const BUCKET_MS = 0.01
const BUCKETS = 200_000

/** Non-empty buckets as [index, count] pairs plus the samples beyond the last bucket (ms). */
export interface SparseHistogram {
  readonly buckets: ReadonlyArray<readonly [number, number]>
  readonly slow: ReadonlyArray<number>
}

export class Latencies {
  private readonly counts = new Uint32Array(BUCKETS)
  private readonly slow: Array<number> = []
  count = 0

  add(ms: number): void {
    const i = Math.floor(ms / BUCKET_MS)
    if (i < BUCKETS) this.counts[i]!++
    else this.slow.push(ms)
    this.count++
  }

  addAll(h: SparseHistogram): void {
    for (const [i, n] of h.buckets) {
      this.counts[i]! += n
      this.count += n
    }
    for (const ms of h.slow) this.add(ms)
  }

  sparse(): SparseHistogram {
    const buckets: Array<readonly [number, number]> = []
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!])
    return { buckets, slow: [...this.slow] }
  }

  /** Nearest-rank percentile (p in 0..100; a bucket's midpoint), undefined without samples. */
  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined
    const rank = Math.min(this.count, Math.max(1, Math.ceil((p / 100) * this.count)))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return (i + 0.5) * BUCKET_MS
    }
    return [...this.slow].sort((a, b) => a - b)[rank - seen - 1]
  }
}
