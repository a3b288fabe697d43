import { type CallDeadline, UpstreamTimeout } from "@switchyard/core"
import { Effect, Fiber, Logger, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { MAX_RESPONSE_BYTES } from "../../src/http/too-large.js"
import { makeTransport, type Transport, type TransportConfig } from "../../src/http/transport.js"
import { messageStream } from "../../src/sse/exchange-stream.js"
import { failureOf, successOf } from "../conformance/run.js"
import { type Loopback, startLoopback } from "../support/loopback.js"

let server: Loopback
beforeAll(async () => {
  server = await startLoopback()
})
afterAll(async () => {
  await server.close()
})

const withTransport = <A, E>(use: (t: Transport) => Effect.Effect<A, E>, config: Partial<TransportConfig> = {}) =>
  Effect.runPromiseExit(Effect.scoped(Effect.flatMap(makeTransport({ provider: "t", ...config }), use)))

/** Run `use` with the transport's scope still open, then wait for the server to see the request aborted. */
const expectAbortedBy = async (use: (t: Transport) => Effect.Effect<unknown, unknown>) => {
  const aborted = server.aborted()
  successOf(
    await withTransport((t) =>
      Effect.gen(function* () {
        yield* use(t)
        // the transport's scope is still open: only `use` can have ended the request
        yield* Effect.promise(() => vi.waitFor(() => expect(server.aborted()).toBe(aborted + 1)))
      }),
    ),
  )
}

describe("makeTransport", () => {
  it("pools keep-alive sockets: sequential requests to one origin share connections", async () => {
    server.reply({ kind: "json", body: '{"ok":true}' })
    const before = server.requests.length
    successOf(
      await withTransport((t) =>
        Effect.gen(function* () {
          for (let i = 0; i < 6; i++) yield* t.requestJson({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" })
        }),
      ),
    )
    const ports = server.requests.slice(before).map((r) => r.remotePort)
    expect(ports).toHaveLength(6)
    // a socket returns to the pool once undici has parsed the end of the previous answer: at most 2 in turn
    expect(new Set(ports).size).toBeLessThanOrEqual(2)
  })

  it("closes its pooled sockets when the Scope closes", async () => {
    server.reply({ kind: "json", body: '{"ok":true}' })
    successOf(
      await withTransport((t) =>
        Effect.gen(function* () {
          yield* t.requestJson({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" })
          expect(yield* Effect.promise(() => server.connections())).toBe(1)
        }),
      ),
    )
    await vi.waitFor(async () => expect(await server.connections()).toBe(0))
  })

  it.each([
    [
      "requestSse",
      (t: Transport) =>
        Effect.map(t.requestSse({ url: `${server.baseUrl}/x`, headers: {} }), (r) => {
          r.response.destroy()
          return r.response
        }),
    ],
    [
      "requestJson",
      (t: Transport) => Effect.map(t.requestJson({ url: `${server.baseUrl}/x`, headers: {} }), (r) => r.response),
    ],
  ] as const)("%s: lower-cases response header names", async (_, call) => {
    server.reply({ kind: "json", headers: { "X-Request-ID": "abc", "Retry-After": "1" }, body: "{}" })
    const res = successOf(await withTransport(call))
    expect(res.headers["x-request-id"]).toBe("abc")
    expect(res.headers["retry-after"]).toBe("1")
  })

  it("does not buffer a streamed body: the first SSE message arrives while the server holds the rest", async () => {
    server.reply({ kind: "sse", frames: ["data: first\n\n"], after: "hang" })
    const first = successOf(
      await withTransport((t) =>
        Effect.flatMap(t.requestSse({ url: `${server.baseUrl}/s`, headers: {}, body: "{}" }), ({ messages }) =>
          Stream.runHead(messageStream(messages)),
        ),
      ),
    )
    expect(first._tag === "Some" ? first.value.data : undefined).toBe("first")
  })

  it("requestSse: a non-2xx answer fails with the classified error, its body read whole", async () => {
    server.reply({
      kind: "json",
      status: 429,
      headers: { "retry-after-ms": "1500" },
      body: '{"error":{"message":"slow down"}}',
    })
    const e = failureOf(
      await withTransport((t) => t.requestSse({ url: `${server.baseUrl}/s`, headers: {}, body: "{}" })),
    )
    expect(e).toMatchObject({ _tag: "RateLimited", status: 429, retryAfterMs: 1500, message: "slow down" })
  })

  it("requestSse: messages arrive in order across chunks, and the stream ends with the body", async () => {
    server.reply({ kind: "sse", frames: ["data: 1\n\nda", "ta: 2\n\n", "data: 3\n\n"], after: "end" })
    const all = successOf(
      await withTransport((t) =>
        Effect.flatMap(t.requestSse({ url: `${server.baseUrl}/s`, headers: {}, body: "{}" }), ({ messages }) =>
          Stream.runCollect(messageStream(messages)),
        ),
      ),
    )
    expect(all.map((m) => m.data)).toEqual(["1", "2", "3"])
  })

  it("requestSse: closing the messages stream early aborts the upstream request", async () => {
    server.reply({ kind: "sse", frames: ["data: first\n\n"], after: "hang" })
    await expectAbortedBy((t) =>
      Effect.flatMap(t.requestSse({ url: `${server.baseUrl}/s`, headers: {}, body: "{}" }), ({ messages }) =>
        Stream.runHead(messageStream(messages)),
      ),
    )
  })

  it.each(["requestSse", "requestJson"] as const)(
    "%s: interrupting the call before the upstream answers aborts the request",
    async (method) => {
      server.reply({ kind: "hang" })
      const before = server.requests.length
      await expectAbortedBy((t) =>
        Effect.gen(function* () {
          const fiber = yield* Effect.forkChild(t[method]({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" }))
          yield* Effect.promise(() => vi.waitFor(() => expect(server.requests.length).toBe(before + 1)))
          yield* Fiber.interrupt(fiber)
        }),
      )
    },
  )

  it("interrupting a fiber that is reading a stream's body destroys the connection", async () => {
    server.reply({ kind: "sse", frames: ["data: 1\n\n"], after: "hang" })
    await expectAbortedBy((t) =>
      Effect.gen(function* () {
        const { messages } = yield* t.requestSse({ url: `${server.baseUrl}/s`, headers: {}, body: "{}" })
        const fiber = yield* Effect.forkChild(Stream.runCollect(messageStream(messages)))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
      }),
    )
  })

  it("requestSse with acceptJson: a 2xx JSON answer is read whole and parsed; SSE still streams", async () => {
    server.reply({ kind: "json", body: '[{"a":1},{"a":2}]' })
    const json = successOf(
      await withTransport((t) =>
        t.requestSse({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" }, { acceptJson: true }),
      ),
    )
    expect(json.messages).toBeUndefined()
    expect(json.json).toEqual([{ a: 1 }, { a: 2 }])
    server.reply({ kind: "sse", frames: ["data: 1\n\n", "data: 2\n\n"], after: "end" })
    const sse = successOf(
      await withTransport((t) =>
        Effect.flatMap(
          t.requestSse({ url: `${server.baseUrl}/s`, headers: {}, body: "{}" }, { acceptJson: true }),
          ({ messages }) => (messages ? Stream.runCollect(messageStream(messages)) : Effect.succeed([])),
        ),
      ),
    )
    expect(sse.map((m) => m.data)).toEqual(["1", "2"])
    server.reply({ kind: "json", body: "not json" })
    expect(
      failureOf(
        await withTransport((t) =>
          t.requestSse({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" }, { acceptJson: true }),
        ),
      ),
    ).toMatchObject({ _tag: "MalformedResponse" })
  })

  it("requestJson: when the call's deadline fires, the request is aborted and fails with the deadline's error", async () => {
    server.reply({ kind: "hang" })
    const aborted = server.aborted()
    const before = server.requests.length
    let expire: (() => void) | undefined
    let disarmed = 0
    const deadline: CallDeadline = {
      timeoutMs: 1_000,
      arm: (onExpire) => {
        expire = onExpire
        return () => {
          disarmed++
        }
      },
      error: () => new UpstreamTimeout({ provider: "t", status: 0, message: "too slow", phase: "attempt" }),
    }
    const e = failureOf(
      await withTransport((t) =>
        Effect.gen(function* () {
          const fiber = yield* Effect.forkChild(
            t.requestJson({ url: `${server.baseUrl}/x`, headers: {}, body: "{}", deadline }),
          )
          yield* Effect.promise(() => vi.waitFor(() => expect(server.requests.length).toBe(before + 1)))
          expire?.()
          return yield* Fiber.join(fiber)
        }),
      ),
    )
    expect(e).toMatchObject({ _tag: "UpstreamTimeout", message: "too slow" })
    await vi.waitFor(() => expect(server.aborted()).toBe(aborted + 1))
    expect(disarmed).toBe(0)
  })

  it("requestJson: an answer in time disarms the deadline", async () => {
    server.reply({ kind: "json", body: '{"ok":true}' })
    let disarmed = 0
    const deadline: CallDeadline = {
      timeoutMs: 1_000,
      arm: () => () => {
        disarmed++
      },
      error: () => new UpstreamTimeout({ provider: "t", status: 0, message: "too slow", phase: "attempt" }),
    }
    const out = successOf(
      await withTransport((t) => t.requestJson({ url: `${server.baseUrl}/x`, headers: {}, body: "{}", deadline })),
    )
    expect(out.json).toEqual({ ok: true })
    expect(disarmed).toBe(1)
  })

  it("a non-2xx answer is classified and redacts configured secrets", async () => {
    server.reply({ kind: "json", status: 401, body: '{"error":{"message":"bad key top-secret-value"}}' })
    const e = failureOf(
      await withTransport((t) => t.requestJson({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" }), {
        secrets: ["top-secret-value"],
      }),
    )
    expect(e).toMatchObject({ _tag: "AuthFailed", provider: "t", status: 401, message: "bad key [REDACTED]" })
  })

  it("a non-2xx answer redacts every string field, not only the message", async () => {
    server.reply({
      kind: "json",
      status: 400,
      body: '{"error":{"message":"no","type":"invalid","param":"top-secret-value","code":"top-secret-value"}}',
    })
    const e = failureOf(
      await withTransport((t) => t.requestJson({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" }), {
        secrets: ["top-secret-value"],
      }),
    )
    expect(e).toMatchObject({ _tag: "BadRequest", param: "[REDACTED]", code: "[REDACTED]" })
  })

  it("a connection that cannot be made: the error names the code only; the log line has the address", async () => {
    const lines: Array<string> = []
    const logger = Logger.layer([Logger.make((o) => lines.push(String(o.message)))])
    const url = "http://127.0.0.1:1/v1/chat/completions"
    for (const call of ["json", "sse"] as const) {
      const exit = await Effect.runPromiseExit(
        Effect.scoped(
          Effect.flatMap(makeTransport({ provider: "t" }), (t) =>
            call === "json"
              ? Effect.asVoid(t.requestJson({ url, headers: {}, body: "{}" }))
              : Effect.asVoid(t.requestSse({ url, headers: {}, body: "{}" })),
          ),
        ).pipe(Effect.provide(logger)),
      )
      expect(failureOf(exit)).toMatchObject({
        _tag: "TransportError",
        kind: "connect",
        message: "connect failed (ECONNREFUSED)",
      })
    }
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(line).toContain("127.0.0.1:1")
  })

  it("a body cut short of its content-length → TransportError reset", async () => {
    server.reply((req) => {
      void req
      return {
        kind: "sse",
        headers: { "content-length": "1000", "content-type": "application/json" },
        frames: ['{"a":'],
        after: "destroy",
      }
    })
    const e = failureOf(
      await withTransport((t) => t.requestJson({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" })),
    )
    expect(e).toMatchObject({ _tag: "TransportError", kind: "reset" })
  })

  it("a 2xx body that is not JSON is quoted masked before it is cut: a secret at the cut is masked whole", async () => {
    const key = "zzUpKeyTopSecret4471"
    server.reply({ kind: "json", body: `${"X".repeat(101)}${key} trailing text` })
    const e = failureOf(
      await withTransport((t) => t.requestJson({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" }), {
        secrets: [key],
      }),
    )
    expect(e).toMatchObject({ _tag: "MalformedResponse" })
    expect(JSON.stringify(e)).not.toContain("zzUpKey")
  })

  it("an answer larger than MAX_RESPONSE_BYTES fails as MalformedResponse and aborts the request (JSON, SSE event)", async () => {
    const big = "x".repeat(MAX_RESPONSE_BYTES + 1024)
    server.reply({ kind: "json", body: `{"a":"${big}"}` })
    const json = failureOf(
      await withTransport((t) => t.requestJson({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" })),
    )
    expect(json).toMatchObject({ _tag: "MalformedResponse" })
    expect((json as { message: string }).message).toContain("too large")
    // a stream event that never ends
    server.reply({ kind: "sse", frames: [`data: ${big}`], after: "hang" })
    await expectAbortedBy((t) =>
      Effect.gen(function* () {
        const { messages } = yield* t.requestSse({ url: `${server.baseUrl}/x`, headers: {}, body: "{}" })
        const failure = yield* Effect.flip(Stream.runDrain(messageStream(messages)))
        expect(failure).toMatchObject({ _tag: "MalformedResponse" })
      }),
    )
  })
})
