import { Simulated } from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { ResolvedScenario } from "./resolve-scenario.js"

/**
 * The arrivals of one run, as columns (a million requests fit in a few tens of MB). The same
 * trace is replayed for every policy, so policies are compared on identical traffic.
 */
export interface ArrivalTrace {
  readonly count: number
  /** Arrival time, ms from the start of the run (non-decreasing). */
  readonly at: Float64Array
  /** Index into `ResolvedScenario.classes`. */
  readonly klass: Uint8Array
  readonly promptTokens: Uint32Array
  /** Output length the request will produce if not capped by max_tokens. */
  readonly outputTokens: Uint32Array
  /** 1 = streaming. */
  readonly stream: Uint8Array
  /**
   * `max_tokens` each request sends (0: none), when requests differ (a replayed capture); absent: the
   * scenario's `traffic.maxTokens` for all. Further per-request columns (sessions, cached prefixes) go here too.
   */
  readonly maxTokens?: Uint32Array
}

/** Arrival rate (per ms) at time t: base × diurnal curve × every surge active at t. */
export const rateAt = (s: ResolvedScenario, t: number): number => {
  const traffic = s.scenario.traffic
  let rate = traffic.ratePerSecond / 1_000
  const d = traffic.diurnal
  if (d) {
    const period = d.period ?? 86_400_000
    const peak = d.peakAt ?? 14 * 3_600_000
    rate *= 1 + d.amplitude * Math.cos((2 * Math.PI * (t - peak)) / period)
  }
  for (const surge of traffic.surges ?? []) if (t >= surge.start && t < surge.end) rate *= surge.multiplier
  return rate
}

const maxRate = (s: ResolvedScenario): number => {
  const traffic = s.scenario.traffic
  let rate = (traffic.ratePerSecond / 1_000) * (1 + (traffic.diurnal?.amplitude ?? 0))
  for (const surge of traffic.surges ?? []) rate *= Math.max(1, surge.multiplier)
  return rate
}

/** A seeded uniform source (ISAAC, as Effect's `Random.withSeed`). */
export const seededUniform = (seed: string): Simulated.Uniform => {
  const rng = Effect.runSync(Random.Random.pipe(Random.withSeed(seed)))
  return () => rng.nextDoubleUnsafe()
}

/**
 * Non-homogeneous Poisson arrivals by thinning (Lewis–Shedler): candidates at the peak rate,
 * each kept with probability rate(t) / peak. Sizes, class and streaming are drawn per arrival.
 * Deterministic for the scenario's seed.
 */
export const generateTrace = (s: ResolvedScenario): ArrivalTrace => {
  const u = seededUniform(`${s.seed}/traffic`)
  const peak = maxRate(s)
  const prompt = Simulated.intSampler(s.promptTokens, 1)
  const output = Simulated.intSampler(s.outputTokens, 1)
  const cumulative: Array<number> = []
  let acc = 0
  for (const c of s.classes) {
    acc += c.share
    cumulative.push(acc)
  }
  let capacity = Math.max(1_024, Math.ceil(peak * s.durationMs * 0.6))
  let at = new Float64Array(capacity)
  let klass = new Uint8Array(capacity)
  let promptTokens = new Uint32Array(capacity)
  let outputTokens = new Uint32Array(capacity)
  let stream = new Uint8Array(capacity)
  let n = 0
  let t = 0
  for (;;) {
    t += -Math.log(1 - u()) / peak
    if (t >= s.durationMs) break
    if (u() * peak > rateAt(s, t)) continue
    if (n === capacity) {
      capacity *= 2
      const grow = <T extends Float64Array | Uint8Array | Uint32Array>(a: T, make: (n: number) => T): T => {
        const b = make(capacity)
        b.set(a)
        return b
      }
      at = grow(at, (k) => new Float64Array(k))
      klass = grow(klass, (k) => new Uint8Array(k))
      promptTokens = grow(promptTokens, (k) => new Uint32Array(k))
      outputTokens = grow(outputTokens, (k) => new Uint32Array(k))
      stream = grow(stream, (k) => new Uint8Array(k))
    }
    const c = u()
    let k = 0
    while (k < cumulative.length - 1 && c >= cumulative[k]!) k++
    at[n] = t
    klass[n] = k
    promptTokens[n] = prompt(u)
    outputTokens[n] = output(u)
    stream[n] = u() < s.streamingShare ? 1 : 0
    n++
  }
  return {
    count: n,
    at: at.subarray(0, n),
    klass: klass.subarray(0, n),
    promptTokens: promptTokens.subarray(0, n),
    outputTokens: outputTokens.subarray(0, n),
    stream: stream.subarray(0, n),
  }
}
