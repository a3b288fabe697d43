import type { EndpointStatus, Percentiles, Pool, RouteTrace } from "@switchyard/core"
import { MinuteSeries } from "./minute-series.js"
import { RecentTraces } from "./recent-traces.js"
import type { DashboardView, EndpointRow, ModelRows, Pair, RecentRow } from "./view.js"

const pair = (p: Percentiles | undefined): Pair | null => (p === undefined ? null : { p50: p.p50, p90: p.p90 })

/**
 * Utilization of each pool: the capacity-weighted mean over its metered endpoints (tokens per minute as
 * the weight when known, else 1). Null when no endpoint of the pool is metered.
 */
export const poolUtilization = (statuses: ReadonlyArray<EndpointStatus>): Record<Pool, number | null> => {
  const sum: Record<Pool, number> = { standard: 0, provisioned: 0 }
  const weight: Record<Pool, number> = { standard: 0, provisioned: 0 }
  for (const s of statuses) {
    if (s.utilization === undefined) continue
    const w = s.endpoint.capacity?.tokensPerMinute ?? 1
    sum[s.endpoint.pool] += s.utilization * w
    weight[s.endpoint.pool] += w
  }
  return {
    standard: weight.standard === 0 ? null : sum.standard / weight.standard,
    provisioned: weight.provisioned === 0 ? null : sum.provisioned / weight.provisioned,
  }
}

const row = (s: EndpointStatus, now: number): EndpointRow => ({
  id: s.endpoint.id,
  provider: s.endpoint.slug,
  pool: s.endpoint.pool,
  price: { prompt: s.endpoint.effectivePrompt, completion: s.endpoint.effectiveCompletion },
  ttft: pair(s.latency),
  latency: pair(s.totalLatency),
  throughput: pair(s.throughput),
  uptime: s.uptime ?? null,
  utilization: s.utilization ?? null,
  breaker: s.breaker,
  cooldownUntil: s.cooldownUntil !== undefined && s.cooldownUntil > now ? s.cooldownUntil : null,
})

const recentRow = (id: string, status: number, stream: boolean, t: RouteTrace): RecentRow => ({
  id,
  requestId: t.requestId ?? null,
  at: t.endedAt,
  model: t.modelUsed ?? t.requestedModels[0] ?? "",
  servedBy: t.servedBy ?? null,
  status,
  stream,
  escalated: t.escalated,
  latencyMs: Math.max(0, t.endedAt - t.startedAt),
  cost: t.cost ?? null,
  path: t.attempts.map((a) => ({
    provider: a.endpoint.slice(a.endpoint.indexOf("@") + 1),
    outcome: a.outcome,
    pool: a.pool,
  })),
})

/**
 * What the dashboard shows, kept in the gateway process with bounded memory: the last hour per minute
 * (`MinuteSeries`, 60 buckets), the 50 most recent routed requests with their RouteTrace
 * (`RecentTraces`), and the endpoint monitor's latest sample. Updated per request (a few additions and
 * one ring slot) and per sample.
 */
export class DashboardState {
  readonly series = new MinuteSeries(60)
  readonly recent = new RecentTraces(50)
  private latest: { readonly statuses: ReadonlyArray<EndpointStatus>; readonly at: number } | undefined

  route(trace: RouteTrace, status: number, stream: boolean): void {
    this.series.route(trace, status)
    this.recent.add(trace, status, stream)
  }

  rejected(at: number): void {
    this.series.rejected(at)
  }

  /** An endpoint monitor sample: the table's rows and the utilization series. */
  sample(statuses: ReadonlyArray<EndpointStatus>, now: number): void {
    this.latest = { statuses, at: now }
    const pools = poolUtilization(statuses)
    if (pools.standard !== null) this.series.utilization("standard", pools.standard, now)
    if (pools.provisioned !== null) this.series.utilization("provisioned", pools.provisioned, now)
  }

  /** The monitor's latest sample when it is at most `maxAgeMs` old. */
  fresh(now: number, maxAgeMs: number): ReadonlyArray<EndpointStatus> | undefined {
    return this.latest !== undefined && now - this.latest.at <= maxAgeMs ? this.latest.statuses : undefined
  }

  view(statuses: ReadonlyArray<EndpointStatus>, now: number): DashboardView {
    const buckets = this.series.window(now)
    const models: Array<ModelRows> = []
    const byModel = new Map<string, Array<EndpointRow>>()
    for (const s of statuses) {
      let rows = byModel.get(s.endpoint.model)
      if (rows === undefined) {
        rows = []
        byModel.set(s.endpoint.model, rows)
        models.push({ id: s.endpoint.model, endpoints: rows })
      }
      rows.push(row(s, now))
    }
    const pools = poolUtilization(statuses)
    return {
      now,
      totals: { ...this.series.totals },
      series: {
        minute: buckets.map((b) => b.minute),
        requests: buckets.map((b) => b.requests),
        successes: buckets.map((b) => b.successes),
        rateLimitedUpstream: buckets.map((b) => b.rateLimitedUpstream),
        rateLimitedGateway: buckets.map((b) => b.rateLimitedGateway),
        fallbacks: buckets.map((b) => b.fallbacks),
        escalations: buckets.map((b) => b.escalations),
        cost: buckets.map((b) => b.cost),
        utilizationStandard: buckets.map((b) => b.utilization.standard ?? null),
        utilizationProvisioned: buckets.map((b) => b.utilization.provisioned ?? null),
      },
      models,
      pools: { standard: pools.standard, provisioned: pools.provisioned },
      recent: this.recent.list().map((r) => recentRow(r.id, r.status, r.stream, r.trace)),
    }
  }
}
