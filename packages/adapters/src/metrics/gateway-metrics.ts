import type { EndpointStatus, RouteTrace } from "@switchyard/core"
import { Counter, Gauge, Histogram, Registry } from "prom-client"

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160]

const BREAKER_STATE: Readonly<Record<EndpointStatus["breaker"], number>> = { closed: 0, "half-open": 1, open: 2 }

/** Reads the live endpoint view at scrape time (utilization and breaker gauges). */
export type EndpointStatusSource = () => Promise<ReadonlyArray<EndpointStatus>>

/**
 * The gateway's Prometheus metrics, in a registry of its own (nothing global, so several gateways or
 * tests in one process do not collide). Counters and histograms are updated from each request's
 * `RouteTrace`; utilization and breaker gauges are read from the router when scraped.
 */
export class GatewayMetrics {
  readonly registry = new Registry()
  private readonly httpRequests = new Counter({
    name: "switchyard_http_requests_total",
    help: "HTTP requests answered, by route and status",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  })
  private readonly requests = new Counter({
    name: "switchyard_requests_total",
    help: "Chat completion requests routed, by model used, status and streaming",
    labelNames: ["model", "status", "stream"] as const,
    registers: [this.registry],
  })
  private readonly attempts = new Counter({
    name: "switchyard_attempts_total",
    help: "Upstream attempts, by endpoint, pool and outcome",
    labelNames: ["endpoint", "pool", "outcome"] as const,
    registers: [this.registry],
  })
  private readonly fallbacks = new Counter({
    name: "switchyard_fallbacks_total",
    help: "Attempts after the first one of a request (fallbacks), by the endpoint fallen back to",
    labelNames: ["endpoint"] as const,
    registers: [this.registry],
  })
  private readonly escalations = new Counter({
    name: "switchyard_escalations_total",
    help: "Attempts escalated to a provisioned (PT) endpoint after rate limits",
    labelNames: ["endpoint"] as const,
    registers: [this.registry],
  })
  private readonly rateLimited = new Counter({
    name: "switchyard_rate_limited_total",
    help: "Rate-limited attempts by origin: upstream (a 429 from the provider) or gateway (refused by Switchyard's capacity prediction)",
    labelNames: ["origin", "endpoint"] as const,
    registers: [this.registry],
  })
  private readonly exhausted = new Counter({
    name: "switchyard_capacity_exhausted_total",
    help: "429 responses sent to clients because every admissible endpoint was rate-limited, by origin",
    labelNames: ["origin"] as const,
    registers: [this.registry],
  })
  private readonly cost = new Counter({
    name: "switchyard_cost_usd_total",
    help: "Cost of served requests in USD (effective price × usage)",
    labelNames: ["endpoint"] as const,
    registers: [this.registry],
  })
  private readonly duration = new Histogram({
    name: "switchyard_request_duration_seconds",
    help: "Routed request duration (first attempt start to completion, streams to their end)",
    labelNames: ["model", "stream"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  })
  private readonly attemptDuration = new Histogram({
    name: "switchyard_attempt_duration_seconds",
    help: "Upstream attempt duration, by endpoint and outcome",
    labelNames: ["endpoint", "outcome"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  })

  constructor(status?: EndpointStatusSource) {
    if (status === undefined) return
    let last: Promise<ReadonlyArray<EndpointStatus>> | undefined
    // Both gauges are collected in one scrape: share a single read of the router.
    const read = (): Promise<ReadonlyArray<EndpointStatus>> => {
      if (last === undefined) {
        last = status().finally(() => {
          last = undefined
        })
      }
      return last
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

  /** Any answered HTTP request. */
  http(route: string, status: number): void {
    this.httpRequests.inc({ route, status: String(status) })
  }

  /** A routed chat request finished (successfully or not) with this trace. */
  route(trace: RouteTrace, status: number, stream: boolean): void {
    const model = trace.modelUsed ?? trace.requestedModels[0] ?? "unknown"
    const streamed = stream ? "true" : "false"
    this.requests.inc({ model, status: String(status), stream: streamed })
    this.duration.observe({ model, stream: streamed }, Math.max(0, trace.endedAt - trace.startedAt) / 1000)
    for (let i = 0; i < trace.attempts.length; i++) {
      const a = trace.attempts[i]!
      this.attempts.inc({ endpoint: a.endpoint, pool: a.pool, outcome: a.outcome })
      this.attemptDuration.observe(
        { endpoint: a.endpoint, outcome: a.outcome },
        Math.max(0, a.endedAt - a.startedAt) / 1000,
      )
      if (i > 0) this.fallbacks.inc({ endpoint: a.endpoint })
      if (a.escalation !== undefined) this.escalations.inc({ endpoint: a.endpoint })
      if (a.outcome === "rate_limited") this.rateLimited.inc({ origin: "upstream", endpoint: a.endpoint })
      else if (a.outcome === "refused_capacity") this.rateLimited.inc({ origin: "gateway", endpoint: a.endpoint })
    }
    if (trace.cost !== undefined && trace.servedBy !== undefined && trace.cost > 0)
      this.cost.inc({ endpoint: trace.servedBy }, trace.cost)
  }

  /** A chat request that failed before routing (bad input, auth, unknown model): no trace. */
  rejected(status: number, stream: boolean): void {
    this.requests.inc({ model: "none", status: String(status), stream: stream ? "true" : "false" })
  }

  capacityExhausted(origin: "gateway" | "upstream"): void {
    this.exhausted.inc({ origin })
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
