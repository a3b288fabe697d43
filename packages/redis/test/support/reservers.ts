import type { Endpoint } from "@switchyard/core"
import fc from "fast-check"
import { expect } from "vitest"
import { run, type Services } from "./services.js"

/** What a reserver does in one step: reserve `charge` (with `headroom`), then keep it, settle lower (`used` of it) or release. */
export const reserveStep = fc.record({
  charge: fc.integer({ min: 1, max: 2_500 }),
  headroom: fc.constantFrom(0, 0.2),
  after: fc.constantFrom("keep", "settle", "release"),
  used: fc.double({ min: 0, max: 1, noNaN: true }),
})
export type ReserveStep = typeof reserveStep extends fc.Arbitrary<infer A> ? A : never

/** One step of replica `r` on endpoint `e`; right after its own admission the shared level is within capacity. */
export const reserveOnce = async (r: Services, e: Endpoint, s: ReserveStep, now: number): Promise<void> => {
  const a = await run(r.capacity.reserve(e, s.charge, { admission: true, headroom: s.headroom }, now))
  if (a._tag !== "Admitted") return
  expect(await run(r.capacity.utilization(e, now))).toBeLessThanOrEqual(1 + 1e-9)
  if (s.after === "release") await run(r.capacity.release(a.reservation, now))
  if (s.after === "settle")
    await run(
      r.capacity.settle(
        a.reservation,
        { promptTokens: Math.floor(s.charge * s.used), completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
        now,
      ),
    )
}
