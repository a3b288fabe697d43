import { Cause, Effect, Exit, Layer, Result, type Scope } from "effect"
import { TestClock } from "effect/testing"
import type { Endpoint } from "../../src/catalog/endpoint.js"
import { decodeCatalog } from "../../src/index.js"

/** Endpoints built by the real catalog loader from a one-model config. */
export const endpointsOf = (endpoints: ReadonlyArray<Record<string, unknown>>): ReadonlyArray<Endpoint> => {
  const providers = [...new Set(endpoints.map((e) => e.provider as string))].map((slug) => ({
    slug,
    kind: "simulated",
  }))
  const r = decodeCatalog({
    providers,
    models: [{ id: "sim/model", endpoints: endpoints.map((e) => ({ contextLength: 128_000, ...e })) }],
  })
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success.endpoints
}

export const endpointOf = (fields: Record<string, unknown> = {}): Endpoint =>
  endpointsOf([{ provider: "sim", price: { prompt: 1, completion: 2 }, ...fields }])[0]!

/** Run an effect under TestClock (time starts at 0); reject with the pretty cause on failure. */
export const runTest = <A, E>(eff: Effect.Effect<A, E, Scope.Scope | TestClock.TestClock>): Promise<A> =>
  Effect.runPromiseExit(eff.pipe(Effect.scoped, Effect.provide(Layer.mergeAll(TestClock.layer())))).then((exit) => {
    if (Exit.isSuccess(exit)) return exit.value
    throw new Error(Cause.pretty(exit.cause))
  })

/** A chat body with exact sizes for the simulated upstream. */
export const body = (prompt: number, output: number, extra: Record<string, unknown> = {}) => ({
  model: "sim/model",
  messages: [{ role: "user", content: "hi" }],
  simulation: { prompt_tokens: prompt, output_tokens: output },
  ...extra,
})

export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}
