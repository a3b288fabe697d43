/**
 * What an OpenAI-wire upstream receives: the client's body as the client wrote it — every member it passes on byte
 * for byte (numbers, string escapes, spacing inside a member), routing-only fields and the gateway's own
 * `switchyard_trace` left out, `model` and `stream` written by the plugin — instead of the parsed body serialised
 * again. A body the gateway cannot copy that way (a key written with an escape, a repeated key) goes as before, as
 * the parsed body serialised.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startLoopbackUpstream } from "../support/loopback-upstream.js"
import { type Stack, startStack } from "../support/stack.js"

let upstream: Awaited<ReturnType<typeof startLoopbackUpstream>>
let stack: Stack

beforeAll(async () => {
  upstream = await startLoopbackUpstream()
  stack = await startStack({
    providers: [{ slug: "loop", kind: "openai-compatible", options: { baseUrl: upstream.baseUrl } }],
    models: [
      {
        id: "test/model",
        endpoints: [
          { provider: "loop", upstreamModel: "up-model", price: { prompt: 1, completion: 1 }, contextLength: 100_000 },
        ],
      },
    ],
  })
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

const post = (text: string) =>
  fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: text,
  })

const MESSAGES = '[{"role":"user","content":"caf\\u00e9 \\"quoted\\" \\\\ \\/ 😀"}]'

describe("the request body on its way upstream", () => {
  it("keeps the client's members as written; routing fields and switchyard_trace stay behind", async () => {
    const text =
      `{"model":"test/model","provider":{"sort":"price"},"messages" : ${MESSAGES},` +
      `"temperature":1.0,"seed":7e0,"switchyard_trace":true,"session_id":"s-1","logit_bias":{"50256":-100}}`
    const r = await post(text)
    expect(r.status).toBe(200)
    expect((await r.json()) as object).toHaveProperty("switchyard_trace")
    expect(upstream.received.at(-1)?.text).toBe(
      `{"model":"up-model","messages" : ${MESSAGES},"temperature":1.0,"seed":7e0,"logit_bias":{"50256":-100},"stream":false}`,
    )
  })

  it("a stream: the plugin's stream flags replace the client's", async () => {
    const text = `{"stream":true,"stream_options":{"include_usage":false},"model":"test/model","messages":${MESSAGES}}`
    const r = await post(text)
    expect(r.status).toBe(200)
    expect(await r.text()).toContain("data: [DONE]")
    expect(upstream.received.at(-1)?.text).toBe(
      `{"model":"up-model","messages":${MESSAGES},"stream":true,"stream_options":{"include_usage":true}}`,
    )
  })

  it("a body with a repeated key goes as parsed (the last value), serialised again", async () => {
    const r = await post(`{"model":"test/model","messages":${MESSAGES},"temperature":0.1,"temperature":0.5}`)
    expect(r.status).toBe(200)
    const received = upstream.received.at(-1)!
    expect(received.body.temperature).toBe(0.5)
    expect(received.text).toBe(
      JSON.stringify({ model: "up-model", ...JSON.parse(`{"messages":${MESSAGES}}`), temperature: 0.5, stream: false }),
    )
  })
})
