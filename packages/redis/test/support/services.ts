import {
  Affinity,
  CapacityMeter,
  decodeCatalog,
  type Endpoint,
  Health,
  LiveState,
  type LiveStateOptions,
  liveStateLayer,
  RetryBudget,
  routingDefaults,
  Stats,
} from "@switchyard/core"
import { Context, Effect, Exit, Layer, Logger, Result, Scope } from "effect"
import { RedisState, type RedisStateOptions } from "../../src/index.js"

/** The live-state services of one "replica" on Redis (or in memory without `redis`), and a way to close them. */
export const buildServices = async (
  redis: RedisStateOptions | undefined,
  options: LiveStateOptions = {},
  logs?: Array<string>,
) => {
  const scope = Effect.runSync(Scope.make())
  const services = liveStateLayer(routingDefaults, {
    ...options,
    ...(redis !== undefined && { backend: RedisState.layer(redis) }),
  })
  const layer =
    logs === undefined
      ? services
      : services.pipe(
          Layer.provide(Logger.layer([Logger.make((o) => void logs.push(`${o.logLevel} ${String(o.message)}`))])),
        )
  const ctx = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  return {
    capacity: Context.get(ctx, CapacityMeter),
    health: Context.get(ctx, Health),
    stats: Context.get(ctx, Stats),
    budget: Context.get(ctx, RetryBudget),
    affinity: Context.get(ctx, Affinity),
    live: Context.get(ctx, LiveState),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  }
}

export type Services = Awaited<ReturnType<typeof buildServices>>

/** Run an Effect that cannot fail. */
export const run = <A, E>(eff: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(eff)

/** The endpoints of one model "m" of a simulated provider "p", each `{ variant, … }` with the price and context given. */
const catalogOf = (endpoints: ReadonlyArray<Record<string, unknown>>): ReadonlyArray<Endpoint> => {
  const r = decodeCatalog({
    providers: [{ slug: "p", kind: "simulated" }],
    models: [
      {
        id: "m",
        endpoints: endpoints.map((e) => ({
          provider: "p",
          price: { prompt: 1, completion: 1 },
          contextLength: 100_000,
          ...e,
        })),
      },
    ],
  })
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success.endpoints
}

/** A catalog's endpoints for the tests: tracked in tokens, in requests, both, and untracked. */
export const endpoints = (): ReadonlyArray<Endpoint> =>
  catalogOf([
    { variant: "tpm", capacity: { tokensPerMinute: 6_000 } },
    { variant: "rpm", capacity: { requestsPerMinute: 30 } },
    { variant: "both", outputWeight: 3, capacity: { tokensPerMinute: 9_000, requestsPerMinute: 12 } },
    { variant: "free" },
  ])

/** One endpoint of its own (`variant`) with `capacity` (none: untracked). */
export const endpointWith = (
  variant: string,
  capacity?: { tokensPerMinute?: number; requestsPerMinute?: number },
): Endpoint => catalogOf([{ variant, ...(capacity !== undefined && { capacity }) }])[0]!
