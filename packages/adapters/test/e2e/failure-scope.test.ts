/**
 * Where a failed request goes next, through the gateway against a real loopback upstream:
 * - an endpoint whose own set-up fails (its key refused with 401/403, its model or deployment 404) is the
 *   endpoint's fault: the model's next endpoint serves the request (it used to end the request with a 502 while
 *   four healthy providers waited);
 * - a request the model refuses (400, 422) skips the model's other endpoints and goes on with the next model in
 *   `models[]` (wire-facts §1: any error may trigger the next model); with no next model its error is relayed.
 * JSON and streams follow one policy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startFaultUpstream } from "../support/fault-upstream.js"
import { type Stack, startStack } from "../support/stack.js"

const UPSTREAM_KEY = "sk-upstream-failure-scope-0123456789"

let upstream: Awaited<ReturnType<typeof startFaultUpstream>>
let stack: Stack

const endpoint = (provider: string, upstreamModel: string, prompt: number) => ({
  provider,
  upstreamModel,
  price: { prompt, completion: prompt },
  contextLength: 10_000,
})

beforeAll(async () => {
  upstream = await startFaultUpstream()
  const provider = (slug: string) => ({
    slug,
    kind: "openai-compatible",
    options: { baseUrl: upstream.baseUrl, apiKey: { env: "UPSTREAM_KEY" } },
  })
  stack = await startStack(
    {
      providers: [provider("cheap"), provider("backup"), provider("other")],
      models: [
        // the cheapest endpoint fails on its own set-up (a fresh model per case: breakers stay out of it)
        ...["401", "403", "404"].flatMap((status) =>
          [false, true].map((stream) => ({
            id: `test/set-up-${status}-${stream ? "stream" : "json"}`,
            endpoints: [endpoint("cheap", `echo-${status}`, 1), endpoint("backup", "ok", 2)],
          })),
        ),
        // the model refuses the request on every endpoint it has
        { id: "test/refuses", endpoints: [endpoint("cheap", "echo-400", 1), endpoint("backup", "echo-422", 2)] },
        { id: "test/accepts", endpoints: [endpoint("other", "ok", 3)] },
      ],
      routing: { maxRetrySleepMs: 0 },
    },
    { env: { UPSTREAM_KEY } },
  )
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

const ask = async (body: object) => {
  const r = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "x-switchyard-trace": "true" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], provider: { sort: "price" }, ...body }),
  })
  return { status: r.status, text: await r.text() }
}

/** The JSON answer, or the last data event of a stream before `[DONE]` (it carries the trace). */
const lastJson = (text: string, stream: boolean): Record<string, unknown> => {
  if (!stream) return JSON.parse(text)
  const events = text
    .split("\n\n")
    .filter((e) => e.startsWith("data: ") && e !== "data: [DONE]")
    .map((e) => JSON.parse(e.slice(6)))
  expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true)
  return events.at(-1)
}

describe("an endpoint that fails on its own set-up", () => {
  it.each(["401", "403", "404"])("%s from the cheapest endpoint: the model's next endpoint serves", async (status) => {
    for (const stream of [false, true]) {
      const model = `test/set-up-${status}-${stream ? "stream" : "json"}`
      const { status: code, text } = await ask({ model, stream })
      expect(code).toBe(200)
      const trace = lastJson(text, stream).switchyard_trace as { attempts: Array<Record<string, unknown>> }
      expect(trace.attempts.map((a) => [a.endpoint, a.outcome])).toEqual([
        [`${model}@cheap`, "upstream_error"],
        [`${model}@backup`, "success"],
      ])
      // the refused key the upstream echoed stays with the gateway
      expect(text).not.toContain(UPSTREAM_KEY)
    }
  })
})

describe("a request the model refuses", () => {
  it("moves to the next model in models[], never to the refusing model's other endpoint", async () => {
    for (const stream of [false, true]) {
      const { status, text } = await ask({ models: ["test/refuses", "test/accepts"], stream })
      expect(status).toBe(200)
      const last = lastJson(text, stream)
      expect(last.model).toBe("test/accepts")
      const trace = last.switchyard_trace as { attempts: Array<Record<string, unknown>> }
      expect(trace.attempts.map((a) => [a.endpoint, a.outcome])).toEqual([
        ["test/refuses@cheap", "client_error"],
        ["test/accepts@other", "success"],
      ])
    }
  })

  it("is answered with the upstream's own 400 when no model is left", async () => {
    for (const stream of [false, true]) {
      const { status, text } = await ask({ model: "test/refuses", stream })
      expect(status).toBe(400)
      const { error, switchyard_trace } = JSON.parse(text)
      expect(error.metadata).toMatchObject({ provider: "cheap", upstream_status: 400 })
      expect(switchyard_trace.attempts).toHaveLength(1)
      expect(text).not.toContain(UPSTREAM_KEY)
    }
  })
})
