import { definePlugin, Simulated } from "@switchyard/core"
import * as Effect from "effect/Effect"
import { SimulatedOptions } from "./options.js"

/**
 * The `simulated` provider: an in-process upstream with a leaky-bucket meter, latency and
 * throughput distributions, an error rate and outage windows (no network). Deterministic under
 * `TestClock` with a `seed` (or the caller's seeded `Random`).
 */
export const simulatedPlugin = definePlugin<SimulatedOptions>({
  kind: "simulated",
  options: SimulatedOptions,
  make: (options, ctx) => Effect.map(Simulated.makeSimulatedUpstream(ctx.slug, options), (u) => u.client),
})

/** Like the plugin's `make`, but keeps the upstream's `probe` (meter and counters) for dashboards and tests. */
export const makeSimulatedProvider = (slug: string, options: SimulatedOptions) =>
  Simulated.makeSimulatedUpstream(slug, options)
