/**
 * Bodies nested deeper than `gateway.maxJsonDepth` get 400 `invalid_request_body` naming the field (they
 * used to crash `JSON.stringify` on the way upstream: 500 at 5,000 levels); bodies at the limit — even at
 * the highest limit a config may set — go through the whole path (routing, the upstream call, the trace)
 * on real loopback servers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { MAX_JSON_DEPTH_LIMIT } from "../../src/index.js"
import { startFaultUpstream } from "../support/fault-upstream.js"
import { type Stack, startStack } from "../support/stack.js"

let upstream: Awaited<ReturnType<typeof startFaultUpstream>>
let byDefault: Stack
let highest: Stack

const config = (baseUrl: string, gateway: object) => ({
  providers: [{ slug: "loop", kind: "openai-compatible", options: { baseUrl } }],
  models: [
    {
      id: "test/model",
      endpoints: [{ provider: "loop", upstreamModel: "ok", price: { prompt: 1, completion: 1 }, contextLength: 1e6 }],
    },
  ],
  gateway,
})

beforeAll(async () => {
  upstream = await startFaultUpstream()
  byDefault = await startStack(config(upstream.baseUrl, {}))
  highest = await startStack(config(upstream.baseUrl, { maxJsonDepth: MAX_JSON_DEPTH_LIMIT }))
})
afterAll(async () => {
  await byDefault.close()
  await highest.close()
  await upstream.close()
})

/** `levels` of arrays around a string: JSON text. */
const arrays = (levels: number): string => `${"[".repeat(levels)}"x"${"]".repeat(levels)}`

/** A chat body whose total nesting depth is `depth` (the body object is level 1), deep in `content`. */
const deepInContent = (depth: number): string =>
  `{"model":"test/model","messages":[{"role":"user","content":${arrays(depth - 3)}}]}`

/** The same depth in a field the gateway passes through untouched. */
const deepInUnknownField = (depth: number): string =>
  `{"model":"test/model","messages":[{"role":"user","content":"hi"}],"vendor_extension":${arrays(depth - 1)}}`

const post = (stack: Stack, body: string, headers: Record<string, string> = {}) =>
  fetch(`${stack.url}/v1/chat/completions`, { method: "POST", headers, body })

describe("deeply nested request bodies", () => {
  it.each([
    ["content", deepInContent, "messages.0.content"],
    ["an unknown field", deepInUnknownField, "vendor_extension.0.0"],
  ])("5,000 levels inside %s → 400 invalid_request_body with param, not a crash", async (_where, body, param) => {
    for (const stream of [false, true]) {
      const text = body(5000).replace('"model"', `"stream":${stream},"model"`)
      const r = await post(byDefault, text)
      expect(r.status).toBe(400)
      const { error } = await r.json()
      expect(error).toMatchObject({ type: "invalid_request_error", code: "invalid_request_body", param })
      expect(error.message).toContain("512")
    }
  })

  it("the default limit is 512 levels: 512 is served, 513 is refused", async () => {
    const at = await post(byDefault, deepInContent(512), { "x-switchyard-trace": "true" })
    expect(at.status).toBe(200)
    expect((await at.json()).switchyard_trace.attempts).toHaveLength(1)
    expect((await post(byDefault, deepInContent(513))).status).toBe(400)
  })

  it(`at the highest configurable limit (${MAX_JSON_DEPTH_LIMIT}) a body goes through the whole path, JSON and stream`, async () => {
    const json = await post(highest, deepInContent(MAX_JSON_DEPTH_LIMIT), { "x-switchyard-trace": "true" })
    expect(json.status).toBe(200)
    const stream = await post(highest, deepInContent(MAX_JSON_DEPTH_LIMIT).replace('"model"', '"stream":true,"model"'))
    expect(stream.status).toBe(200)
    expect(await stream.text()).toContain("data: [DONE]")
    expect((await post(highest, deepInUnknownField(MAX_JSON_DEPTH_LIMIT + 1))).status).toBe(400)
  })

  it("a config cannot raise the limit past what the rest of the path survives", async () => {
    await expect(startStack(config(upstream.baseUrl, { maxJsonDepth: 5000 }))).rejects.toThrow(/gateway\.maxJsonDepth/)
  })
})
