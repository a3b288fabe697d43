/**
 * A plan's explanation written when first read:
 *
 *   new ExplainedAttempt(endpoint, slot, settings, models, held)   `reasons` on first read
 *   new ExplainedPlan(attempts, escalation, excluded, inputs)      `steps` on first read
 *
 * Only a reader of the routing trace (the dashboard, `x-switchyard-trace`, a span) wants the text, and writing it for
 * every request cost ≈ 4% of the gateway's CPU under load. What it is written from (the plan's slots, settings and
 * models) is the plan's own and does not change once `plan` returns, so the text is the same whenever it is read.
 * Classes, not getters in object literals: one shared getter keeps every plan and attempt of one shape (a literal's
 * getter closure made each object a shape of its own, and the request path ≈ 20 µs slower). `toJSON` writes them as
 * plain objects.
 */
import type { Endpoint } from "../catalog/endpoint.js"
import type { ExcludedEndpoint } from "../errors.js"
import type { AffinityDecision } from "./affinity.js"
import { attemptReasons } from "./explain.js"
import type { PlanSettings } from "./settings.js"
import type { Slot } from "./slot.js"
import { planSteps } from "./steps.js"
import type { PlannedAttempt, RoutePlan } from "./types.js"

/** What a plan's steps are written from. */
export interface StepInputs {
  readonly slots: ReadonlyArray<Slot>
  readonly kept: ReadonlyArray<Slot>
  readonly held: ReadonlyArray<Slot>
  readonly settings: PlanSettings
  readonly models: ReadonlyArray<string>
  readonly affinity: AffinityDecision | undefined
}

const stepsOf = ({ slots, kept, held, settings, models, affinity }: StepInputs): ReadonlyArray<string> => {
  const steps = planSteps(slots, kept, held, settings, models)
  if (affinity !== undefined)
    steps.splice(
      steps.length - 1,
      0,
      `affinity: ${affinity.endpoint} ${affinity.applied ? "first" : "not used"} (${affinity.why})`,
    )
  return steps
}

export class ExplainedAttempt implements PlannedAttempt {
  private text: ReadonlyArray<string> | undefined = undefined

  constructor(
    readonly endpoint: Endpoint,
    private readonly slot: Slot,
    private readonly settings: PlanSettings,
    private readonly models: ReadonlyArray<string>,
    private readonly held: boolean,
  ) {}

  get reasons(): ReadonlyArray<string> {
    if (this.text === undefined) this.text = attemptReasons(this.slot, this.settings, this.models, this.held)
    return this.text
  }

  toJSON(): PlannedAttempt {
    return { endpoint: this.endpoint, reasons: this.reasons }
  }
}

export class ExplainedPlan implements RoutePlan {
  private text: ReadonlyArray<string> | undefined = undefined

  constructor(
    readonly attempts: ReadonlyArray<PlannedAttempt>,
    readonly escalation: ReadonlyArray<PlannedAttempt>,
    readonly excluded: ReadonlyArray<ExcludedEndpoint>,
    private readonly inputs: StepInputs,
  ) {}

  get steps(): ReadonlyArray<string> {
    if (this.text === undefined) this.text = stepsOf(this.inputs)
    return this.text
  }

  toJSON(): RoutePlan {
    return { attempts: this.attempts, escalation: this.escalation, excluded: this.excluded, steps: this.steps }
  }
}
