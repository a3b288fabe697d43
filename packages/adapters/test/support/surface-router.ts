/**
 * A tiny in-test Router used ONLY for HTTP-surface tests (envelope mapping, headers, SSE framing,
 * auth, limits). It answers by the request's `model` so each test can pick a behaviour; routing itself
 * is tested end to end with the real router and simulated providers elsewhere.
 */
import {
  ActiveDeployment,
  AllRateLimited,
  type Catalog,
  composeLiveState,
  DeadlineExceeded,
  type Deployment,
  decodeCatalog,
  type Endpoint,
  type EndpointStatus,
  InvalidRequest,
  type JsonObject,
  LiveState,
  ModelNotFound,
  makeMemoryAffinity,
  makeMemoryCapacity,
  makeMemoryHealth,
  makeMemoryStats,
  NoEndpoint,
  type RouteRequest,
  Router,
  type RouteTrace,
  StateUnavailable,
  UpstreamFailed,
} from "@switchyard/core"
import { Effect, Layer, Logger, ManagedRuntime, Result, Stream } from "effect"

export const surfaceCatalog: Catalog = Result.getOrThrow(
  decodeCatalog({
    providers: [
      { slug: "cheap", kind: "simulated" },
      { slug: "google-vertex", kind: "simulated" },
    ],
    models: [
      {
        id: "google/gemini-2.5-pro-preview",
        aliases: ["gemini-pro"],
        endpoints: [
          { provider: "cheap", price: { prompt: 1.25, completion: 10 }, contextLength: 1_000_000 },
          {
            provider: "google-vertex",
            variant: "pt",
            pool: "provisioned",
            price: { prompt: 1.5, completion: 12 },
            contextLength: 1_000_000,
            capacity: { tokensPerMinute: 100_000 },
          },
        ],
      },
      {
        id: "small",
        endpoints: [{ provider: "cheap", price: { prompt: 0.1, completion: 0.4 }, contextLength: 128_000 }],
      },
    ],
  }),
)

const endpointOf = (slug: string): Endpoint =>
  surfaceCatalog.endpoints.find((e) => e.slug === slug && e.model === "google/gemini-2.5-pro-preview")!

export const traceFor = (
  req: RouteRequest | undefined,
  outcomes: ReadonlyArray<"success" | "rate_limited">,
): RouteTrace => ({
  requestId: req?.requestId,
  requestedModels: [String(req?.body.model ?? "google/gemini-2.5-pro-preview")],
  priority: "default",
  plan: { attempts: [], escalation: [], excluded: [], steps: ["surface"] },
  attempts: outcomes.map((outcome, i) => ({
    endpoint: i === 0 ? "google/gemini-2.5-pro-preview@cheap" : "google/gemini-2.5-pro-preview@google-vertex/pt",
    model: "google/gemini-2.5-pro-preview",
    pool: i === 0 ? "standard" : "provisioned",
    startedAt: 1000,
    endedAt: 1250,
    outcome,
    status: outcome === "success" ? 200 : 429,
    error: undefined,
    retryAfterMs: outcome === "rate_limited" ? 1500 : undefined,
    escalation: i > 0 ? "rate_limited:cheap" : undefined,
    hedge: false,
  })),
  escalated: outcomes.length > 1,
  servedBy: outcomes.at(-1) === "success" ? "google-vertex/pt" : undefined,
  modelUsed: "google/gemini-2.5-pro-preview",
  usage: undefined,
  cost: undefined,
  startedAt: 1000,
  endedAt: 1250,
})

const completion = (content: string): JsonObject => ({
  id: "gen-1",
  object: "chat.completion",
  created: 1,
  model: "google/gemini-2.5-pro-preview",
  provider: "cheap",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, cost: 0.00002 },
})

const chunk = (delta: JsonObject, finish: string | null, extra: JsonObject = {}): JsonObject => ({
  id: "gen-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "google/gemini-2.5-pro-preview",
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
})

export interface SurfaceProbe {
  /** Every RouteRequest the router received. */
  readonly requests: Array<RouteRequest>
  /** Requests whose router work is waiting forever (model `hang`, or `endless` after its first chunk). */
  readonly hanging: Array<string | undefined>
  /** Requests whose fiber was interrupted (client went away). */
  readonly interrupted: Array<string | undefined>
}

/** A ManagedRuntime with the surface router; `model` picks the behaviour. */
export const surfaceRuntime = (telemetry: Layer.Layer<never> = Logger.layer([])) => {
  const probe: SurfaceProbe = { requests: [], hanging: [], interrupted: [] }
  const fail = (req: RouteRequest) => {
    const model = String(req.body.model)
    switch (model) {
      case "rate-limited":
        return new AllRateLimited({
          message: "All endpoints are rate-limited",
          retryAfterMs: 1500,
          origin: "upstream",
          trace: traceFor(req, ["rate_limited"]),
        })
      case "gateway-limited":
        return new AllRateLimited({
          message: "All endpoints are at capacity",
          retryAfterMs: 250,
          origin: "gateway",
          trace: traceFor(req, []),
        })
      case "no-endpoint":
        return new NoEndpoint({
          model: "google/gemini-2.5-pro-preview",
          message: "none",
          excluded: [
            {
              endpoint: "google/gemini-2.5-pro-preview@cheap",
              model: "google/gemini-2.5-pro-preview",
              reasons: ["max_price"],
            },
            {
              endpoint: "google/gemini-2.5-pro-preview@google-vertex/pt",
              model: "google/gemini-2.5-pro-preview",
              reasons: ["pool:provisioned"],
            },
          ],
        })
      case "upstream-503":
        return new UpstreamFailed({
          message: "Upstream overloaded",
          error: "Overloaded",
          upstreamStatus: 529,
          httpStatus: 503,
          param: undefined,
          trace: traceFor(req, ["success"]),
        })
      case "deadline":
        return new DeadlineExceeded({ message: "Deadline of 120000 ms exceeded", trace: traceFor(req, []) })
      case "state-closed":
        return new StateUnavailable({ message: "The shared live state (redis) did not answer within 50 ms" })
      case "bad-param":
        return new InvalidRequest({
          message: "provider.order and provider.only are disjoint",
          param: "provider.only",
          code: "invalid_parameter",
        })
      case "unknown":
        return new ModelNotFound({ model: "unknown", message: "The model 'unknown' does not exist" })
      default:
        return undefined
    }
  }
  const record = (req: RouteRequest) =>
    Effect.sync(() => {
      probe.requests.push(req)
    })
  const hang = (req: RouteRequest) =>
    Effect.sync(() => probe.hanging.push(req.requestId)).pipe(
      Effect.andThen(Effect.never),
      Effect.onInterrupt(() => Effect.sync(() => probe.interrupted.push(req.requestId))),
    )
  const router = Router.of({
    route: (req) =>
      Effect.gen(function* () {
        yield* record(req)
        const err = fail(req)
        if (err) return yield* Effect.fail(err)
        if (req.body.model === "hang") return yield* hang(req)
        if (req.body.model === "defect") return yield* Effect.die(new Error("secret sk-live-123 leaked?"))
        const escalated = req.body.model === "escalate"
        return {
          body: completion("Hello!"),
          endpoint: endpointOf(escalated ? "google-vertex/pt" : "cheap"),
          usage: { promptTokens: 3, completionTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
          cost: 0.00002,
          trace: traceFor(req, escalated ? ["rate_limited", "success"] : ["success"]),
        }
      }),
    stream: (req) =>
      Effect.gen(function* () {
        yield* record(req)
        const err = fail(req)
        if (err) return yield* Effect.fail(err)
        const endless = req.body.model === "endless"
        const chunks =
          req.body.model === "stream-defect"
            ? Stream.concat(
                Stream.make(chunk({ role: "assistant", content: "Hel" }, null, { provider: "cheap" })),
                Stream.die(new Error("bug holding sk-live-secret")),
              )
            : endless
              ? Stream.concat(
                  Stream.make(chunk({ role: "assistant", content: "tick" }, null, { provider: "cheap" })),
                  Stream.fromEffect(hang(req)),
                )
              : Stream.make(
                  chunk({ role: "assistant", content: "Hel" }, null, { provider: "cheap" }),
                  chunk({ content: "lo" }, null),
                  chunk({}, "stop", {
                    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, cost: 0.00002 },
                  }),
                )
        return {
          endpoint: endpointOf("cheap"),
          attempts: 1,
          chunks,
          trace: Effect.succeed(traceFor(req, ["success"])),
        }
      }),
    endpointStatus: (model) =>
      model === "google/gemini-2.5-pro-preview"
        ? Effect.succeed(
            surfaceCatalog.models.get(model)!.endpoints.map(
              (endpoint): EndpointStatus => ({
                endpoint,
                latency: endpoint.pool === "standard" ? { p50: 0.8, p75: 1, p90: 1.4, p99: 2 } : undefined,
                throughput: endpoint.pool === "standard" ? { p50: 60, p75: 55, p90: 40, p99: 20 } : undefined,
                uptime: endpoint.pool === "standard" ? 0.9876 : undefined,
                utilization: endpoint.pool === "provisioned" ? 0.42 : undefined,
                breaker: endpoint.pool === "standard" ? "half-open" : "closed",
                cooldownUntil: undefined,
              }),
            ),
          )
        : Effect.succeed([]),
  })
  let deployment: Deployment = { catalog: surfaceCatalog, clients: new Map() }
  const active = ActiveDeployment.of({
    get: Effect.sync(() => deployment),
    set: (d) =>
      Effect.sync(() => {
        deployment = d
      }),
  })
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      Layer.succeed(Router, router),
      Layer.succeed(ActiveDeployment, active),
      Layer.succeed(
        LiveState,
        composeLiveState(makeMemoryCapacity(), makeMemoryHealth(), makeMemoryStats(), makeMemoryAffinity()),
      ),
      telemetry,
    ),
  )
  return { runtime, probe }
}
