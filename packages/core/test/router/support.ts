import { Cause, Clock, Effect, Exit, Fiber, Layer, Result, Schema, Stream } from "effect"
import { TestClock } from "effect/testing"
import type { Catalog } from "../../src/catalog/catalog.js"
import {
  type ActiveDeployment,
  CapacityMeter,
  type CapacityShape,
  type ChatCall,
  decodeCatalog,
  type HealthOptions,
  type JsonObject,
  type LiveStateServices,
  LocalLiveState,
  liveStateContext,
  type ProviderClient,
  type ProviderError,
  RateLimited,
  type RouteRequest,
  Router,
  RoutingRequest,
  routerLayer,
  type StatsOptions,
  UpstreamServerError,
} from "../../src/index.js"
import type { CapacitySignals } from "../../src/provider/usage.js"

/** What the fake upstream does for one call. Times are TestClock milliseconds. */
export type Behavior =
  | {
      readonly _tag: "ok"
      readonly latencyMs?: number
      readonly completionTokens?: number
      readonly promptTokens?: number
      /** Prompt tokens the upstream reports as read from its prompt cache. */
      readonly cachedTokens?: number
      readonly signals?: CapacitySignals
    }
  | { readonly _tag: "fail"; readonly error: (slug: string) => ProviderError; readonly latencyMs?: number }
  | {
      readonly _tag: "stream"
      /** Delay before the upstream answers 200 (headers). */
      readonly headersMs?: number
      /** Delay before each chunk. */
      readonly chunkMs?: number
      /** Content chunks to send (each "tok "). */
      readonly tokens?: number
      /** Fail with this error after sending `failAfter` content chunks (0 = before the first). */
      readonly failAfter?: number
      readonly error?: (slug: string) => ProviderError
      /** Send a final usage chunk (default true). */
      readonly usage?: boolean
      /** The upstream's own `provider`, sent on every chunk (as OpenRouter does). */
      readonly upstreamProvider?: string
    }
  | { readonly _tag: "hang" }

export const ok = (o: Omit<Extract<Behavior, { _tag: "ok" }>, "_tag"> = {}): Behavior => ({ _tag: "ok", ...o })
export const fail = (error: (slug: string) => ProviderError, latencyMs = 0): Behavior => ({
  _tag: "fail",
  error,
  latencyMs,
})
export const stream = (o: Omit<Extract<Behavior, { _tag: "stream" }>, "_tag"> = {}): Behavior => ({
  _tag: "stream",
  ...o,
})
export const hang: Behavior = { _tag: "hang" }

export const rateLimited =
  (retryAfterMs?: number) =>
  (slug: string): ProviderError =>
    new RateLimited({
      provider: slug,
      status: 429,
      message: "Too many requests",
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    })
export const serverError = (slug: string): ProviderError =>
  new UpstreamServerError({ provider: slug, status: 500, message: "Internal error" })

export interface CallRecord {
  readonly slug: string
  readonly endpoint: string
  readonly at: number
  readonly body: JsonObject
  readonly streamed: boolean
  /** The `traceparent` the call carried. */
  readonly traceparent: string | undefined
  /** When this (streamed) call emitted its first content chunk. */
  firstContentAt?: number
}

/**
 * In-process upstream for router tests: one `ProviderClient` per provider, answering from a script
 * per endpoint slug (a queue of behaviors, then a default). Records every call, every interrupted
 * call and every stream the router closed.
 */
export class FakeUpstream {
  readonly calls: Array<CallRecord> = []
  readonly interrupted: Array<string> = []
  readonly closedStreams: Array<string> = []
  private readonly queues = new Map<string, Array<Behavior>>()
  private readonly defaults = new Map<string, Behavior>()

  /** Next calls to `slug` behave like this, in order; then the default. */
  script(slug: string, ...behaviors: ReadonlyArray<Behavior>): this {
    this.queues.set(slug, [...(this.queues.get(slug) ?? []), ...behaviors])
    return this
  }

  always(slug: string, behavior: Behavior): this {
    this.defaults.set(slug, behavior)
    return this
  }

  callsTo(slug: string): number {
    return this.calls.filter((c) => c.slug === slug).length
  }

  private next(slug: string): Behavior {
    const queued = this.queues.get(slug)?.shift()
    return queued ?? this.defaults.get(slug) ?? ok()
  }

  private record(call: ChatCall, streamed: boolean): Effect.Effect<CallRecord> {
    const { endpoint, body, traceparent } = call
    return Effect.map(Clock.currentTimeMillis, (at) => {
      const record: CallRecord = { slug: endpoint.slug, endpoint: endpoint.id, at, body, streamed, traceparent }
      this.calls.push(record)
      return record
    })
  }

  readonly client: ProviderClient = {
    chat: (call) =>
      Effect.gen({ self: this }, function* () {
        yield* this.record(call, false)
        const b = this.next(call.endpoint.slug)
        const slug = call.endpoint.slug
        switch (b._tag) {
          case "hang":
            return yield* Effect.never
          case "fail":
            yield* Effect.sleep(b.latencyMs ?? 0)
            return yield* Effect.fail(b.error(slug))
          case "stream":
          case "ok": {
            yield* Effect.sleep(b._tag === "ok" ? (b.latencyMs ?? 100) : (b.headersMs ?? 0) + (b.chunkMs ?? 10) * 5)
            if (b._tag === "stream" && b.failAfter !== undefined)
              return yield* Effect.fail((b.error ?? serverError)(slug))
            const usage = {
              promptTokens: b._tag === "ok" ? (b.promptTokens ?? 10) : 10,
              completionTokens: b._tag === "ok" ? (b.completionTokens ?? 20) : (b.tokens ?? 3),
              cachedTokens: b._tag === "ok" ? (b.cachedTokens ?? 0) : 0,
              reasoningTokens: 0,
            }
            return {
              body: {
                id: `cmpl-${slug}`,
                object: "chat.completion",
                model: call.endpoint.upstreamModel,
                choices: [
                  { index: 0, message: { role: "assistant", content: `hello from ${slug}` }, finish_reason: "stop" },
                ],
                usage: {
                  prompt_tokens: usage.promptTokens,
                  completion_tokens: usage.completionTokens,
                  total_tokens: 30,
                },
              },
              usage,
              requestId: undefined,
              signals: b._tag === "ok" ? (b.signals ?? {}) : {},
            }
          }
        }
      }).pipe(Effect.onInterrupt(() => Effect.sync(() => this.interrupted.push(call.endpoint.slug)))),
    stream: (call) =>
      Effect.gen({ self: this }, function* () {
        const record = yield* this.record(call, true)
        const behavior = this.next(call.endpoint.slug)
        const slug = call.endpoint.slug
        if (behavior._tag === "hang") return yield* Effect.never
        if (behavior._tag === "fail") {
          yield* Effect.sleep(behavior.latencyMs ?? 0)
          return yield* Effect.fail(behavior.error(slug))
        }
        const b: Extract<Behavior, { _tag: "stream" }> =
          behavior._tag === "stream" ? behavior : { _tag: "stream", headersMs: behavior.latencyMs ?? 100 }
        yield* Effect.sleep(b.headersMs ?? 0)
        const tokens = b.tokens ?? 3
        const chunk = (delta: JsonObject, finish: string | null = null): JsonObject => ({
          id: `chunk-${slug}`,
          object: "chat.completion.chunk",
          created: 1,
          model: call.endpoint.upstreamModel,
          ...(b.upstreamProvider === undefined ? {} : { provider: b.upstreamProvider }),
          choices: [{ index: 0, delta, finish_reason: finish }],
        })
        const content =
          (i: number) =>
          (now: number): JsonObject => {
            record.firstContentAt ??= now
            return chunk({ content: `${slug}-${i} ` })
          }
        const items: Array<(now: number) => JsonObject | ProviderError> = [
          () => chunk({ role: "assistant", content: "" }),
        ]
        for (let i = 0; i < tokens; i++) {
          if (b.failAfter === i) items.push(() => (b.error ?? serverError)(slug))
          items.push(content(i))
        }
        if (b.failAfter !== undefined && b.failAfter >= tokens) items.push(() => (b.error ?? serverError)(slug))
        items.push(() => chunk({}, "stop"))
        if (b.usage ?? true)
          items.push(() => ({
            id: `chunk-${slug}`,
            object: "chat.completion.chunk",
            created: 1,
            model: call.endpoint.upstreamModel,
            ...(b.upstreamProvider === undefined ? {} : { provider: b.upstreamProvider }),
            choices: [],
            usage: { prompt_tokens: 10, completion_tokens: tokens, total_tokens: 10 + tokens },
          }))
        const chunks: Stream.Stream<JsonObject, ProviderError> = Stream.fromArray(items).pipe(
          Stream.mapEffect((make) =>
            Effect.andThen(Effect.sleep(b.chunkMs ?? 10), () =>
              Effect.flatMap(Clock.currentTimeMillis, (now) => {
                const item = make(now)
                return "_tag" in item ? Effect.fail(item as ProviderError) : Effect.succeed(item)
              }),
            ),
          ),
          Stream.ensuring(Effect.sync(() => this.closedStreams.push(slug))),
        )
        return { requestId: undefined, signals: {}, chunks }
      }).pipe(Effect.onInterrupt(() => Effect.sync(() => this.interrupted.push(call.endpoint.slug)))),
  }
}

/** A catalog from a compact spec: one or more models, each with endpoints. */
export const catalogOf = (config: unknown): Catalog => {
  const r = decodeCatalog(config)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}

/** A catalog with one model; its providers (kind "fake") are the endpoints' providers. */
export const modelCatalog = (
  id: string,
  endpoints: ReadonlyArray<Record<string, unknown>>,
  routing?: Record<string, unknown>,
): Catalog =>
  catalogOf({
    providers: [...new Set(endpoints.map((e) => e.provider as string))].map((slug) => ({ slug, kind: "fake" })),
    models: [{ id, endpoints }],
    ...(routing === undefined ? {} : { routing }),
  })

/** A standard endpoint on the usual terms (price 1/2, 100 000 context, 100 expected output tokens); `over` changes them. */
export const standard = (provider: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  provider,
  price: { prompt: 1, completion: 2 },
  contextLength: 100_000,
  defaultMaxTokens: 100,
  ...over,
})

/** The provisioned endpoint `vertex/pt` on the same terms; `over` sets its capacity, price, output weight. */
export const provisioned = (over: Record<string, unknown> = {}): Record<string, unknown> =>
  standard("vertex", { variant: "pt", pool: "provisioned", ...over })

/** The reference scenario: a model with two standard endpoints and a PT endpoint. */
export const ptCatalog = (routing: Record<string, unknown> = {}, ptCapacity = 100_000): Catalog =>
  modelCatalog(
    "gemini",
    [
      standard("studio"),
      standard("other", { price: { prompt: 2, completion: 4 } }),
      provisioned({ capacity: { tokensPerMinute: ptCapacity }, outputWeight: 4 }),
    ],
    routing,
  )

const decodeRouting = Schema.decodeUnknownSync(RoutingRequest)

/** A RouteRequest from a chat body. */
export const requestOf = (body: JsonObject, extra: Partial<RouteRequest> = {}): RouteRequest => ({
  body,
  routing: decodeRouting(body),
  estimatedPromptTokens: 100,
  ...extra,
})

export const chat = (extra: JsonObject = {}): JsonObject => ({
  model: "gemini",
  messages: [{ role: "user", content: "hi" }],
  ...extra,
})

export interface EnvOptions {
  readonly stats?: StatsOptions
  readonly health?: HealthOptions
  readonly seed?: number
  /** Wrap the in-memory CapacityMeter (every reservation, `LiveState.admit`'s included, goes through it). */
  readonly capacity?: (inner: CapacityShape) => CapacityShape
  /** Use this client for a provider slug instead of the fake upstream's. */
  readonly clients?: Readonly<Record<string, ProviderClient>>
}

/** Router + in-memory services + seeded Random + TestClock, as one layer for a test. */
export const routerEnv = (catalog: Catalog, upstream: FakeUpstream, o: EnvOptions = {}) => {
  const clients = new Map<string, ProviderClient>(
    catalog.config.providers.map((p) => [p.slug, o.clients?.[p.slug] ?? upstream.client]),
  )
  const wrap = o.capacity
  const backend =
    wrap === undefined
      ? undefined
      : Layer.effectContext(Effect.map(LocalLiveState, (l) => liveStateContext({ ...l, capacity: wrap(l.capacity) })))
  return routerLayer(
    { catalog, clients },
    {
      stats: { refreshMs: 0, minSamples: 3, ...o.stats },
      ...(o.health !== undefined && { health: o.health }),
      seed: o.seed ?? 7,
      backend,
    },
  ).pipe(Layer.provideMerge(TestClock.layer()))
}

export type RouterEnv = Router | ActiveDeployment | LiveStateServices | TestClock.TestClock

/** Run a test program in a fresh router environment; reject with the pretty cause on failure. */
export const runRouter = <A, E>(
  catalog: Catalog,
  upstream: FakeUpstream,
  program: Effect.Effect<A, E, RouterEnv>,
  o: EnvOptions = {},
): Promise<A> =>
  Effect.runPromiseExit(program.pipe(Effect.provide(routerEnv(catalog, upstream, o)))).then((exit) => {
    if (Exit.isSuccess(exit)) return exit.value
    throw new Error(Cause.pretty(exit.cause))
  })

/** Fork `eff`, move the TestClock forward by `ms`, and return its exit. */
export const settle = <A, E, R>(eff: Effect.Effect<A, E, R>, ms = 600_000) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(eff)
    yield* TestClock.adjust(ms)
    return yield* Fiber.await(fiber)
  })

/** Route one request for `body`, moving the TestClock forward `ms` (as `settle`); its exit. */
export const route = (body: JsonObject, extra: Partial<RouteRequest> = {}, ms?: number) =>
  Effect.flatMap(Router, (router) => settle(router.route(requestOf(body, extra)), ms))

/** Stream one request to the end (or its first `take` chunks): the chunks, the trace, and the open reservations left. */
export const consume = (request: RouteRequest, take?: number) =>
  Effect.gen(function* () {
    const router = yield* Router
    const routed = yield* router.stream(request)
    const chunks = yield* Stream.runCollect(take === undefined ? routed.chunks : Stream.take(routed.chunks, take))
    const trace = yield* routed.trace
    const capacity = yield* CapacityMeter
    return { chunks, trace, open: yield* capacity.openReservations() }
  })

/** The content text of streamed chunks, in order. */
export const text = (chunks: ReadonlyArray<JsonObject>): string =>
  chunks
    .map((c) => (c.choices as Array<{ delta?: { content?: string } }> | undefined)?.[0]?.delta?.content ?? "")
    .join("")

/** The typed failure of an exit (or throws). */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got a success")
  const f = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (f === undefined || f._tag !== "Fail") throw new Error(`expected a typed failure: ${Cause.pretty(exit.cause)}`)
  return f.error
}

export const successOf = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw new Error(Cause.pretty(exit.cause))
}

/** Two standard endpoints `a` (cheaper) and `b` for model `m`, plus optional routing config. */
export const twoCatalog = (routing: Record<string, unknown> = {}): Catalog =>
  modelCatalog(
    "m",
    [
      { provider: "a", price: { prompt: 1, completion: 1 }, contextLength: 100_000 },
      { provider: "b", price: { prompt: 2, completion: 2 }, contextLength: 100_000 },
    ],
    routing,
  )

/** A body for model `m`, tried in price order (deterministic: `a` then `b`). */
export const byPrice = (provider: JsonObject = {}, extra: JsonObject = {}): JsonObject => ({
  model: "m",
  messages: [{ role: "user", content: "hi" }],
  provider: { sort: "price", ...provider },
  ...extra,
})
