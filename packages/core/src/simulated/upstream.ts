import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Result from "effect/Result"
import type { Endpoint } from "../catalog/endpoint.js"
import { type ChunkRead, type ChunkSource, chunkStream } from "../provider/chunk-source.js"
import type {
  ChatCall,
  ChatDone,
  ChatResult,
  ChatStream,
  JsonObject,
  ProviderClient,
  StreamDone,
} from "../provider/contract.js"
import { type ProviderError, RateLimited, TransportError, UpstreamServerError } from "../provider/errors.js"
import type { CapacitySignals } from "../provider/usage.js"
import {
  type CompletionIds,
  completionBody,
  contentChunk,
  finishChunk,
  roleChunk,
  usageChunk,
} from "./completion-body.js"
import { intSampler, sampler, type Uniform } from "./distribution.js"
import { admit, type LeakyBucket, makeBucket, reconcile, timeUntilFits } from "./leaky-bucket.js"
import { type CacheUse, NO_CACHE_USE, PromptCacheModel, promptPrefixes } from "./prompt-cache.js"
import { readRequestShape } from "./request-shape.js"
import { sliceWords, textOf } from "./text.js"
import { type After, afterOn, type CallbackClock, callbacksOf } from "./timer.js"
import {
  upstreamDefaults as defaults,
  type OutageWindow,
  type SimulatedEndpointOptions,
  type SimulatedUpstreamOptions,
} from "./upstream-config.js"

/** What a simulation (or a test) can read about one endpoint of a simulated upstream. */
export interface EndpointProbe {
  readonly endpoint: string
  readonly tokensPerMinute: number | undefined
  /** Bucket level / size now (0 when unmetered). */
  readonly utilization: number
  readonly requests: number
  readonly rateLimited: number
  readonly outageFailures: number
  readonly serverErrors: number
  readonly midStreamFailures: number
  readonly completed: number
  /** Tokens charged to the meter after reconciliation (prompt + output × weight), all time. */
  readonly chargedTokens: number
  readonly promptTokens: number
  readonly completionTokens: number
}

/** A deterministic, in-process model of one provider's endpoints (no network). */
export interface SimulatedUpstream {
  readonly slug: string
  readonly client: ProviderClient
  /** Counters and meter state of every endpoint called so far (time read from `Clock`). */
  readonly probe: Effect.Effect<ReadonlyArray<EndpointProbe>>
  /** The same, synchronously at a time the caller read from its clock. */
  readonly probeAt: (now: number) => ReadonlyArray<EndpointProbe>
}

interface Counters {
  requests: number
  rateLimited: number
  outageFailures: number
  serverErrors: number
  midStreamFailures: number
  completed: number
  chargedTokens: number
  promptTokens: number
  completionTokens: number
}

interface EndpointSim {
  readonly endpoint: Endpoint
  readonly ttft: (u: Uniform) => number
  readonly tps: (u: Uniform) => number
  readonly outLen: (u: Uniform) => number
  readonly tokens: LeakyBucket | undefined
  readonly requests: LeakyBucket | undefined
  readonly outputWeight: number
  readonly errorRate: number
  readonly midStreamFailureRate: number
  readonly overheadMs: number
  readonly chunkTokens: number
  readonly outages: ReadonlyArray<{ readonly start: number; readonly end: number; readonly kind: string }>
  /** The endpoint's prompt cache, when it has one. */
  readonly cache: PromptCacheModel | undefined
  readonly counters: Counters
}

/** One admitted request, with every random draw already made (fixed order: error, ttft, tps, length, cut). */
interface Admitted {
  readonly sim: EndpointSim
  readonly ids: CompletionIds
  readonly requestId: string
  readonly signals: CapacitySignals
  readonly promptTokens: number
  /** Prompt tokens read from / written to the endpoint's prompt cache. */
  readonly cache: CacheUse
  readonly charge: number
  readonly fail: boolean
  readonly ttftMs: number
  readonly tokensPerSecond: number
  readonly outputTokens: number
  readonly finishReason: "stop" | "length"
  /** Content chunks emitted before a mid-stream reset (undefined: no reset). */
  readonly cutAfterChunks: number | undefined
  /** When it was admitted (Clock ms). */
  readonly at: number
  readonly limit: Limit | undefined
}

/** A non-streamed call's time limit (`ChatCall.deadline`), as a Clock instant. */
interface Limit {
  readonly at: number
  readonly error: () => ProviderError
}

/**
 * Wait `ms` from `now`, unless the call's limit comes first: then wait until the limit and fail
 * with its error, as a cancelled call ends (nothing settled). `ms` may be Infinity (a hang).
 */
const waitWithin = (ms: number, now: number, limit: Limit | undefined): Effect.Effect<void, ProviderError> => {
  if (limit === undefined || now + ms <= limit.at) return Number.isFinite(ms) ? sleep(ms) : Effect.never
  return Effect.andThen(sleep(limit.at - now), Effect.fail(limit.error()))
}

/** A call refused at admission (an outage, a full meter): its failure, or a hang (`error` undefined). */
class Rejected {
  constructor(readonly error: ProviderError | undefined) {}
}

const HANG = new Rejected(undefined)

/**
 * `waitWithin` on a Clock's callbacks: `then()` after `ms` from `now`, or `fail(limit.error())` at the limit
 * when it comes first; never, for an infinite wait without a limit. Returns the wait's cancel.
 */
const waitWithinOn = (
  after: After,
  ms: number,
  now: number,
  limit: Limit | undefined,
  then: () => void,
  fail: (error: ProviderError) => void,
): (() => void) => {
  if (limit === undefined || now + ms <= limit.at) return Number.isFinite(ms) ? after(ms, then) : NOTHING
  return after(limit.at - now, () => fail(limit.error()))
}

const NOTHING = (): void => {}

const genMs = (tokens: number, tps: number): number => (tokens > 1 ? ((tokens - 1) * 1000) / tps : 0)

const sleep = (ms: number): Effect.Effect<void> => (ms > 0 ? Effect.sleep(ms) : Effect.void)

const merged = (base: SimulatedUpstreamOptions, endpoint: Endpoint): SimulatedEndpointOptions => {
  const o = base.endpoints?.[endpoint.slug] ?? base.endpoints?.[endpoint.id]
  return o ? { ...base, ...o } : base
}

/**
 * Make a simulated upstream for provider `slug`. Time comes only from `Clock` and sleeps are
 * `Effect.sleep` (TestClock or a virtual scheduler controls them); randomness comes from a
 * `Random` seeded with `options.seed`, else the caller's `Random` captured now.
 */
export const makeSimulatedUpstream = (
  slug: string,
  options: SimulatedUpstreamOptions,
): Effect.Effect<SimulatedUpstream> =>
  Effect.gen(function* () {
    const rng: Random.Random =
      options.seed !== undefined ? yield* Random.Random.pipe(Random.withSeed(options.seed)) : yield* Random.Random
    const u: Uniform = () => rng.nextDoubleUnsafe()
    const startAt = options.startAt ?? (yield* Clock.currentTimeMillis)
    const sims = new Map<string, EndpointSim>()
    let serial = 0

    const simOf = (endpoint: Endpoint, now: number): EndpointSim => {
      const found = sims.get(endpoint.id)
      if (found) return found
      const o = merged(options, endpoint)
      const tpm = o.capacity?.tokensPerMinute ?? endpoint.capacity?.tokensPerMinute
      const rpm = o.capacity?.requestsPerMinute ?? endpoint.capacity?.requestsPerMinute
      const windowMs = o.capacity?.windowMs ?? 60_000
      const sim: EndpointSim = {
        endpoint,
        ttft: sampler(o.latency ?? defaults.latency),
        tps: sampler(o.throughput ?? defaults.throughput),
        outLen: intSampler(o.outputTokens ?? defaults.outputTokens),
        tokens: tpm !== undefined ? makeBucket(tpm, now, windowMs) : undefined,
        requests: rpm !== undefined ? makeBucket(rpm, now, windowMs) : undefined,
        outputWeight: o.outputWeight ?? endpoint.outputWeight,
        errorRate: o.errorRate ?? 0,
        midStreamFailureRate: o.midStreamFailureRate ?? 0,
        overheadMs: o.overheadMs ?? 0,
        chunkTokens: o.streamChunkTokens ?? defaults.streamChunkTokens,
        cache: o.cache === undefined ? undefined : new PromptCacheModel(o.cache),
        outages: (o.outages ?? []).map((w: OutageWindow) => ({
          start: startAt + w.startMs,
          end: startAt + w.endMs,
          kind: w.kind ?? "unavailable",
        })),
        counters: {
          requests: 0,
          rateLimited: 0,
          outageFailures: 0,
          serverErrors: 0,
          midStreamFailures: 0,
          completed: 0,
          chargedTokens: 0,
          promptTokens: 0,
          completionTokens: 0,
        },
      }
      sims.set(endpoint.id, sim)
      return sim
    }

    const signalsOf = (sim: EndpointSim): CapacitySignals => {
      const t = sim.tokens
      const r = sim.requests
      return {
        ...(t && {
          utilization: t.level / t.size,
          limitTokens: t.perMinute,
          remainingTokens: Math.max(0, Math.floor(t.size - t.level)),
        }),
        ...(r && { limitRequests: r.perMinute, remainingRequests: Math.max(0, Math.floor(r.size - r.level)) }),
      }
    }

    const outageError = (sim: EndpointSim, kind: string): Rejected => {
      sim.counters.outageFailures++
      if (kind === "hang") return HANG
      if (kind === "connect")
        return new Rejected(
          new TransportError({
            provider: slug,
            status: 0,
            kind: "connect",
            message: "connect ECONNREFUSED (simulated outage)",
          }),
        )
      return new Rejected(
        new UpstreamServerError({ provider: slug, status: 503, message: "Service Unavailable (simulated outage)" }),
      )
    }

    /** A rejection as the effect of `chat`/`stream`: the failure at once, or a hang (up to the call's limit). */
    const rejection = (r: Rejected, now: number, limit: Limit | undefined): Effect.Effect<never, ProviderError> =>
      r.error === undefined
        ? Effect.andThen(waitWithin(Number.POSITIVE_INFINITY, now, limit), Effect.never)
        : Effect.fail(r.error)

    /**
     * Outage and meter checks, then the random draws, then `then` with the admitted request and the
     * Clock it runs on. Fails before any token, like a real upstream.
     */
    const begin = <A>(
      call: ChatCall,
      streaming: boolean,
      then: (a: Admitted, clock: Clock.Clock) => Effect.Effect<A, ProviderError>,
    ): Effect.Effect<A, ProviderError> =>
      Effect.clockWith((clock) => {
        const arrived = clock.currentTimeMillisUnsafe()
        const sim = simOf(call.endpoint, arrived)
        const d = call.deadline
        const limit =
          d !== undefined && Number.isFinite(d.timeoutMs) ? { at: arrived + d.timeoutMs, error: d.error } : undefined
        if (sim.overheadMs > 0)
          return Effect.flatMap(
            Effect.andThen(waitWithin(sim.overheadMs, arrived, limit), Clock.currentTimeMillis),
            (now) => {
              const a = admitAt(sim, call, streaming, now, limit)
              return a instanceof Rejected ? rejection(a, now, limit) : then(a, clock)
            },
          )
        const a = admitAt(sim, call, streaming, arrived, limit)
        return a instanceof Rejected ? rejection(a, arrived, limit) : then(a, clock)
      })

    const admitAt = (
      sim: EndpointSim,
      call: ChatCall,
      streaming: boolean,
      now: number,
      limit: Limit | undefined,
    ): Admitted | Rejected => {
      sim.counters.requests++
      for (const w of sim.outages) if (now >= w.start && now < w.end) return outageError(sim, w.kind)
      const shape = readRequestShape(call.body)
      const cap = shape.maxTokens ?? call.endpoint.defaultMaxTokens
      const charge = shape.promptTokens + cap * sim.outputWeight
      const waitTokens = sim.tokens ? timeUntilFits(sim.tokens, charge, now) : 0
      const waitRequests = sim.requests ? timeUntilFits(sim.requests, 1, now) : 0
      const wait = Math.max(waitTokens, waitRequests)
      if (wait > 0) {
        sim.counters.rateLimited++
        const provisioned = call.endpoint.pool === "provisioned"
        return new Rejected(
          new RateLimited({
            provider: slug,
            status: 429,
            retryAfterMs: wait,
            message: provisioned
              ? "Too many requests. Exceeded the Provisioned Throughput."
              : "Resource exhausted, please try again later.",
          }),
        )
      }
      if (sim.tokens) admit(sim.tokens, charge, now)
      if (sim.requests) admit(sim.requests, 1, now)
      const cache =
        sim.cache === undefined
          ? NO_CACHE_USE
          : sim.cache.use(promptPrefixes(call.body, shape.session), shape.promptTokens, now)
      const fail = u() < sim.errorRate
      const ttftMs = sim.ttft(u)
      const tokensPerSecond = Math.max(1e-3, sim.tps(u))
      const wanted = shape.outputTokens ?? sim.outLen(u)
      const outputTokens = Math.min(cap, wanted)
      const chunks = outputTokens === 0 ? 0 : 1 + Math.ceil((outputTokens - 1) / sim.chunkTokens)
      const cutAfterChunks =
        streaming && chunks > 0 && u() < sim.midStreamFailureRate ? Math.floor(u() * chunks) : undefined
      const n = ++serial
      return {
        sim,
        ids: { id: `chatcmpl-sim-${slug}-${n}`, created: Math.floor(now / 1000), model: call.endpoint.upstreamModel },
        requestId: `sim-${slug}-${n}`,
        signals: signalsOf(sim),
        promptTokens: shape.promptTokens,
        cache,
        charge,
        fail,
        ttftMs,
        tokensPerSecond,
        outputTokens,
        finishReason: wanted > cap ? "length" : "stop",
        cutAfterChunks,
        at: now,
        limit,
      }
    }

    /** Correct the meter by the actual charge and count the tokens (at `now`, Clock ms). */
    const settleAt = (a: Admitted, completionTokens: number, now: number): void => {
      const actual = a.promptTokens + completionTokens * a.sim.outputWeight
      if (a.sim.tokens) reconcile(a.sim.tokens, actual - a.charge, now)
      const c = a.sim.counters
      c.chargedTokens += actual
      c.promptTokens += a.promptTokens
      c.completionTokens += completionTokens
    }

    /** A drawn server error, at its TTFT (`now`): nothing served, the meter settled at the prompt alone. */
    const serverErrorAt = (a: Admitted, now: number): ProviderError => {
      settleAt(a, 0, now)
      a.sim.counters.serverErrors++
      return new UpstreamServerError({ provider: slug, status: 500, message: "Internal server error (simulated)" })
    }

    const serverError = (a: Admitted): Effect.Effect<never, ProviderError> =>
      Effect.andThen(
        waitWithin(a.ttftMs, a.at, a.limit),
        Effect.clockWith((clock) => Effect.fail(serverErrorAt(a, clock.currentTimeMillisUnsafe()))),
      )

    /** How long a non-streamed answer takes from admission: its TTFT and the generation of every token. */
    const answerMs = (a: Admitted): number => a.ttftMs + genMs(a.outputTokens, a.tokensPerSecond)

    /** The non-streamed answer, complete at `now`: the meter settled, the completion built. */
    const answerAt = (a: Admitted, now: number): ChatResult => {
      settleAt(a, a.outputTokens, now)
      a.sim.counters.completed++
      return {
        body: completionBody(a.ids, textOf(a.outputTokens), a.finishReason, a.promptTokens, a.outputTokens, a.cache),
        usage: {
          promptTokens: a.promptTokens,
          completionTokens: a.outputTokens,
          cachedTokens: a.cache.read,
          reasoningTokens: 0,
          ...(a.cache.write > 0 && { cacheWriteTokens: a.cache.write }),
        },
        requestId: a.requestId,
        signals: a.signals,
      }
    }

    const chat = (call: ChatCall): Effect.Effect<ChatResult, ProviderError> =>
      begin(call, false, (a, clock) => {
        if (a.fail) return serverError(a)
        return Effect.map(waitWithin(answerMs(a), a.at, a.limit), () => answerAt(a, clock.currentTimeMillisUnsafe()))
      })

    /**
     * `begin` on the callbacks of a `CallbackClock`: the same outage and meter checks, draws and waits at the
     * same instants (each wait one timer of the clock, no fiber or effect), a failure reported through `fail`
     * and an admitted request's own course through `then` (which returns its wait's cancel); returns the cancel
     * of whatever is under way.
     */
    const beginOn = (
      call: ChatCall,
      streaming: boolean,
      clock: CallbackClock,
      fail: (error: ProviderError) => void,
      then: (a: Admitted, after: After) => () => void,
    ): (() => void) => {
      const after = callbacksOf(clock)
      const pending = { cancel: NOTHING }
      const arrived = clock.currentTimeMillisUnsafe()
      const sim = simOf(call.endpoint, arrived)
      const d = call.deadline
      const limit =
        d !== undefined && Number.isFinite(d.timeoutMs) ? { at: arrived + d.timeoutMs, error: d.error } : undefined
      const admitted = (now: number): void => {
        const a = admitAt(sim, call, streaming, now, limit)
        if (!(a instanceof Rejected)) pending.cancel = then(a, after)
        else if (a.error !== undefined) fail(a.error)
        else pending.cancel = waitWithinOn(after, Number.POSITIVE_INFINITY, now, limit, NOTHING, fail)
      }
      if (sim.overheadMs > 0)
        pending.cancel = waitWithinOn(
          after,
          sim.overheadMs,
          arrived,
          limit,
          () => admitted(clock.currentTimeMillisUnsafe()),
          fail,
        )
      else admitted(arrived)
      return () => pending.cancel()
    }

    /** A drawn server error on callbacks: reported through `fail` at its TTFT (or the call's limit). */
    const serverErrorOn = (a: Admitted, after: After, clock: CallbackClock, fail: (e: ProviderError) => void) =>
      waitWithinOn(after, a.ttftMs, a.at, a.limit, () => fail(serverErrorAt(a, clock.currentTimeMillisUnsafe())), fail)

    /** `chat` on the callbacks of a `CallbackClock` (`ProviderClient.chatOn`). */
    const chatOn = (call: ChatCall, clock: CallbackClock, done: ChatDone): (() => void) => {
      const fail = (error: ProviderError): void => done(Result.fail(error))
      return beginOn(call, false, clock, fail, (a, after) =>
        a.fail
          ? serverErrorOn(a, after, clock, fail)
          : waitWithinOn(
              after,
              answerMs(a),
              a.at,
              a.limit,
              () => done(Result.succeed(answerAt(a, clock.currentTimeMillisUnsafe()))),
              fail,
            ),
      )
    }

    /** `stream` on the callbacks of a `CallbackClock` (`ProviderClient.streamOn`). */
    const streamOn = (call: ChatCall, clock: CallbackClock, done: StreamDone): (() => void) => {
      const fail = (error: ProviderError): void => done(Result.fail(error))
      return beginOn(call, true, clock, fail, (a, after) => {
        if (a.fail) return serverErrorOn(a, after, clock, fail)
        done(Result.succeed(new SimulatedStream(a, new SimulatedChunks(slug, a, after, clock, settleAt))))
        return NOTHING
      })
    }

    const stream = (call: ChatCall): Effect.Effect<ChatStream, ProviderError> =>
      begin(call, true, (a, clock) =>
        a.fail
          ? serverError(a)
          : Effect.withFiber((fiber) =>
              Effect.succeed<ChatStream>(
                new SimulatedStream(a, new SimulatedChunks(slug, a, afterOn(clock, fiber.context), clock, settleAt)),
              ),
            ),
      )

    const probeAt = (now: number): ReadonlyArray<EndpointProbe> =>
      [...sims.values()].map((s): EndpointProbe => {
        if (s.tokens) reconcile(s.tokens, 0, now)
        return {
          endpoint: s.endpoint.id,
          tokensPerMinute: s.tokens?.perMinute,
          utilization: s.tokens ? s.tokens.level / s.tokens.size : 0,
          ...s.counters,
        }
      })

    // `chat` keeps `ChatCall.deadline` itself: it knows when its answer is due, so it fails at the
    // limit without a fiber or timer of the router's (streams are timed by the router).
    return {
      slug,
      client: { enforcesDeadline: true, chat, chatOn, stream, streamOn },
      probe: Effect.map(Clock.currentTimeMillis, probeAt),
      probeAt,
    }
  })

/** A simulated answer's stream: its chunks are read from `source` (the `Stream` view is made only when read). */
class SimulatedStream implements ChatStream {
  readonly requestId: string
  readonly signals: CapacitySignals
  private view: ChatStream["chunks"] | undefined = undefined

  constructor(
    a: Admitted,
    readonly source: SimulatedChunks,
  ) {
    this.requestId = a.requestId
    this.signals = a.signals
  }

  get chunks(): ChatStream["chunks"] {
    this.view ??= chunkStream(this.source)
    return this.view
  }
}

/**
 * A simulated stream as a pull of chunk batches, one timer per wait (no fiber, no effect per chunk): at
 * TTFT the role chunk with the first token, then a content chunk each time `chunkTokens` more tokens are
 * out (at the throughput), the last one together with the finish and usage chunks. A mid-stream reset
 * fails the read when the next content chunk would have been due. The meter is settled once, when the
 * stream is read to its end or cancelled (cut or closed by the reader).
 */
class SimulatedChunks implements ChunkSource<JsonObject, ProviderError> {
  /** Content chunks emitted. */
  private k = 0
  private elapsed = 0
  private emittedTokens = 0
  private finished = false
  private settled = false
  /** Cancels the timer of the batch being waited for. */
  private pending: (() => void) | undefined = undefined

  constructor(
    private readonly slug: string,
    private readonly a: Admitted,
    private readonly after: After,
    private readonly clock: Clock.Clock,
    private readonly settleAt: (a: Admitted, completionTokens: number, now: number) => void,
  ) {}

  read(done: ChunkRead<JsonObject, ProviderError>): void {
    const a = this.a
    if (this.finished) {
      this.settle()
      done(undefined, undefined)
      return
    }
    const n = a.outputTokens
    if (n === 0) {
      this.finished = true
      a.sim.counters.completed++
      this.elapsed = a.ttftMs
      this.emit(
        done,
        [roleChunk(a.ids), finishChunk(a.ids, a.finishReason), usageChunk(a.ids, a.promptTokens, 0, a.cache)],
        a.ttftMs,
      )
      return
    }
    const per = a.sim.chunkTokens
    const total = 1 + Math.ceil((n - 1) / per)
    const k = this.k
    const from = this.emittedTokens
    const to = Math.min(n, 1 + k * per)
    const due = a.ttftMs + genMs(to, a.tokensPerSecond)
    const wait = due - this.elapsed
    this.elapsed = due
    if (a.cutAfterChunks === k) {
      this.finished = true
      this.wait(wait, () => {
        a.sim.counters.midStreamFailures++
        done(
          new TransportError({
            provider: this.slug,
            status: 200,
            kind: "reset",
            message: "stream ended without finish_reason: connection reset (simulated)",
          }),
          undefined,
        )
      })
      return
    }
    const batch: Array<JsonObject> = k === 0 ? [roleChunk(a.ids)] : []
    batch.push(contentChunk(a.ids, sliceWords(from, to)))
    this.k = k + 1
    this.emittedTokens = to
    if (k + 1 === total) {
      this.finished = true
      a.sim.counters.completed++
      batch.push(finishChunk(a.ids, a.finishReason), usageChunk(a.ids, a.promptTokens, n, a.cache))
    }
    this.emit(done, batch, wait)
  }

  cancel(): void {
    const pending = this.pending
    this.pending = undefined
    pending?.()
    this.finished = true
    this.settle()
  }

  private emit(done: ChunkRead<JsonObject, ProviderError>, batch: ReadonlyArray<JsonObject>, wait: number): void {
    this.wait(wait, () => done(undefined, batch))
  }

  private wait(ms: number, f: () => void): void {
    if (ms <= 0) {
      f()
      return
    }
    this.pending = this.after(ms, () => {
      this.pending = undefined
      f()
    })
  }

  private settle(): void {
    if (this.settled) return
    this.settled = true
    this.settleAt(this.a, this.emittedTokens, this.clock.currentTimeMillisUnsafe())
  }
}
