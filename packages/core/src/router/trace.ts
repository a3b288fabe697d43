import type { Endpoint } from "../catalog/endpoint.js"
import type { PlannedAttempt, RoutePlan } from "../policy/types.js"
import type { CapacitySignals, Usage } from "../provider/usage.js"
import type { Priority } from "../schema/provider-preferences.js"
import type { CostDetails } from "./cost.js"
import type { RequestSpans } from "./spans.js"
import type { AttemptTrace, RouteTrace } from "./types.js"

export type MutableAttemptTrace = { -readonly [K in keyof AttemptTrace]: AttemptTrace[K] }

const planned = (p: PlannedAttempt) => ({ endpoint: p.endpoint.id, model: p.endpoint.model, reasons: p.reasons })

/** Collects what happened to one request; `finish` freezes it into a `RouteTrace`. */
export class TraceRecorder {
  readonly attempts: Array<MutableAttemptTrace> = []
  readonly steps: Array<string>
  escalated = false
  private plan: RoutePlan | undefined = undefined

  constructor(
    readonly requestId: string | undefined,
    readonly traceId: string | undefined,
    readonly requestedModels: ReadonlyArray<string>,
    readonly priority: Priority,
    readonly startedAt: number,
    /** The request's OpenTelemetry spans, when tracing is on: told of every attempt and of the end. */
    readonly spans?: RequestSpans | undefined,
  ) {
    this.steps = []
  }

  setPlan(plan: RoutePlan): void {
    this.plan = plan
    for (const s of plan.steps) this.steps.push(s)
  }

  step(text: string): void {
    this.steps.push(text)
  }

  push(attempt: MutableAttemptTrace): MutableAttemptTrace {
    this.attempts.push(attempt)
    this.spans?.attemptEnded(attempt)
    return attempt
  }

  finish(
    now: number,
    served?: {
      readonly endpoint: Endpoint
      readonly usage: Usage | undefined
      readonly cost: CostDetails | undefined
      /** When the client's first token arrived (a non-streamed completion: when it arrived whole). */
      readonly firstTokenAt: number | undefined
      /** Which pool the upstream says served (Vertex trafficType). */
      readonly traffic?: CapacitySignals["trafficType"] | undefined
    },
  ): RouteTrace {
    const plan = this.plan
    const traffic = served?.traffic
    if (traffic !== undefined && served?.endpoint.pool === "provisioned" && traffic !== "provisioned")
      this.steps.push(`spillover: ${served.endpoint.id} is provisioned but the upstream served it as ${traffic}`)
    const trace: RouteTrace = {
      requestId: this.requestId,
      traceId: this.traceId,
      requestedModels: this.requestedModels,
      priority: this.priority,
      plan: {
        attempts: plan === undefined ? [] : plan.attempts.map(planned),
        escalation: plan === undefined ? [] : plan.escalation.map(planned),
        excluded: plan === undefined ? [] : plan.excluded,
        steps: this.steps.slice(),
      },
      // In start order (they are recorded as they end; hedged attempts overlap).
      attempts: this.attempts.slice().sort((x, y) => x.startedAt - y.startedAt),
      escalated: this.escalated,
      servedBy: served?.endpoint.slug,
      servedTraffic: traffic,
      modelUsed: served?.endpoint.model,
      usage: served?.usage,
      cost: served?.cost?.total,
      costDetails: served?.cost,
      ttftMs: served?.firstTokenAt === undefined ? undefined : served.firstTokenAt - this.startedAt,
      startedAt: this.startedAt,
      endedAt: now,
    }
    this.spans?.finished(trace)
    return trace
  }
}
