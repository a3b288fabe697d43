import { Simulated } from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import { conversationLeadIn } from "./conversation-span.js"
import { surgePeak } from "./peak-rate.js"
import type { ResolvedScenario } from "./resolve-scenario.js"
import type { Sessions } from "./scenario.js"

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
   * scenario's `traffic.maxTokens` for all. Further per-request columns go here too.
   */
  readonly maxTokens?: Uint32Array
  /**
   * The conversation each request is a turn of (1-based; 0: a one-off request), when the traffic has
   * `sessions`: a turn's prompt is the previous turn's prompt + its answer + a new message.
   */
  readonly session?: Uint32Array
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

/**
 * A bound on `rateAt` over `[from, duration)`, the thinning's candidate rate (per ms): base × the
 * diurnal curve's top × the largest product of surges active at the same time within the window.
 */
export const peakRate = (s: ResolvedScenario, from = 0): number => {
  const traffic = s.scenario.traffic
  const base = (traffic.ratePerSecond / 1_000) * (1 + (traffic.diurnal?.amplitude ?? 0))
  return base * surgePeak(traffic.surges ?? [], from, s.durationMs)
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
  if (s.scenario.traffic.sessions !== undefined) return generateSessionTrace(s, s.scenario.traffic.sessions)
  const u = seededUniform(`${s.seed}/traffic`)
  const prompt = Simulated.intSampler(s.promptTokens, 1)
  const output = Simulated.intSampler(s.outputTokens, 1)
  const pick = classPicker(s)
  let capacity = Math.max(1_024, Math.ceil(peakRate(s) * s.durationMs * 0.6))
  let at = new Float64Array(capacity)
  let klass = new Uint8Array(capacity)
  let promptTokens = new Uint32Array(capacity)
  let outputTokens = new Uint32Array(capacity)
  let stream = new Uint8Array(capacity)
  let n = 0
  arrivals(s, 1, u, (t) => {
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
    at[n] = t
    klass[n] = pick(u())
    promptTokens[n] = prompt(u)
    outputTokens[n] = output(u)
    stream[n] = u() < s.streamingShare ? 1 : 0
    n++
  })
  return {
    count: n,
    at: at.subarray(0, n),
    klass: klass.subarray(0, n),
    promptTokens: promptTokens.subarray(0, n),
    outputTokens: outputTokens.subarray(0, n),
    stream: stream.subarray(0, n),
  }
}

const sessionDefaults = {
  turns: { type: "lognormal", median: 6, p90: 16 },
  gap: { type: "lognormal", median: 20_000, p90: 90_000 },
  systemTokens: { type: "lognormal", median: 3_000, p90: 8_000 },
  messageTokens: { type: "lognormal", median: 120, p90: 500 },
} as const satisfies Required<Omit<Sessions, "share">>

/** A class index drawn by the classes' cumulative shares. */
const classPicker = (s: ResolvedScenario) => {
  const cumulative: Array<number> = []
  let acc = 0
  for (const c of s.classes) {
    acc += c.share
    cumulative.push(acc)
  }
  return (c: number): number => {
    let k = 0
    while (k < cumulative.length - 1 && c >= cumulative[k]!) k++
    return k
  }
}

/**
 * Arrival times in `[from, duration)` of a Poisson process at `scale` × the scenario's rate curve
 * (thinning), deterministic for `u`.
 */
const arrivals = (
  s: ResolvedScenario,
  scale: number,
  u: Simulated.Uniform,
  each: (t: number) => void,
  from = 0,
): void => {
  const peak = peakRate(s, from) * scale
  if (peak <= 0) return
  let t = from
  for (;;) {
    t += -Math.log(1 - u()) / peak
    if (t >= s.durationMs) return
    if (u() * peak <= rateAt(s, t) * scale) each(t)
  }
}

/**
 * Arrivals with conversations (`traffic.sessions`): conversations start as a Poisson process at
 * share × rate ÷ mean turns (so turns and one-off requests together follow the scenario's rate); each
 * is one traffic class and one streaming mode, and its turns come `gap` apart. The process starts a
 * lead-in before the run (`conversationLeadIn`) so the run opens with conversations under way; turns
 * before the start and past the end are dropped (those before still grow the prefix). Turn k's prompt is the system tokens, every earlier message and answer (each
 * answer capped by `max_tokens`), and its own message: a growing prefix. One-off requests draw sizes as
 * without sessions. Deterministic for the scenario's seed.
 */
const generateSessionTrace = (s: ResolvedScenario, sessions: Sessions): ArrivalTrace => {
  const u = seededUniform(`${s.seed}/traffic`)
  const share = sessions.share ?? 1
  const turns = Simulated.intSampler(sessions.turns ?? sessionDefaults.turns, 1)
  const gap = Simulated.sampler(sessions.gap ?? sessionDefaults.gap)
  const system = Simulated.intSampler(sessions.systemTokens ?? sessionDefaults.systemTokens, 1)
  const message = Simulated.intSampler(sessions.messageTokens ?? sessionDefaults.messageTokens, 1)
  const prompt = Simulated.intSampler(s.promptTokens, 1)
  const output = Simulated.intSampler(s.outputTokens, 1)
  const pick = classPicker(s)
  // mean turns per conversation, estimated once from a stream of its own
  const m = seededUniform(`${s.seed}/traffic/turns`)
  let sum = 0
  for (let i = 0; i < 20_000; i++) sum += turns(m)
  const meanTurns = sum / 20_000
  const leadIn = conversationLeadIn(turns, gap, s.durationMs, seededUniform(`${s.seed}/traffic/span`))

  const at: Array<number> = []
  const klass: Array<number> = []
  const promptTokens: Array<number> = []
  const outputTokens: Array<number> = []
  const stream: Array<number> = []
  const session: Array<number> = []
  const push = (t: number, k: number, p: number, o: number, st: number, id: number) => {
    at.push(t)
    klass.push(k)
    promptTokens.push(p)
    outputTokens.push(o)
    stream.push(st)
    session.push(id)
  }
  let conversations = 0
  arrivals(
    s,
    share / meanTurns,
    u,
    (t0) => {
      let id = 0 // numbered at its first turn in the run
      const k = pick(u())
      const st = u() < s.streamingShare ? 1 : 0
      const n = turns(u)
      let prefix = system(u)
      let t = t0
      for (let j = 0; j < n && t < s.durationMs; j++) {
        const p = prefix + message(u)
        const o = output(u)
        if (t >= 0) {
          if (id === 0) id = ++conversations
          push(t, k, p, o, st, id)
        }
        prefix = p + Math.min(o, s.maxTokens ?? o)
        t += gap(u)
      }
    },
    -leadIn,
  )
  if (share < 1)
    arrivals(s, 1 - share, u, (t) => push(t, pick(u()), prompt(u), output(u), u() < s.streamingShare ? 1 : 0, 0))

  const order = Array.from({ length: at.length }, (_, i) => i).sort((a, b) => at[a]! - at[b]! || a - b)
  const column = <T extends Float64Array | Uint8Array | Uint32Array>(
    make: (n: number) => T,
    from: Array<number>,
  ): T => {
    const c = make(order.length)
    for (let i = 0; i < order.length; i++) c[i] = from[order[i]!]!
    return c
  }
  return {
    count: order.length,
    at: column((n) => new Float64Array(n), at),
    klass: column((n) => new Uint8Array(n), klass),
    promptTokens: column((n) => new Uint32Array(n), promptTokens),
    outputTokens: column((n) => new Uint32Array(n), outputTokens),
    stream: column((n) => new Uint8Array(n), stream),
    session: column((n) => new Uint32Array(n), session),
  }
}
