import { Context, Effect, Layer, Logger, ManagedRuntime, References } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type LoggingConfig, loggingLayer } from "../../src/index.js"
import { infoLineWriter } from "../../src/logging/line-logger.js"

// The gateway writes its request line through `infoLineWriter` when it can: no fiber per line. These check that it
// writes exactly what `Effect.logInfo(text, record)` on the same runtime writes, into the same batch, and that it
// steps aside whenever the runtime would log differently.

const runtimeOf = (config: LoggingConfig, batched = false) => {
  const written: Array<string> = []
  // the time is the runtime's Clock (a test clock at 0): both paths read it
  const layer = Layer.provideMerge(
    loggingLayer(config, (text) => written.push(text), { batched }),
    TestClock.layer(),
  )
  return { runtime: ManagedRuntime.make(layer), written }
}

const record = fc.dictionary(
  fc.constantFrom("request_id", "model", "status", "cost_usd", "key", "stream", "n", "error_code"),
  fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom("bench/model", "a b", 'q"', "x=y", ""),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(undefined),
  ),
)

describe("infoLineWriter", () => {
  for (const format of ["pretty", "json"] as const) {
    it(`${format}: writes the line Effect.logInfo writes, for any record of fields`, async () => {
      const viaEffect = runtimeOf({ level: "info", format })
      const direct = runtimeOf({ level: "info", format })
      const write = infoLineWriter((await direct.runtime.context()) as Context.Context<never>)
      expect(write).toBeDefined()
      const samples = fc.sample(record, { numRuns: 200, seed: 11 })
      for (const r of samples) {
        await viaEffect.runtime.runPromise(Effect.logInfo("request", r))
        expect(write!("request", r)).toBe(true)
      }
      expect(direct.written).toEqual(viaEffect.written)
      expect(direct.written).toHaveLength(samples.length)
      await Promise.all([viaEffect.runtime.dispose(), direct.runtime.dispose()])
    })
  }

  it("leaves a record the common path does not take to the caller (pretty `error`, json `msg`)", async () => {
    for (const [format, r] of [
      ["pretty", { error: "boom" }],
      ["json", { msg: "inner" }],
    ] as const) {
      const { runtime, written } = runtimeOf({ level: "info", format })
      const write = infoLineWriter((await runtime.context()) as Context.Context<never>)
      expect(write!("request", r)).toBe(false)
      expect(written).toEqual([])
      await runtime.dispose()
    }
  })

  it("adds to the logger's batch, in order with the lines logged as effects, written when the runtime closes", async () => {
    const { runtime, written } = runtimeOf({ level: "info", format: "pretty" }, true)
    const write = infoLineWriter((await runtime.context()) as Context.Context<never>)
    await runtime.runPromise(Effect.logInfo("first", { n: 1 }))
    expect(write!("second", { n: 2 })).toBe(true)
    await runtime.runPromise(Effect.logWarning("third"))
    expect(written).toEqual([]) // the test clock never reaches the 50 ms window
    await runtime.dispose()
    expect(written).toHaveLength(1)
    expect(written[0]!.split("\n").map((l) => l.slice(25))).toEqual([
      "INFO  first n=1",
      "INFO  second n=2",
      "WARN  third",
      "",
    ])
  })

  it("is undefined where Effect.logInfo would log differently: another logger, info filtered out, annotations", async () => {
    const open = runtimeOf({ level: "info", format: "pretty" })
    const context = (await open.runtime.context()) as Context.Context<never>
    expect(infoLineWriter(context)).toBeDefined()
    // info filtered out: nothing to write
    const quiet = runtimeOf({ level: "warn", format: "pretty" })
    expect(infoLineWriter((await quiet.runtime.context()) as Context.Context<never>)).toBeUndefined()
    // a second logger beside it (an OTLP exporter's, an app's own): both must see the line
    const other = Logger.layer([Logger.make(() => {})], { mergeWithExisting: true })
    const merged = ManagedRuntime.make(
      Layer.provideMerge(
        other,
        loggingLayer({ level: "info", format: "pretty" }, () => {}, { batched: false }),
      ),
    )
    const mergedContext = await merged.context()
    expect(Context.getUnsafe(mergedContext, Logger.CurrentLoggers).size).toBe(2)
    expect(infoLineWriter(mergedContext as Context.Context<never>)).toBeUndefined()
    // log annotations in the runtime's context would be fields of an Effect-logged line
    const annotated = Context.add(context, References.CurrentLogAnnotations, { tenant: "t-1" })
    expect(infoLineWriter(annotated as Context.Context<never>)).toBeUndefined()
    await Promise.all([open.runtime.dispose(), quiet.runtime.dispose(), merged.dispose()])
  })
})
