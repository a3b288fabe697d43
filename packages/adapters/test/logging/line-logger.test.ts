import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { captureLogs } from "../support/logs.js"

const emit = (log: ReturnType<typeof captureLogs>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* Effect.logDebug("detail")
      yield* Effect.logInfo("request", { request_id: "r-1", status: 200, cost_usd: 0.0012, model: "a b" })
      yield* Effect.logWarning("cooldown started").pipe(Effect.annotateLogs({ endpoint: "m@x" }))
    }).pipe(Effect.provide(log.layer)),
  )

describe("log lines", () => {
  it("json: one object a line with time, level, msg and the fields (message objects and annotations)", async () => {
    const log = captureLogs({ level: "info", format: "json" })
    await emit(log)
    const [request, cooldown, ...rest] = log.records()
    expect(rest).toEqual([])
    expect(request).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: "info",
      msg: "request",
      request_id: "r-1",
      status: 200,
      cost_usd: 0.0012,
      model: "a b",
    })
    expect(cooldown).toMatchObject({ level: "warn", msg: "cooldown started", endpoint: "m@x" })
  })

  it("pretty: one readable line each, key=value fields; the level filters", async () => {
    const log = captureLogs({ level: "debug", format: "pretty" })
    await emit(log)
    expect(log.lines).toHaveLength(3)
    expect(log.lines[1]).toMatch(/^\S+Z INFO {2}request request_id=r-1 status=200 cost_usd=0.0012 model="a b"$/)
    expect(log.lines[2]).toMatch(/WARN {2}cooldown started endpoint=m@x$/)
    const quiet = captureLogs({ level: "none", format: "pretty" })
    await emit(quiet)
    expect(quiet.lines).toEqual([])
  })
})
