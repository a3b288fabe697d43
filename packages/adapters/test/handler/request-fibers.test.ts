import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { describe, expect, it } from "vitest"
import { RequestFibers } from "../../src/handler/request-fibers.js"
import { createGateway } from "../../src/index.js"
import { call } from "../support/call.js"
import { eventually } from "../support/listen.js"
import { surfaceRuntime } from "../support/surface-router.js"

const hang = { model: "hang", messages: [{ role: "user", content: "Hello" }] }
const hello = { model: "google/gemini-2.5-pro-preview", messages: [{ role: "user", content: "Hello" }] }

describe("request fibers and the runtime's lifetime", () => {
  it("closing the runtime interrupts the requests still running, and waits for them, before it resolves", async () => {
    const { runtime, probe } = surfaceRuntime()
    const gateway = createGateway({ runtime })
    const post = (body: unknown) => call(gateway, { path: "/v1/chat/completions", body })
    expect((await post(hello)).status).toBe(200)
    const pending = [post(hang), post(hang)]
    await eventually(() => probe.hanging.length === 2)
    expect(probe.interrupted).toEqual([])
    await runtime.dispose()
    // both programs' finalizers ran before dispose resolved (the services they use were still up)
    expect([...probe.interrupted].sort()).toEqual([...probe.hanging].sort())
    for (const answer of await Promise.all(pending)) {
      expect(answer.status).toBe(499)
      expect(answer.json.error.code).toBe("client_closed_request")
    }
    // a request after the runtime closed is interrupted as soon as it waits, instead of running on released services
    const late = await post(hang)
    expect(late.status).toBe(499)
    expect(probe.interrupted).toHaveLength(3)
  })
})

describe("RequestFibers", () => {
  it("forgets fibers as they end (in any order) and interrupts the rest", async () => {
    const fibers = new RequestFibers()
    const gates = await Effect.runPromise(Effect.all([0, 1, 2, 3].map(() => Deferred.make<void>())))
    const running = gates.map((gate) => Effect.runFork(Deferred.await(gate)))
    for (const f of running) fibers.add(f)
    expect(fibers.size).toBe(4)
    // the second ends: the last takes its place, and each entry still finds itself when its fiber ends
    await Effect.runPromise(Deferred.succeed(gates[1]!, undefined))
    await Effect.runPromise(Fiber.await(running[1]!))
    expect(fibers.size).toBe(3)
    await Effect.runPromise(Deferred.succeed(gates[3]!, undefined))
    await Effect.runPromise(Fiber.await(running[3]!))
    expect(fibers.size).toBe(2)
    await Effect.runPromise(fibers.interruptAll)
    expect(fibers.size).toBe(0)
    for (const i of [0, 2]) expect((await Effect.runPromise(Fiber.await(running[i]!)))._tag).toBe("Failure")
    for (const i of [1, 3]) expect((await Effect.runPromise(Fiber.await(running[i]!)))._tag).toBe("Success")
  })

  it("interrupts a fiber added after interruptAll at once; an ended fiber is forgotten at once", async () => {
    const fibers = new RequestFibers()
    fibers.add(Effect.runFork(Effect.void))
    expect(fibers.size).toBe(0)
    await Effect.runPromise(fibers.interruptAll)
    const late = Effect.runFork(Effect.never)
    fibers.add(late)
    expect(fibers.size).toBe(0)
    const exit = await Effect.runPromise(Fiber.await(late))
    expect(exit._tag).toBe("Failure")
  })
})
