import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { backendChange } from "../../src/monitor/monitor.js"
import { captureLogs } from "../support/logs.js"

describe("state backend lines", () => {
  it("one warn line when the shared store goes degraded, one info line when it recovers, none otherwise", async () => {
    const log = captureLogs()
    const ok = { backend: "redis", state: "ok", errors: 0 } as const
    const degraded = { backend: "redis", state: "degraded", errors: 3 } as const
    const steps = [
      [undefined, ok],
      [ok, degraded],
      [degraded, { ...degraded, errors: 9 }],
      [degraded, { ...ok, errors: 9 }],
      [ok, ok],
    ] as const
    for (const [before, now] of steps)
      await Effect.runPromise(backendChange(before, now).pipe(Effect.provide(log.layer)))
    expect(log.records().map((r) => [r.level, r.msg, r.backend, r.errors])).toEqual([
      ["warn", "state backend degraded: routing on this replica's local state", "redis", 3],
      ["info", "state backend recovered", "redis", 9],
    ])
  })
})
