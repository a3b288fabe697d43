import { makeRedactor } from "@switchyard/core"
import { Cause, Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { LogFormat } from "../../src/logging/config.js"
import { captureLogs } from "../support/logs.js"

const SECRET = 'pa"ss\\word-0123456789'
const redact = makeRedactor([SECRET])
const logged = (format: LogFormat, effect: Effect.Effect<void>) => {
  const log = captureLogs({ level: "info", format }, redact)
  return Effect.runPromise(effect.pipe(Effect.provide(log.layer))).then(() => log)
}

describe("redacted log lines", () => {
  // the request line's `key` is the key's configured name: the line's own `"key":"…"` / `key=…` is not an
  // `api_key=…`-style assignment
  it("write a key's name as it is, in both formats", async () => {
    const line = { request_id: "r-1", key: "batch-jobs-nightly", model: "acme/model", status: 200 }
    const json = await logged("json", Effect.logInfo("request", line))
    expect(json.records()[0]).toMatchObject(line)
    const pretty = await logged("pretty", Effect.logInfo("request", line))
    expect(pretty.lines[0]).toMatch(/ key=batch-jobs-nightly model=acme\/model status=200$/)
  })

  it("mask a configured secret and key shapes in every value: message, fields, nested objects, annotations, error", async () => {
    const effect = Effect.gen(function* () {
      yield* Effect.logInfo(`upstream said ${SECRET}`, { detail: `token=abcdefghijklmnop and ${SECRET}` })
      yield* Effect.logInfo("nested", { upstream: { error: { message: "bad key sk-proj-abcdefghijklmnop" } } })
      yield* Effect.logWarning("annotated").pipe(Effect.annotateLogs({ header: `Bearer ${SECRET}` }))
      yield* Effect.logError("failed", Cause.fail(new Error(`refused ${SECRET}`)))
    })
    for (const format of ["json", "pretty"] as const) {
      const log = await logged(format, effect)
      const text = log.text()
      expect(text).not.toContain("0123456789")
      expect(text).not.toContain("abcdefghijklmnop")
      expect(text).toContain("refused [REDACTED]")
      if (format === "json") {
        const [first, nested, annotated] = log.records()
        expect(first).toMatchObject({ msg: "upstream said [REDACTED]", detail: "token=[REDACTED] and [REDACTED]" })
        expect(nested).toMatchObject({ upstream: { error: { message: "bad key [REDACTED]" } } })
        expect(annotated).toMatchObject({ header: "Bearer [REDACTED]" })
      }
    }
  })

  it("json: the per-field line is JSON.stringify of time, level, msg and the fields, for any fields", async () => {
    // (not index-like names: an object literal would put those before `time`)
    const fields = fc.dictionary(
      fc
        .string({ maxLength: 8 })
        .filter((k) => !["time", "level", "msg", "__proto__"].includes(k) && !/^(0|[1-9]\d*)$/.test(k)),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined), fc.double()),
      { maxKeys: 8 },
    )
    await fc.assert(
      fc.asyncProperty(fields, async (record) => {
        const log = captureLogs({ level: "info", format: "json" })
        await Effect.runPromise(Effect.logInfo("request", record).pipe(Effect.provide(log.layer)))
        const line = log.lines[0]!
        const time = (JSON.parse(line) as { time: string }).time
        expect(line).toBe(JSON.stringify({ time, level: "info", msg: "request", ...record }))
      }),
      { numRuns: 300, seed: 21 },
    )
  })
})
