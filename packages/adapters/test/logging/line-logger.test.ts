import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isoTime } from "../../src/logging/line-logger.js"
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

describe("log lines of one text and one object of fields (the per-request line's shape)", () => {
  const once = (log: ReturnType<typeof captureLogs>, fields: Record<string, unknown>) =>
    Effect.runPromise(Effect.logInfo("request", fields).pipe(Effect.provide(log.layer)))

  it("skip undefined fields and keep the others in order, in both formats", async () => {
    const json = captureLogs({ level: "info", format: "json" })
    await once(json, { a: "x", b: undefined, c: 2, d: { e: [1] } })
    expect(json.lines[0]).toMatch(/^\{"time":"[^"]+","level":"info","msg":"request","a":"x","c":2,"d":\{"e":\[1\]\}\}$/)
    const pretty = captureLogs({ level: "info", format: "pretty" })
    await once(pretty, { a: "x", b: undefined, c: 2, d: { e: [1] } })
    expect(pretty.lines[0]).toMatch(/INFO {2}request a=x c=2 d=\{"e":\[1\]\}$/)
  })

  it("a field named like a line's own (msg, time, level, error) is written as for any other event", async () => {
    const json = captureLogs({ level: "info", format: "json" })
    await once(json, { msg: "inner", n: 1 })
    expect(json.records()[0]).toEqual({ time: expect.any(String), level: "info", msg: "inner", n: 1 })
    const pretty = captureLogs({ level: "info", format: "pretty" })
    await once(pretty, { n: 1, error: "boom" })
    expect(pretty.lines).toEqual([expect.stringMatching(/INFO {2}request n=1$/), "boom"])
  })

  it('pretty: a string field is written bare when it is a token (/^[^\\s"=]+$/), else as a JSON string', async () => {
    const chars = fc.constantFrom(
      ...'ab-_.:@/=" \t\n\u000b\f\r\u00a0\u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff\u00e9'.split(""),
    )
    const values = fc.array(chars, { maxLength: 6 }).map((cs) => cs.join(""))
    const samples = fc.sample(values, { numRuns: 300, seed: 15 })
    const pretty = captureLogs({ level: "info", format: "pretty" })
    for (const v of samples) await once(pretty, { v })
    expect(pretty.lines.map((line) => line.slice(line.indexOf(" v=") + 3))).toEqual(
      samples.map((v) => (/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v))),
    )
  })

  it("an empty object of fields still makes a valid line", async () => {
    const json = captureLogs({ level: "info", format: "json" })
    await once(json, {})
    expect(json.records()[0]).toEqual({ time: expect.any(String), level: "info", msg: "request" })
  })
})

describe("isoTime", () => {
  it("writes the time as Date's toISOString, also for lines of the same second and years past 9999", () => {
    // times around "now" (many lines in one second), and anywhere Date can represent
    const near = fc.integer({ min: 1_700_000_000_000, max: 1_700_000_005_000 })
    const any = fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 })
    fc.assert(
      fc.property(fc.array(fc.oneof(near, any), { minLength: 1, maxLength: 50 }), (times) => {
        for (const t of times) expect(isoTime(new Date(t))).toBe(new Date(t).toISOString())
      }),
    )
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError)
  })
})
