import {
  ActiveDeployment,
  type ActiveDeploymentShape,
  estimatePromptTokens,
  type JsonObject,
  LiveState,
  type LiveStateShape,
  ModelNotFound,
  makeRedactor,
  parseTraceparent,
  type Redactor,
  type RouteError,
  type RouteRequest,
  type RouteResult,
  Router,
  type RouterShape,
  type RouteStream,
  type RouteTrace,
  redactDeep,
  withAddressesMasked,
} from "@switchyard/core"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import * as Scope from "effect/Scope"
import type { Mutable } from "effect/Types"
import { type GatewayKey, KeyRing } from "../auth/key-ring.js"
import { captureRecord } from "../capture/record.js"
import type { CaptureSink } from "../capture/writer.js"
import { DashboardState } from "../dashboard/dashboard-state.js"
import { DashboardRoutes } from "../dashboard/routes.js"
import type { DashboardView } from "../dashboard/view.js"
import { infoLineWriter } from "../logging/line-logger.js"
import { type RequestLine, rejectedLine, routedLine } from "../logging/request-line.js"
import { GatewayMetrics } from "../metrics/gateway-metrics.js"
import { monitorEndpoints, readEndpointStatuses } from "../monitor/monitor.js"
import { type ErrorReply, errorJson, replies } from "./envelope.js"
import { type CorsHeaders, headerValue, makeCorsHeaders, requestIdOf } from "./headers.js"
import { DEFAULT_MAX_JSON_DEPTH, MAX_JSON_DEPTH_LIMIT, tooDeep } from "./json-depth.js"
import { endpointList, modelList, modelObject } from "./models.js"
import { RequestFibers } from "./request-fibers.js"
import {
  routeErrorReply,
  routeErrorTrace,
  UPSTREAM_REQUEST_ID,
  upstreamIdHeader,
  withUpstreamIdCut,
} from "./route-errors.js"
import { decodeRoutingFields } from "./routing-fields.js"
import { SSE_HEADERS, SseBody } from "./sse.js"
import type { GatewayRequest, GatewayResponse } from "./types.js"

/**
 * What a routed request's end needs of it (metrics, log line, capture record): the key's name and, when
 * requests are captured, the request. A stream's end keeps only this while it streams, not the body.
 */
interface RoutedEnd {
  readonly stream: boolean
  readonly keyName: string | undefined
  /** Undefined when nothing is captured. */
  readonly request: RouteRequest | undefined
}

/** A chat request that passed the gateway's checks, ready to route. */
interface AcceptedChat extends RoutedEnd {
  readonly request: RouteRequest
  readonly withTrace: boolean
  readonly stream: boolean
  /** The gateway key's name (for the request log line), undefined on an open gateway. */
  readonly keyName: string | undefined
}

/** The services the gateway reads from its runtime. */
export type GatewayServices = Router | ActiveDeployment | LiveState

export interface GatewayOptions {
  /** Built once per process; holds the Router (and what it needs) and the active deployment. */
  readonly runtime: ManagedRuntime.ManagedRuntime<GatewayServices, unknown>
  /** Gateway keys. None (the default) leaves the gateway open — a warning is logged. */
  readonly keys?: ReadonlyArray<GatewayKey> | undefined
  /**
   * Admin keys: when set, `/metrics`, `/v1/models/{id}/endpoints` and `/dashboard` answer only to one
   * of them. Without admin keys those routes take a gateway key (`/metrics` stays open).
   */
  readonly adminKeys?: ReadonlyArray<GatewayKey> | undefined
  /**
   * Log one `info` line per chat request through the runtime's Effect `Logger` (default false; the
   * gateway built by `gatewayFromConfig` turns it on at level `info`).
   */
  readonly logRequests?: boolean | undefined
  /**
   * Where the shape of each routed request goes (`gateway.capture`: a `CaptureWriter` appending JSONL
   * for the simulator's `--trace`). Default: none.
   */
  readonly capture?: CaptureSink | undefined
  /** Largest accepted request body in bytes (default 4 MiB); larger ones get 413. */
  readonly maxBodyBytes?: number | undefined
  /**
   * Deepest nesting of objects/arrays accepted in a request body (default 512, at most 1,000); deeper
   * bodies get 400 `invalid_request_body` with `param` naming the field.
   */
  readonly maxJsonDepth?: number | undefined
  /**
   * Values masked wherever upstream text reaches a client or the log (error fields, traces, in-band
   * stream errors, log lines): the configured upstream secrets and hosts (`gatewayFromConfig` collects
   * them from the config). Common key shapes are masked whether listed or not.
   */
  readonly secrets?: ReadonlyArray<string> | undefined
  /** `access-control-allow-origin` (default `*`). */
  readonly corsOrigin?: string | undefined
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

const JSON_TYPE = "application/json"
const CHAT_PATH = "/v1/chat/completions"
const decoder = new TextDecoder("utf-8", { fatal: false })
const MODELS_PREFIX = "/v1/models/"
const ENDPOINTS_SUFFIX = "/endpoints"

interface Live {
  readonly router: RouterShape
  readonly deployment: ActiveDeploymentShape
  /** The live-state store (its status: `/healthz` "state", the backend-errors counter). */
  readonly state: LiveStateShape
  readonly context: Context.Context<never>
  /** `Effect.runSyncWith(context)`, built once (log lines). */
  readonly runSync: <A, E>(effect: Effect.Effect<A, E>) => A
  /** `Effect.runForkWith(context)`, built once (request fibers, tracked in `RequestFibers`). */
  readonly runFork: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>
  /** The request line written as `Effect.logInfo` would, without a fiber per line (`infoLineWriter`), when it can. */
  readonly infoLine: ((text: string, record: Record<string, unknown>) => boolean) | undefined
}

/** Paths are matched without query string and without one trailing slash. */
const pathOf = (raw: string): string => {
  const q = raw.indexOf("?")
  let p = q < 0 ? raw : raw.slice(0, q)
  if (p.length > 1 && p.charCodeAt(p.length - 1) === 47) p = p.slice(0, -1)
  return p
}

/** What a client sees of upstream text is masked: configured secrets, key shapes, then network addresses. */
const clientRedactor = (secrets: ReadonlyArray<string>): Redactor => withAddressesMasked(makeRedactor(secrets))

/**
 * The transport-neutral gateway: `(method, path, headers, body, signal) → { status, headers, body }`.
 * Build it once per process; every adapter (Node, Express, Hono, Lambda, fetch) only translates.
 */
export class Gateway {
  readonly maxBodyBytes: number
  readonly maxJsonDepth: number
  readonly metrics: GatewayMetrics
  /** What `/dashboard` shows: the last hour per minute, recent routes, the latest endpoint sample (bounded). */
  readonly dashboard = new DashboardState()
  /** The request fibers running (interrupted when the runtime closes). */
  private readonly requestFibers = new RequestFibers()
  private readonly dashboardRoutes: DashboardRoutes
  private keyRing: KeyRing
  private adminRing: KeyRing
  private readonly logRequests: boolean
  private readonly capture: CaptureSink | undefined
  /**
   * Masks configured secrets, key shapes and network addresses (`withAddressesMasked`) in everything upstream-derived
   * a client or the log sees.
   */
  private redact: Redactor
  private readonly cors: CorsHeaders
  private readonly jsonHeaders: Readonly<Record<string, string>>
  private readonly sseHeaders: Readonly<Record<string, string>>
  private readonly runtime: ManagedRuntime.ManagedRuntime<GatewayServices, unknown>
  private live: Live | undefined
  private starting: Promise<Live> | undefined
  /** Log lines emitted before the runtime was up. */
  private readonly early: Array<Effect.Effect<void>> = []
  private monitor: Fiber.Fiber<never, unknown> | undefined
  private readonly created = Math.floor(Date.now() / 1000)

  constructor(options: GatewayOptions) {
    this.runtime = options.runtime
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    this.maxJsonDepth = Math.min(options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH, MAX_JSON_DEPTH_LIMIT)
    this.cors = makeCorsHeaders(options.corsOrigin ?? "*")
    this.jsonHeaders = { "content-type": JSON_TYPE, ...this.cors.base }
    this.sseHeaders = { ...SSE_HEADERS, ...this.cors.base }
    this.logRequests = options.logRequests === true
    this.capture = options.capture
    this.redact = clientRedactor(options.secrets ?? [])
    this.keyRing = KeyRing.open
    this.dashboardRoutes = new DashboardRoutes({
      access: (req) => this.dashboardAccess(req),
      denied: (req) =>
        this.errorResponse(
          this.adminRing.isOpen ? replies.unauthorized : replies.adminRequired,
          requestIdOf(req.headers),
        ),
      view: () => this.dashboardView(),
      trace: (id) => {
        const recent = this.dashboard.recent.get(id)
        return recent === undefined ? undefined : redactDeep(recent.trace, this.redact)
      },
      headerValue: (req, name) => headerValue(req.headers, name),
    })
    this.adminRing = KeyRing.open
    this.setKeys(options.keys ?? [], options.adminKeys ?? [])
    this.metrics = new GatewayMetrics(
      () => this.allEndpointStatus(),
      () => this.live?.state.status(),
    )
  }

  /** Replace the gateway and admin keys (config reload). Requests already authenticated are unaffected. */
  setKeys(keys: ReadonlyArray<GatewayKey>, adminKeys: ReadonlyArray<GatewayKey> = []): void {
    this.keyRing = KeyRing.make(keys)
    this.adminRing = KeyRing.make(adminKeys)
    this.dashboardRoutes.sessions.clear()
    if (this.keyRing.isOpen)
      this.emit(
        Effect.logWarning(
          "no gateway keys configured: the gateway is open to anyone who can reach it (set SWITCHYARD_KEYS or gateway.keys in the config)",
        ),
      )
  }

  /** Replace the values masked in upstream text (config reload: new provider secrets or hosts). */
  setSecrets(secrets: ReadonlyArray<string>): void {
    this.redact = clientRedactor(secrets)
  }

  get keyCount(): number {
    return this.keyRing.size
  }

  /** Resolve the runtime's services once; later requests read them from a field. */
  ready(): Promise<Live> {
    if (this.live !== undefined) return Promise.resolve(this.live)
    if (this.starting === undefined) {
      this.starting = this.runtime.context().then((context) => {
        const live: Live = {
          router: Context.get(context, Router),
          deployment: Context.get(context, ActiveDeployment),
          state: Context.get(context, LiveState),
          context: context as Context.Context<never>,
          runSync: Effect.runSyncWith(context as Context.Context<never>),
          runFork: Effect.runForkWith(context as Context.Context<never>),
          infoLine: infoLineWriter(context as Context.Context<never>),
        }
        // closing the runtime interrupts the requests still running first (its scope closes in reverse order)
        Effect.runSync(Scope.addFinalizer(this.runtime.scope, this.requestFibers.interruptAll))
        this.live = live
        for (const effect of this.early.splice(0)) this.emit(effect)
        return live
      })
      this.starting.catch(() => {
        this.starting = undefined
      })
    }
    return this.starting
  }

  /** Does the gateway answer this path (so an embedding router should not fall through)? */
  serves(rawPath: string): boolean {
    const path = pathOf(rawPath)
    return (
      path === CHAT_PATH ||
      path === "/v1/models" ||
      path.startsWith(MODELS_PREFIX) ||
      path === "/healthz" ||
      path === "/metrics" ||
      this.dashboardRoutes.serves(path)
    )
  }

  /** The 413 an adapter answers when it stopped reading a body over `maxBodyBytes`. */
  tooLarge(): GatewayResponse {
    return this.errorResponse(replies.tooLarge(this.maxBodyBytes), requestIdOf({}))
  }

  /** The 503 an adapter answers a request still unanswered when the shutdown grace ends. */
  shuttingDown(): GatewayResponse {
    return this.errorResponse(replies.shuttingDown, requestIdOf({}))
  }

  handle(req: GatewayRequest): Promise<GatewayResponse> {
    return new Promise((resolve) => this.respond(req, resolve))
  }

  /**
   * `handle` on a callback: `done` receives the response once (every outcome, defects included, is a
   * response). The Node adapter's path: a chat request takes no Promise and no microtask of its own — the
   * request fiber's exit builds the response and hands it to `done`. `done` must not throw.
   */
  respond(req: GatewayRequest, done: (response: GatewayResponse) => void): void {
    const path = pathOf(req.path)
    const method = req.method
    if (method === "POST" && path === CHAT_PATH) {
      try {
        this.chat(req, done)
      } catch (defect) {
        done(this.defect(defect, method, path, req))
      }
      return
    }
    this.handleOther(req, path, method).then(done, (defect: unknown) => done(this.defect(defect, method, path, req)))
  }

  private defect(defect: unknown, method: string, path: string, req: GatewayRequest): GatewayResponse {
    this.emit(
      Effect.logError("internal error", { method, path: path.slice(0, 200), error: this.redact(describe(defect)) }),
    )
    return this.errorResponse(replies.internal, requestIdOf(req.headers))
  }

  private async handleOther(req: GatewayRequest, path: string, method: string): Promise<GatewayResponse> {
    if (method === "OPTIONS") {
      return {
        status: 204,
        headers: this.cors.preflight(headerValue(req.headers, "access-control-request-headers")),
        body: "",
      }
    }
    try {
      // a POST to it went to `chat` (see `respond`)
      if (path === CHAT_PATH) return this.answer("other", this.methodNotAllowed(method, "POST, OPTIONS"))
      if (path === "/v1/models" || path.startsWith(MODELS_PREFIX)) {
        if (method !== "GET" && method !== "HEAD")
          return this.answer("other", this.methodNotAllowed(method, "GET, HEAD, OPTIONS"))
        return this.answer("models", await this.models(req, path))
      }
      if (path === "/healthz") {
        if (method !== "GET" && method !== "HEAD")
          return this.answer("other", this.methodNotAllowed(method, "GET, HEAD, OPTIONS"))
        return this.answer("healthz", await this.healthz())
      }
      if (path === "/metrics") {
        if (method !== "GET" && method !== "HEAD")
          return this.answer("other", this.methodNotAllowed(method, "GET, HEAD, OPTIONS"))
        const denied = this.adminDenied(req, true)
        if (denied !== undefined) return this.answer("metrics", denied)
        return this.answer("metrics", {
          status: 200,
          headers: { "content-type": this.metrics.contentType, ...this.cors.base },
          body: await this.metrics.text(),
        })
      }
      if (this.dashboardRoutes.serves(path))
        return this.answer("dashboard", await this.dashboardRoutes.handle(req, path))
      return this.answer("other", this.errorResponse(replies.notFound(path), requestIdOf(req.headers)))
    } catch (defect) {
      return this.defect(defect, method, path, req)
    }
  }

  /**
   * The gateway key of a request; `DUPLICATE` when it carries more than one `Authorization` (as an array
   * from Node, or joined with commas by Web `Headers` and API Gateway — a token never has a comma).
   */
  private authenticate(
    headers: GatewayRequest["headers"],
    ring: KeyRing = this.keyRing,
  ): ReturnType<KeyRing["authenticate"]> | typeof DUPLICATE {
    const given = headers.authorization
    if (given !== undefined && typeof given !== "string") {
      if (given.length > 1) return DUPLICATE
      return ring.authenticate(given[0])
    }
    if (given?.includes(",")) return DUPLICATE
    return ring.authenticate(given)
  }

  // ---- POST /v1/chat/completions ---------------------------------------------------------------

  /** Every outcome, defects after routing began included, reaches `done` as a response (a throw before it: the caller's). */
  private chat(req: GatewayRequest, done: (response: GatewayResponse) => void): void {
    const accepted = this.acceptChat(req)
    if (!("request" in accepted)) {
      done(accepted)
      return
    }
    const live = this.live
    if (live !== undefined) {
      this.routeChat(live, accepted, req, done)
      return
    }
    this.ready().then(
      (ready) => {
        try {
          this.routeChat(ready, accepted, req, done)
        } catch (defect) {
          done(this.defect(defect, req.method, CHAT_PATH, req))
        }
      },
      (defect: unknown) => done(this.defect(defect, req.method, CHAT_PATH, req)),
    )
  }

  /** Authentication, size, JSON and the routing fields: a request to route, or the error response. */
  private acceptChat(req: GatewayRequest): GatewayResponse | AcceptedChat {
    const requestId = requestIdOf(req.headers)
    const key = this.authenticate(req.headers)
    if (key === undefined) return this.rejected(replies.unauthorized, requestId, false, undefined, req)
    if (key === DUPLICATE) return this.rejected(replies.multipleAuthorization, requestId, false, undefined, req)
    const keyName = key === null ? undefined : key.name
    const bytes = req.body.byteLength
    if (bytes > this.maxBodyBytes)
      return this.rejected(replies.tooLarge(this.maxBodyBytes), requestId, false, keyName, req)
    let parsed: unknown
    const text = decoder.decode(req.body)
    try {
      parsed = JSON.parse(text)
    } catch (e) {
      return this.rejected(
        replies.invalidJson(e instanceof Error ? e.message.slice(0, 200) : "parse error"),
        requestId,
        false,
        keyName,
        req,
      )
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      return this.rejected(replies.notAnObject, requestId, false, keyName, req)
    // valid JSON nested n levels deep is at least 2n characters long: small bodies need no walk
    if (text.length > 2 * this.maxJsonDepth) {
      const deep = tooDeep(parsed, this.maxJsonDepth)
      if (deep !== undefined)
        return this.rejected(replies.tooDeep(this.maxJsonDepth, deep), requestId, false, keyName, req)
    }
    const body = parsed as JsonObject
    let withTrace = headerValue(req.headers, "x-switchyard-trace") === "true"
    if (body.switchyard_trace !== undefined) {
      if (body.switchyard_trace === true) withTrace = true
      delete body.switchyard_trace
    }
    const stream = body.stream === true
    const decoded = decodeRoutingFields(body)
    if (!decoded.ok) return this.rejected(routeErrorReply(decoded.error), requestId, stream, keyName, req)
    const routing = decoded.value
    // an empty `model` is a missing one
    if (!routing.model && (routing.models === undefined || routing.models.length === 0))
      return this.rejected(replies.missingModel, requestId, stream, keyName, req)
    const keyDefaults = key === null ? undefined : key.defaults
    const traceparent = headerValue(req.headers, "traceparent")
    // the conversation, for affinity (the body's `session_id` wins over it, in the router)
    const sessionId = headerValue(req.headers, "x-session-id")
    // the one prompt estimate (core's): the router's filters and capacity read it, capture records it
    const estimatedPromptTokens = estimatePromptTokens(body)
    let request: RouteRequest
    if (keyDefaults === undefined && traceparent === undefined && sessionId === undefined)
      request = { body, bodyText: text, routing, estimatedPromptTokens, requestId }
    else {
      const more: Mutable<RouteRequest> = { body, bodyText: text, routing, estimatedPromptTokens, requestId }
      if (keyDefaults !== undefined) more.keyDefaults = keyDefaults
      if (traceparent !== undefined) more.traceparent = traceparent
      if (sessionId !== undefined) more.sessionId = sessionId
      request = more
    }
    return { request, withTrace, stream, keyName }
  }

  private routeChat(
    live: Live,
    accepted: AcceptedChat,
    req: GatewayRequest,
    done: (response: GatewayResponse) => void,
  ): void {
    const request = accepted.request
    if (accepted.stream)
      this.run(live, live.router.stream(request), req, done, (exit) => this.streamResponse(live, exit, accepted, req))
    else this.run(live, live.router.route(request), req, done, (exit) => this.jsonResponse(exit, accepted))
  }

  /** The request's shape to the capture file, when one is configured (`gateway.capture`). */
  private captured(ended: RoutedEnd, trace: RouteTrace, status: number): void {
    if (ended.request !== undefined)
      this.capture?.record(captureRecord(ended.request, trace, status, ended.stream, ended.keyName))
  }

  /**
   * Run one request's program on the runtime; its exit becomes the response (a throw while building
   * it, a 500). A client that goes away (cancel hook or abort signal) interrupts its fiber, which
   * cancels the upstream call.
   */
  private run<A, E>(
    live: Live,
    effect: Effect.Effect<A, E, GatewayServices>,
    req: GatewayRequest,
    done: (response: GatewayResponse) => void,
    respond: (exit: Exit.Exit<A, unknown>) => GatewayResponse,
  ): void {
    const onExit = (exit: Exit.Exit<A, unknown>): void => {
      let response: GatewayResponse
      try {
        response = respond(exit)
      } catch (defect) {
        response = this.defect(defect, req.method, CHAT_PATH, req)
      }
      done(response)
    }
    // No closure made here may capture `fiber` (see `interrupterOf`). Not `runtime.runFork`: see `RequestFibers`.
    const fiber = live.runFork(effect as Effect.Effect<A, E>)
    this.requestFibers.add(fiber)
    const hook = req.cancel
    if (hook !== undefined) {
      if (hook.cancelled) fiber.interruptUnsafe()
      else hook.onCancel = interrupterOf(fiber)
      fiber.addObserver(onExit)
      return
    }
    const signal = req.signal
    if (signal === undefined) {
      fiber.addObserver(onExit)
      return
    }
    const interrupt = interrupterOf(fiber)
    if (signal.aborted) interrupt()
    else signal.addEventListener("abort", interrupt, { once: true })
    fiber.addObserver((exit) => {
      signal.removeEventListener("abort", interrupt)
      onExit(exit)
    })
  }

  private jsonResponse(exit: Exit.Exit<RouteResult, unknown>, accepted: AcceptedChat): GatewayResponse {
    const { request, withTrace } = accepted
    if (Exit.isSuccess(exit)) {
      const result = exit.value
      const trace = result.trace
      this.routed(accepted, trace, 200, false, undefined)
      return {
        status: 200,
        headers: this.routedHeaders(
          this.jsonHeaders,
          request.requestId!,
          result.endpoint.slug,
          trace.attempts.length,
          trace.modelUsed ?? "",
          result.upstreamRequestId,
        ),
        // a relayed completion comes as its text already (`RouteResult.text`)
        body: withTrace
          ? JSON.stringify({ ...result.body, switchyard_trace: redactDeep(trace, this.redact) })
          : (result.text ?? JSON.stringify(result.body)),
        // the runtime's Clock is the wall clock: the router's deadline is the response's
        deadlineAt: result.deadlineAt,
      }
    }
    return this.failed(exit.cause, accepted, false)
  }

  private streamResponse(
    live: Live,
    exit: Exit.Exit<RouteStream, unknown>,
    accepted: AcceptedChat,
    req: GatewayRequest,
  ): GatewayResponse {
    const { request, withTrace } = accepted
    if (Exit.isFailure(exit)) return this.failed(exit.cause, accepted, true)
    const ended: RoutedEnd = {
      stream: true,
      keyName: accepted.keyName,
      request: this.capture === undefined ? undefined : request,
    }
    const routed = exit.value
    const body = new SseBody(routed, live.context, {
      withTrace,
      redact: this.redact,
      signal: req.signal,
      onEnd: (trace) => {
        if (trace !== undefined) this.routed(ended, trace, 200, true, streamErrorCode(trace))
      },
    })
    // From here a disconnect closes the stream (which interrupts it and cancels the upstream).
    if (req.cancel !== undefined) {
      if (req.cancel.cancelled) void body.return()
      else req.cancel.onCancel = closerOf(body)
    }
    const headers = this.routedHeaders(
      this.sseHeaders,
      request.requestId!,
      routed.endpoint.slug,
      routed.attempts,
      routed.endpoint.model,
      routed.upstreamRequestId,
    )
    return { status: 200, headers, body, deadlineAt: routed.deadlineAt }
  }

  private failed(cause: Cause.Cause<unknown>, accepted: AcceptedChat, stream: boolean): GatewayResponse {
    const { request, withTrace, keyName } = accepted
    const requestId = request.requestId!
    const found = Cause.findErrorOption(cause)
    if (found._tag === "None" || !isRouteError(found.value)) {
      if (Cause.hasInterruptsOnly(cause)) return this.rejected(replies.clientClosed, requestId, stream, keyName)
      this.emit(
        Effect.logError("internal error routing a request", {
          request_id: requestId,
          error: this.redact(describe(Cause.squash(cause))),
        }),
      )
      return this.rejected(replies.internal, requestId, stream, keyName)
    }
    const error = found.value
    // the one place a router failure (upstream text included) becomes what the client sees
    const reply = withUpstreamIdCut(redactDeep(routeErrorReply(error), this.redact))
    const trace = routeErrorTrace(error)
    if (error._tag === "AllRateLimited") this.metrics.capacityExhausted(error.origin)
    if (trace === undefined) return this.rejected(reply, requestId, stream, keyName)
    this.routed(accepted, trace, reply.status, stream, reply.error.code ?? undefined)
    const headers: Record<string, string> = {
      ...this.jsonHeaders,
      "x-request-id": requestId,
      "x-switchyard-attempts": String(trace.attempts.length),
      ...reply.headers,
    }
    return {
      status: reply.status,
      headers,
      body: errorJson(reply, withTrace ? redactDeep(trace, this.redact) : undefined),
    }
  }

  /**
   * The headers of a routed answer: the response kind's fixed ones, then the request's. Copied key by
   * key: V8 makes `{ ...fixed, more }` several times slower (a spread copy that then grows).
   */
  private routedHeaders(
    fixed: Readonly<Record<string, string>>,
    requestId: string,
    provider: string,
    attempts: number,
    model: string,
    upstreamRequestId: string | undefined,
  ): Record<string, string> {
    const headers: Record<string, string> = {}
    for (const name in fixed) headers[name] = fixed[name]!
    headers["x-request-id"] = requestId
    headers["x-switchyard-provider"] = provider
    headers["x-switchyard-attempts"] = String(attempts)
    headers["x-switchyard-model"] = model
    if (upstreamRequestId !== undefined) headers[UPSTREAM_REQUEST_ID] = upstreamIdHeader(upstreamRequestId, this.redact)
    return headers
  }

  // ---- GET /v1/models, /v1/models/{id}, /v1/models/{id}/endpoints --------------------------------

  private async models(req: GatewayRequest, path: string): Promise<GatewayResponse> {
    const requestId = requestIdOf(req.headers)
    let rest = path.slice(MODELS_PREFIX.length)
    const endpoints = path !== "/v1/models" && rest.endsWith(ENDPOINTS_SUFFIX)
    if (endpoints) {
      const denied = this.adminDenied(req, false)
      if (denied !== undefined) return denied
    } else {
      const key = this.authenticate(req.headers)
      if (key === undefined) return this.errorResponse(replies.unauthorized, requestId)
      if (key === DUPLICATE) return this.errorResponse(replies.multipleAuthorization, requestId)
    }
    const live = this.live ?? (await this.ready())
    const { catalog } = await this.runtime.runPromise(live.deployment.get)
    if (path === "/v1/models") return this.json(200, modelList(catalog, this.created), requestId)
    if (endpoints) rest = rest.slice(0, -ENDPOINTS_SUFFIX.length)
    let id: string
    try {
      id = decodeURIComponent(rest)
    } catch {
      id = rest
    }
    const canonical = catalog.aliases.get(id)
    const model = canonical === undefined ? undefined : catalog.models.get(canonical)
    if (model === undefined)
      return this.errorResponse(
        routeErrorReply(
          new ModelNotFound({
            model: id,
            message: `The model '${id.slice(0, 200)}' does not exist in this gateway's catalog`,
          }),
        ),
        requestId,
      )
    if (!endpoints) return this.json(200, modelObject(model, this.created), requestId)
    const statuses = await this.runtime.runPromise(Effect.orDie(live.router.endpointStatus(model.id)))
    return this.json(200, endpointList(model, statuses), requestId)
  }

  /**
   * `{"status":"ok","state":"ok"|"degraded","backend":…}`: the gateway answers (200) whatever the
   * live-state store does; `state: "degraded"` says a shared store is unreachable and this replica
   * routes on its local state (or, with `onError: "closed"`, answers chat requests 503).
   */
  private async healthz(): Promise<GatewayResponse> {
    const status = (this.live ?? (await this.ready())).state.status()
    return {
      status: 200,
      headers: this.jsonHeaders,
      body: JSON.stringify({ status: "ok", state: status.state, backend: status.backend }),
    }
  }

  private allEndpointStatus() {
    return this.runtime.runPromise(readEndpointStatuses)
  }

  /**
   * Start the endpoint monitor (once): every `intervalMs` (default 1 s) it samples every endpoint's
   * live state and logs breaker and cooldown changes. `close()` stops it.
   */
  startMonitor(intervalMs = 1_000): void {
    if (this.monitor !== undefined) return
    this.monitor = this.runtime.runFork(
      monitorEndpoints(intervalMs, (statuses, now) => this.dashboard.sample(statuses, now)),
    )
  }

  /** Stop the gateway's background work (the monitor). The runtime is the caller's to dispose. */
  async close(): Promise<void> {
    const monitor = this.monitor
    this.monitor = undefined
    if (monitor !== undefined) await Effect.runPromise(Fiber.interrupt(monitor))
  }

  // ---- responses -----------------------------------------------------------------------------------

  private json(status: number, value: unknown, requestId: string): GatewayResponse {
    return { status, headers: { ...this.jsonHeaders, "x-request-id": requestId }, body: JSON.stringify(value) }
  }

  private errorResponse(reply: ErrorReply, requestId: string): GatewayResponse {
    const headers =
      reply.headers === undefined
        ? { ...this.jsonHeaders, "x-request-id": requestId }
        : { ...this.jsonHeaders, "x-request-id": requestId, ...reply.headers }
    return { status: reply.status, headers, body: errorJson(reply) }
  }

  private rejected(
    reply: ErrorReply,
    requestId: string,
    stream: boolean,
    keyName: string | undefined,
    req?: GatewayRequest,
  ): GatewayResponse {
    this.metrics.rejected(reply.status, stream)
    this.dashboard.rejected(Date.now())
    if (this.logRequests) {
      const traceparent = req === undefined ? undefined : headerValue(req.headers, "traceparent")
      const traceId = traceparent === undefined ? undefined : parseTraceparent(traceparent)?.traceId
      this.logLine(rejectedLine(requestId, reply.status, stream, keyName, reply.error.code, traceId))
    }
    return this.errorResponse(reply, requestId)
  }

  /**
   * Admin routes (`/metrics`, `/v1/models/{id}/endpoints`, `/dashboard`): with admin keys configured
   * only an admin key opens them; without, a gateway key does (`/metrics` is then open). Undefined: allowed.
   */
  adminDenied(req: GatewayRequest, metrics: boolean): GatewayResponse | undefined {
    const admin = !this.adminRing.isOpen
    if (!admin && metrics) return undefined
    const key = this.authenticate(req.headers, admin ? this.adminRing : this.keyRing)
    if (key === DUPLICATE) return this.errorResponse(replies.multipleAuthorization, requestIdOf(req.headers))
    if (key === undefined)
      return this.errorResponse(admin ? replies.adminRequired : replies.unauthorized, requestIdOf(req.headers))
    return undefined
  }

  /** `/dashboard`: open without keys; else an admin key (or, without admin keys, a gateway key). */
  private dashboardAccess(req: GatewayRequest): "open" | "granted" | "denied" {
    const ring = this.adminRing.isOpen ? this.keyRing : this.adminRing
    if (ring.isOpen) return "open"
    const key = this.authenticate(req.headers, ring)
    return key === undefined || key === DUPLICATE ? "denied" : "granted"
  }

  /** The dashboard's data: the monitor's latest sample when it is fresh, else a read now. */
  private async dashboardView(): Promise<DashboardView> {
    const statuses = this.dashboard.fresh(Date.now(), 1_500) ?? (await this.allEndpointStatus())
    return this.dashboard.view(statuses, Date.now())
  }

  /** A routed request's end (served or not): metrics, the dashboard, its log line and its capture record. */
  private routed(
    ended: RoutedEnd,
    trace: RouteTrace,
    status: number,
    stream: boolean,
    errorCode: string | undefined,
  ): void {
    this.metrics.route(trace, status, stream)
    this.dashboard.route(trace, status, stream)
    if (this.logRequests) this.logLine(routedLine(trace, status, stream, ended.keyName, errorCode))
    if (this.capture !== undefined) this.captured(ended, trace, status)
  }

  /** One request's log line, through the runtime's Effect logger (straight into its batch when it can). */
  private logLine(line: RequestLine): void {
    const infoLine = this.live?.infoLine
    try {
      if (infoLine?.("request", line as unknown as Record<string, unknown>) === true) return
    } catch {
      // a sink that throws loses its line, not the request
      return
    }
    this.emit(Effect.logInfo("request", line))
  }

  /**
   * Run a (synchronous) log effect on the runtime. Before the runtime is up (warnings at construction)
   * it waits for `ready()`, so building a gateway does not build its runtime. Logging never fails a request.
   */
  private emit(effect: Effect.Effect<void>): void {
    const live = this.live
    if (live === undefined) {
      if (this.early.length < 100) this.early.push(effect)
      return
    }
    try {
      live.runSync(effect)
    } catch {
      // a sink that throws loses its line, not the request
    }
  }

  private methodNotAllowed(method: string, allow: string): GatewayResponse {
    return this.errorResponse(replies.methodNotAllowed(method, allow), requestIdOf({}))
  }

  private answer(route: string, response: GatewayResponse): GatewayResponse {
    this.metrics.http(route, response.status)
    return response
  }
}

/** A request with more than one `Authorization` header. */
const DUPLICATE = Symbol("duplicate-authorization")

/** Every tag of the closed `RouteError` union (a Record, so the compiler notices a new one). */
const ROUTE_ERROR_TAG_RECORD: Readonly<Record<RouteError["_tag"], true>> = {
  InvalidRequest: true,
  ModelNotFound: true,
  NoEndpoint: true,
  AllRateLimited: true,
  UpstreamFailed: true,
  DeadlineExceeded: true,
  StateUnavailable: true,
}
const ROUTE_ERROR_TAGS: ReadonlySet<unknown> = new Set(Object.keys(ROUTE_ERROR_TAG_RECORD))

const isRouteError = (u: unknown): u is RouteError =>
  typeof u === "object" && u !== null && ROUTE_ERROR_TAGS.has((u as { _tag?: unknown })._tag)

/**
 * What a client's disconnect does to a running request: interrupt its fiber. Made here, outside the function that
 * starts the fiber, so that the closure's context holds the fiber alone. Made inside it (`() => fiber.interruptUnsafe()`),
 * V8 puts `fiber` in the context that function's other closures share — the exit observer the fiber keeps, which holds
 * the response callback — and each finished request stayed reachable from the next requests' objects through scavenges:
 * under JSON c64 the gateway promoted ≈ 2.2 MB per scavenge (4–6 ms scavenges, a full collection a second) while
 * requests last ≈ 13 ms. A Node server on this adapter whose handler runs a fiber that yields once: 6–7.6 ms and
 * 3.5 MB with the inline closure, 0.6–0.7 ms and 0.001 MB with this one (bench/README.md, "What survives a scavenge").
 */
const interrupterOf = (fiber: Fiber.Fiber<unknown, unknown>) => (): void => {
  fiber.interruptUnsafe()
}

/** A disconnect during a stream: end the body (which interrupts the stream); outside its caller for `interrupterOf`'s reason. */
const closerOf = (body: SseBody) => (): void => {
  void body.return()
}

/** `stream_error` when a committed stream was cut after its first token (it still answered 200). */
const streamErrorCode = (trace: RouteTrace): string | undefined =>
  trace.attempts.some((a) => a.outcome === "stream_error") ? "stream_error" : undefined

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 500)

/** Build the gateway once per process. */
export const createGateway = (options: GatewayOptions): Gateway => new Gateway(options)
