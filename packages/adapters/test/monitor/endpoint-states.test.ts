import type { EndpointStatus } from "@switchyard/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { EndpointStates } from "../../src/monitor/endpoint-states.js"
import { captureLogs } from "../support/logs.js"
import { surfaceCatalog } from "../support/surface-router.js"

const endpoint = surfaceCatalog.endpoints[0]!
const status = (breaker: EndpointStatus["breaker"], cooldownUntil?: number): EndpointStatus => ({
  endpoint,
  latency: undefined,
  throughput: undefined,
  uptime: undefined,
  utilization: undefined,
  breaker,
  cooldownUntil,
})

describe("EndpointStates", () => {
  it("one line per change of breaker or cooldown, none while nothing changes", async () => {
    const log = captureLogs()
    const states = new EndpointStates()
    const run = (s: EndpointStatus, now: number) =>
      Effect.runPromise(Effect.all(states.changes([s], now)).pipe(Effect.provide(log.layer)))
    await run(status("closed"), 0)
    await run(status("closed", 31_000), 1_000)
    await run(status("closed", 31_000), 2_000)
    await run(status("open"), 40_000)
    await run(status("open"), 41_000)
    await run(status("half-open"), 70_000)
    await run(status("closed"), 71_000)
    expect(log.records().map((r) => [r.level, r.msg, r.endpoint])).toEqual([
      ["warn", "cooldown started", endpoint.id],
      ["warn", "breaker opened", endpoint.id],
      ["info", "cooldown ended", endpoint.id],
      ["info", "breaker half-open", endpoint.id],
      ["info", "breaker closed", endpoint.id],
    ])
    expect(log.records()[0]).toMatchObject({ for_ms: 30_000, until: new Date(31_000).toISOString() })
  })
})
