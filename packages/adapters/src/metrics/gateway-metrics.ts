import { type EndpointStatus, type RouteTrace, type StateStatus, uncachedPromptTokens } from "@switchyard/core"
import { Counter, Gauge, Registry } from "./prom-client.js"
import { CounterSeries, HistogramSeries } from "./series.js"

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160]

const BREAKER_STATE: Readonly<Record<EndpointStatus["breaker"], number>> = { closed: 0, "half-open": 1, open: 2 }

/** Reads the live endpoint view at scrape time (utilization and breaker gauges). */
export type EndpointStatusSource = () => Promise<ReadonlyArray<EndpointStatus>>

/** Reads the live-state store's status at scrape time (undefined before the runtime is built). */
export type StateStatusSource = () => StateStatus | undefined

const STATUS_TEXT = new Map<number, string>()
const statusText = (status: number): string => {
  let s = STATUS_TEXT.get(status)
  if (s === undefined) {
    s = String(status)
    STATUS_TEXT.set(status, s)
  }
  return s
}

/**
 * The gateway's Prometheus metrics, in a prom-client `Registry` of its own (nothing global, so several
 * gateways or tests in one process do not collide). Counters and histograms are updated from each
 * request's `RouteTrace` (cheap per-request series, rendered when scraped); utilization and breaker
 * gauges are read from the router at scrape time.
 */
export class GatewayMetrics {
  readonly registry = new Registry()
  private readonly httpRequests = new CounterSeries(
    this.registry,
    "switchyard_http_requests_total",
    "HTTP requests answered on routes other than chat completions (those are switchyard_requests_total), by route and status",
    ["route", "status"],
  )
  private readonly requests = new CounterSeries(
    this.registry,
    "switchyard_requests_total",
    "Chat completion requests, by model used (none: rejected before routing), status and streaming",
    ["model", "status", "stream"],
  )
  private readonly attempts = new CounterSeries(
    this.registry,
    "switchyard_attempts_total",
    "Upstream attempts, by endpoint, pool and outcome",
    ["endpoint", "pool", "outcome"],
  )
  private readonly fallbacks = new CounterSeries(
    this.registry,
    "switchyard_fallbacks_total",
    "Attempts after the first one of a request (fallbacks), by the endpoint fallen back to",
    ["endpoint"],
  )
  private readonly escalations = new CounterSeries(
    this.registry,
    "switchyard_escalations_total",
    "Attempts escalated to a provisioned (PT) endpoint after rate limits",
    ["endpoint"],
  )
  private readonly rateLimited = new CounterSeries(
    this.registry,
    "switchyard_rate_limited_total",
    "Rate-limited attempts by origin: upstream (a 429 from the provider) or gateway (refused by Switchyard's capacity prediction)",
    ["origin", "endpoint"],
  )
  private readonly exhausted = new CounterSeries(
    this.registry,
    "switchyard_capacity_exhausted_total",
    "429 responses sent to clients because every admissible endpoint was rate-limited, by origin",
    ["origin"],
  )
  private readonly cost = new CounterSeries(
    this.registry,
    "switchyard_cost_usd_total",
    "Cost of served requests in USD (effective price × usage), by serving endpoint",
    ["endpoint"],
  )
  private readonly tokens = new CounterSeries(
    this.registry,
    "switchyard_tokens_total",
    "Tokens of served requests, by serving endpoint and type: prompt (uncached prompt tokens), cache_read (prompt tokens read from the provider's prompt cache), cache_write (prompt tokens written to it), completion (output, reasoning included)",
    ["endpoint", "type"],
  )
  private readonly cacheSavings = new CounterSeries(
    this.registry,
    "switchyard_cache_savings_usd_total",
    "USD prompt-cache reads saved against the prompt price, by serving endpoint (net savings: minus switchyard_cache_write_premium_usd_total)",
    ["endpoint"],
  )
  private readonly cacheWritePremium = new CounterSeries(
    this.registry,
    "switchyard_cache_write_premium_usd_total",
    "USD prompt-cache writes cost above the prompt price (Anthropic's write surcharge), by serving endpoint",
    ["endpoint"],
  )
  private readonly duration = new HistogramSeries(
    this.registry,
    "switchyard_request_duration_seconds",
    "Routed request duration (first attempt start to completion; streams to their end)",
    ["model", "stream"],
    LATENCY_BUCKETS,
  )
  private readonly attemptDuration = new HistogramSeries(
    this.registry,
    "switchyard_attempt_duration_seconds",
    "Upstream attempt duration, by endpoint and outcome",
    ["endpoint", "outcome"],
    LATENCY_BUCKETS,
  )

  constructor(status?: EndpointStatusSource, state?: StateStatusSource) {
    if (state !== undefined) this.stateMetrics(state)
    if (status === undefined) return
    let pending: Promise<ReadonlyArray<EndpointStatus>> | undefined
    // Both gauges are collected in one scrape: share one read of the router.
    const read = (): Promise<ReadonlyArray<EndpointStatus>> => {
      if (pending === undefined) {
        pending = status().finally(() => {
          pending = undefined
        })
      }
      return pending
    }
    new Gauge({
      name: "switchyard_endpoint_utilization",
      help: "Current utilization of the endpoint's capacity bucket (1 = 100%)",
      labelNames: ["endpoint", "pool"] as const,
      registers: [this.registry],
      async collect() {
        this.reset()
        for (const s of await read())
          if (s.utilization !== undefined) this.set({ endpoint: s.endpoint.id, pool: s.endpoint.pool }, s.utilization)
      },
    })
    new Gauge({
      name: "switchyard_endpoint_breaker_state",
      help: "Circuit breaker state per endpoint: 0 closed, 1 half-open, 2 open",
      labelNames: ["endpoint"] as const,
      registers: [this.registry],
      async collect() {
        this.reset()
        for (const s of await read()) this.set({ endpoint: s.endpoint.id }, BREAKER_STATE[s.breaker])
      },
    })
  }

  /** Backend errors and degraded state of the live-state store, read from it at scrape time. */
  private stateMetrics(state: StateStatusSource): void {
    new Counter({
      name: "switchyard_state_backend_errors_total",
      help: "Errors of the shared live-state store (Redis timeouts, connection errors); each one answered from local state, or 503 with onError closed",
      labelNames: ["backend"] as const,
      registers: [this.registry],
      collect() {
        const s = state()
        this.reset()
        if (s !== undefined) this.inc({ backend: s.backend }, s.errors)
      },
    })
    new Gauge({
      name: "switchyard_state_degraded",
      help: "1 while the shared live-state store is unreachable and this replica routes on its local state",
      labelNames: ["backend"] as const,
      registers: [this.registry],
      collect() {
        const s = state()
        this.reset()
        if (s !== undefined) this.set({ backend: s.backend }, s.state === "degraded" ? 1 : 0)
      },
    })
  }

  /** A request on a route other than chat completions. */
  http(route: string, status: number): void {
    this.httpRequests.inc(1, route, statusText(status))
  }

  /** A routed chat request finished (successfully or not) with this trace. */
  route(trace: RouteTrace, status: number, stream: boolean): void {
    const model = trace.modelUsed ?? trace.requestedModels[0] ?? "unknown"
    const streamed = stream ? "true" : "false"
    this.requests.inc(1, model, statusText(status), streamed)
    this.duration.observe(Math.max(0, trace.endedAt - trace.startedAt) / 1000, model, streamed)
    const attempts = trace.attempts
    for (let i = 0; i < attempts.length; i++) {
      const a = attempts[i]!
      this.attempts.inc(1, a.endpoint, a.pool, a.outcome)
      this.attemptDuration.observe(Math.max(0, a.endedAt - a.startedAt) / 1000, a.endpoint, a.outcome)
      if (i > 0) this.fallbacks.inc(1, a.endpoint)
      if (a.escalation !== undefined) this.escalations.inc(1, a.endpoint)
      if (a.outcome === "rate_limited") this.rateLimited.inc(1, "upstream", a.endpoint)
      else if (a.outcome === "refused_capacity") this.rateLimited.inc(1, "gateway", a.endpoint)
    }
    const served = trace.servedBy
    if (served === undefined) return
    if (trace.cost !== undefined && trace.cost > 0) this.cost.inc(trace.cost, served)
    const usage = trace.usage
    if (usage !== undefined) {
      const read = usage.cachedTokens
      const write = usage.cacheWriteTokens ?? 0
      const prompt = uncachedPromptTokens(usage)
      if (prompt > 0) this.tokens.inc(prompt, served, "prompt")
      if (read > 0) this.tokens.inc(read, served, "cache_read")
      if (write > 0) this.tokens.inc(write, served, "cache_write")
      if (usage.completionTokens > 0) this.tokens.inc(usage.completionTokens, served, "completion")
    }
    const details = trace.costDetails
    if (details !== undefined) {
      if (details.readSavings > 0) this.cacheSavings.inc(details.readSavings, served)
      if (details.writePremium > 0) this.cacheWritePremium.inc(details.writePremium, served)
    }
  }

  /** A chat request that failed before routing (bad input, auth, unknown model): no trace. */
  rejected(status: number, stream: boolean): void {
    this.requests.inc(1, "none", statusText(status), stream ? "true" : "false")
  }

  capacityExhausted(origin: "gateway" | "upstream"): void {
    this.exhausted.inc(1, origin)
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
