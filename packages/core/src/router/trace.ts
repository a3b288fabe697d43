import type { Endpoint } from "../catalog/endpoint.js"
import type { PlannedAttempt, RoutePlan } from "../policy/types.js"
import type { CapacitySignals, Usage } from "../provider/usage.js"
import type { Priority } from "../schema/provider-preferences.js"
import type { CostDetails } from "./cost.js"
import type { RequestSpans } from "./spans.js"
import type { AttemptTrace, RouteTrace } from "./types.js"

export type MutableAttemptTrace = { -readonly [K in keyof AttemptTrace]: AttemptTrace[K] }

const planned = (p: PlannedAttempt) => ({ endpoint: p.endpoint.id, model: p.endpoint.model, reasons: p.reasons })

const NO_STEPS: ReadonlyArray<string> = Object.freeze([])

type TracePlan = RouteTrace["plan"]

/**
 * A trace's `plan`, built from the route's plan when first read: most traces are read only for their attempts, usage
 * and cost (metrics, the log line), and the plan's explanation is written only when read (see `plan`). Steps: the
 * plan's, then the router's own. `toJSON` (and `redactDeep`, which follows it) writes it as a plain object.
 */
class TracedPlan implements TracePlan {
  private built: TracePlan | undefined = undefined

  constructor(
    private readonly plan: RoutePlan | undefined,
    private readonly routerSteps: ReadonlyArray<string>,
  ) {}

  private get value(): TracePlan {
    if (this.built !== undefined) return this.built
    const plan = this.plan
    this.built = {
      attempts: plan === undefined ? [] : plan.attempts.map(planned),
      escalation: plan === undefined ? [] : plan.escalation.map(planned),
      excluded: plan === undefined ? [] : plan.excluded,
      steps: plan === undefined ? this.routerSteps.slice() : [...plan.steps, ...this.routerSteps],
    }
    return this.built
  }

  get attempts(): TracePlan["attempts"] {
    return this.value.attempts
  }

  get escalation(): TracePlan["escalation"] {
    return this.value.escalation
  }

  get excluded(): TracePlan["excluded"] {
    return this.value.excluded
  }

  get steps(): TracePlan["steps"] {
    return this.value.steps
  }

  toJSON(): TracePlan {
    return this.value
  }
}

/** Collects what happened to one request; `finish` freezes it into a `RouteTrace`. */
export class TraceRecorder {
  readonly attempts: Array<MutableAttemptTrace> = []
  /** The router's own steps (after the plan's in the trace). */
  private readonly steps: Array<string> = []
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
  ) {}

  setPlan(plan: RoutePlan): void {
    this.plan = plan
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
      plan: new TracedPlan(plan, this.steps.length === 0 ? NO_STEPS : this.steps.slice()),
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
