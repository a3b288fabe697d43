import { ActiveDeployment, type EndpointStatus, LiveState, Router, type StateStatus } from "@switchyard/core"
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

/** One line when the live-state store goes degraded (answering from local state) or recovers. */
export const backendChange = (before: StateStatus | undefined, now: StateStatus): Effect.Effect<void> => {
  if (now.state === (before?.state ?? "ok")) return Effect.void
  const fields = { backend: now.backend, errors: now.errors }
  return now.state === "degraded"
    ? Effect.logWarning("state backend degraded: routing on this replica's local state", fields)
    : Effect.logInfo("state backend recovered", fields)
}

/**
 * The endpoint monitor: every `intervalMs`, read every endpoint's live state once, log what changed
 * (breakers, cooldowns: see `EndpointStates`; the live-state store going degraded or recovering) and
 * hand the sample to `onSample`. Runs until interrupted; a failed sample is logged and the next one taken.
 */
export const monitorEndpoints = (
  intervalMs: number,
  onSample: SampleListener,
): Effect.Effect<never, never, Router | ActiveDeployment | LiveState> => {
  const states = new EndpointStates()
  let backend: StateStatus | undefined
  const sample = Effect.gen(function* () {
    const statuses = yield* readEndpointStatuses
    const now = yield* Clock.currentTimeMillis
    for (const line of states.changes(statuses, now)) yield* line
    const status = (yield* LiveState).status()
    yield* backendChange(backend, status)
    backend = status
    onSample(statuses, now)
  }).pipe(Effect.catchCause((cause) => Effect.logWarning("endpoint monitor: sample failed", cause)))
  // the first sample after one interval: a gateway's first moments are its first requests' alone
  return Effect.forever(Effect.andThen(Effect.sleep(intervalMs), sample))
}
