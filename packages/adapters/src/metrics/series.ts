/**
 * Counters and histograms for the request path, registered in a prom-client `Registry` as custom
 * metrics. prom-client's own `inc`/`observe` validate and hash a labels object on every call; these
 * keep one entry per label combination, found through one `Map` per label (no key string built per
 * call), and build prom-client's metric objects only when scraped.
 */
import type { Registry } from "prom-client"

type Labels = Record<string, string>

/** What prom-client's registry reads from a metric when it renders the exposition text. */
interface Scraped {
  readonly name: string
  readonly help: string
  readonly type: "counter" | "histogram"
  readonly aggregator: "sum"
  readonly values: ReadonlyArray<{ readonly value: number; readonly labels: Labels; readonly metricName?: string }>
}

const labelsOf = (names: ReadonlyArray<string>, values: ReadonlyArray<string>): Labels => {
  const labels: Labels = {}
  for (let i = 0; i < names.length; i++) labels[names[i]!] = values[i]!
  return labels
}

/**
 * One metric's series, one entry per label combination, registered in a prom-client `Registry` (which
 * reads `name`, `help`, `type`, `aggregator`, `get()` and `reset()`).
 */
/** One level of the lookup: the next label's values, or (after the last label) the series. */
interface Level<E> {
  next: Map<string, Level<E>> | undefined
  entry: E | undefined
}

const newLevel = <E>(): Level<E> => ({ next: undefined, entry: undefined })

abstract class Series<E extends { readonly labels: Labels }> {
  /** Every series, in the order they were first used (the scrape's order). */
  protected readonly series: Array<E> = []
  private root: Level<E> = newLevel()
  abstract readonly type: Scraped["type"]
  readonly aggregator = "sum"

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    private readonly labelNames: ReadonlyArray<string>,
  ) {
    registry.registerMetric(this as never)
  }

  /** A new series for these labels. */
  protected abstract make(labels: Labels): E

  /** The series with these label values (in `labelNames` order), created on first use. */
  protected entry(labelValues: ReadonlyArray<string>): E {
    let level = this.root
    for (let i = 0; i < labelValues.length; i++) {
      const value = labelValues[i]!
      let next = level.next?.get(value)
      if (next === undefined) {
        next = newLevel()
        level.next ??= new Map()
        level.next.set(value, next)
      }
      level = next
    }
    let entry = level.entry
    if (entry === undefined) {
      entry = this.make(labelsOf(this.labelNames, labelValues))
      level.entry = entry
      this.series.push(entry)
    }
    return entry
  }

  abstract get(): Scraped

  reset(): void {
    this.series.length = 0
    this.root = newLevel()
  }
}

interface CounterEntry {
  readonly labels: Labels
  value: number
}

export class CounterSeries extends Series<CounterEntry> {
  readonly type = "counter"

  protected make(labels: Labels): CounterEntry {
    return { labels, value: 0 }
  }

  /** Add `value` to the series with these label values (in `labelNames` order). */
  inc(value: number, ...labelValues: Array<string>): void {
    this.entry(labelValues).value += value
  }

  get(): Scraped {
    return {
      name: this.name,
      help: this.help,
      type: "counter",
      aggregator: "sum",
      values: this.series.map((e) => ({ value: e.value, labels: e.labels })),
    }
  }
}

interface HistogramEntry {
  readonly labels: Labels
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array
  sum: number
  count: number
}

export class HistogramSeries extends Series<HistogramEntry> {
  readonly type = "histogram"

  constructor(
    registry: Registry,
    name: string,
    help: string,
    labelNames: ReadonlyArray<string>,
    private readonly buckets: ReadonlyArray<number>,
  ) {
    super(registry, name, help, labelNames)
  }

  protected make(labels: Labels): HistogramEntry {
    return { labels, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 }
  }

  observe(value: number, ...labelValues: Array<string>): void {
    const entry = this.entry(labelValues)
    let i = 0
    while (i < this.buckets.length && value > this.buckets[i]!) i++
    entry.counts[i]! += 1
    entry.sum += value
    entry.count += 1
  }

  get(): Scraped {
    const values: Array<Scraped["values"][number]> = []
    for (const e of this.series) {
      let cumulative = 0
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += e.counts[i]!
        const le = i < this.buckets.length ? String(this.buckets[i]) : "+Inf"
        values.push({ metricName: `${this.name}_bucket`, labels: { ...e.labels, le }, value: cumulative })
      }
      values.push({ metricName: `${this.name}_sum`, labels: e.labels, value: e.sum })
      values.push({ metricName: `${this.name}_count`, labels: e.labels, value: e.count })
    }
    return { name: this.name, help: this.help, type: "histogram", aggregator: "sum", values }
  }
}
