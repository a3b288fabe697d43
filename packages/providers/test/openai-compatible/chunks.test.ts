import { chunkStream, type JsonObject, type ProviderError, TransportError } from "@switchyard/core"
import { Cause, Effect, Exit, Option, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { redactGeneric } from "../../src/errors/redact.js"
import { openAiChunks } from "../../src/openai-compatible/chunks.js"
import type { SseBatch } from "../../src/sse/dispatch.js"
import type { SseMessages } from "../../src/sse/exchange-stream.js"

// openAiChunks over batches of messages as the transport's SSE exchange hands them out (the exchange itself
// is covered by the plugin and conformance tests against loopback servers)
const messages = (batches: ReadonlyArray<ReadonlyArray<string>>): SseMessages => {
  let i = 0
  return {
    read: (done) => {
      const b = batches[i++]
      queueMicrotask(() =>
        b === undefined
          ? done(undefined, undefined)
          : done(undefined, b.map((data) => ({ event: undefined, data })) as unknown as SseBatch),
      )
    },
    cancel: () => {},
    onError: (e) => new TransportError({ provider: "p", status: 200, message: String(e), kind: "reset" }),
  }
}

const run = (batches: ReadonlyArray<ReadonlyArray<string>>) => {
  const seen: Array<JsonObject> = []
  return Effect.runPromiseExit(
    Stream.runForEach(chunkStream(openAiChunks("p", messages(batches), redactGeneric)), (c) =>
      Effect.sync(() => seen.push(c)),
    ),
  ).then((exit) => ({ exit, seen }))
}

const errorOf = (exit: Exit.Exit<void, ProviderError>): ProviderError | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined

const token = (t: string) =>
  JSON.stringify({ id: "x", object: "chat.completion.chunk", choices: [{ delta: { content: t } }] })
const finish = JSON.stringify({
  id: "x",
  object: "chat.completion.chunk",
  choices: [{ delta: {}, finish_reason: "stop" }],
})

describe("openAiChunks over the exchange's message batches", () => {
  it("passes chunks through, normalizes `choices: null`, an empty `object` and the missing role, and stops at [DONE]", async () => {
    const { exit, seen } = await run([
      [JSON.stringify({ id: "x", object: "", choices: null }), token("a"), ""],
      [finish, "[DONE]", token("after done")],
    ])
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(seen).toEqual([
      { id: "x", object: "chat.completion.chunk", choices: [] },
      { id: "x", object: "chat.completion.chunk", choices: [{ delta: { content: "a", role: "assistant" } }] },
      JSON.parse(finish),
    ])
  })

  it("emits the chunks before an in-stream error event, then fails with it", async () => {
    const { exit, seen } = await run([[token("a"), JSON.stringify({ error: { code: 429, message: "slow down" } })]])
    expect(seen.map((c) => c.choices)).toEqual([[{ delta: { content: "a", role: "assistant" } }]])
    expect(errorOf(exit)).toMatchObject({ _tag: "RateLimited", provider: "p", status: 429 })
  })

  it("fails with TransportError reset when the body ends with neither finish_reason nor [DONE]", async () => {
    const { exit, seen } = await run([[token("a")], [token("b")]])
    expect(seen).toHaveLength(2)
    expect(errorOf(exit)).toMatchObject({ _tag: "TransportError", kind: "reset", status: 200 })
  })
})
