import { ActiveDeployment, type EndpointStatus, Router } from "@switchyard/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { EndpointStates } from "./endpoint-states.js"

/** Every endpoint's live view, model by model (a model whose read fails is skipped). */
export const readEndpointStatuses: Effect.Effect<
  ReadonlyArray<EndpointStatus>,
  never,
  Router | ActiveDeployment
> = Effect.gen(function* () {
  const router = yield* Router
  const { catalog } = yield* (yield* ActiveDeployment).get
  const all = yield* Effect.forEach(catalog.models.keys(), (id) =>
    router.endpointStatus(id).pipe(Effect.orElseSucceed(() => [])),
  )
  return all.flat()
})

/** Called with each sample (the dashboard keeps its utilization series from these). */
export type SampleListener = (statuses: ReadonlyArray<EndpointStatus>, now: number) => void

/**
 * The endpoint monitor: every `intervalMs`, read every endpoint's live state once, log what changed
 * (breakers, cooldowns: see `EndpointStates`) and hand the sample to `onSample`. Runs until interrupted;
 * a failed sample is logged and the next one taken.
 */
export const monitorEndpoints = (
  intervalMs: number,
  onSample: SampleListener,
): Effect.Effect<never, never, Router | ActiveDeployment> => {
  const states = new EndpointStates()
  const sample = Effect.gen(function* () {
    const statuses = yield* readEndpointStatuses
    const now = yield* Clock.currentTimeMillis
    for (const line of states.changes(statuses, now)) yield* line
    onSample(statuses, now)
  }).pipe(Effect.catchCause((cause) => Effect.logWarning("endpoint monitor: sample failed", cause)))
  return Effect.forever(Effect.andThen(sample, Effect.sleep(intervalMs)))
}
