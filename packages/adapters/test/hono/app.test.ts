import { serve } from "@hono/node-server"
import { Hono } from "hono"
import { afterAll, describe, expect, it } from "vitest"
import { switchyardHono } from "../../src/hono/index.js"
import { createGateway } from "../../src/index.js"
import { sseEvents } from "../support/call.js"
import { surfaceRuntime } from "../support/surface-router.js"

const { runtime } = surfaceRuntime()
const gateway = createGateway({ runtime, keys: [{ name: "k", key: "sk-hono" }] })
afterAll(() => runtime.dispose())

const app = new Hono()
app.get("/", (c) => c.text("my app"))
app.route("/llm", switchyardHono(gateway))
app.notFound((c) => c.text("app 404", 404))

const hello = { model: "google/gemini-2.5-pro-preview", messages: [{ role: "user", content: "Hello" }] }
const post = (path: string, body: unknown) =>
  app.request(path, {
    method: "POST",
    headers: { authorization: "Bearer sk-hono", "content-type": "application/json" },
    body: JSON.stringify(body),
  })

describe("Hono sub-app", () => {
  it("answers under the mount path, JSON and SSE", async () => {
    const r = await post("/llm/v1/chat/completions", hello)
    expect(r.status).toBe(200)
    expect(r.headers.get("x-switchyard-provider")).toBe("cheap")
    const s = await post("/llm/v1/chat/completions", { ...hello, stream: true })
    expect(s.headers.get("content-type")).toBe("text/event-stream; charset=utf-8")
    expect(sseEvents(await s.text()).at(-1)).toBe("[DONE]")
  })

  it("model ids with slashes reach the endpoints route", async () => {
    const r = await app.request("/llm/v1/models/google/gemini-2.5-pro-preview/endpoints", {
      headers: { authorization: "Bearer sk-hono" },
    })
    expect(r.status).toBe(200)
    expect((await r.json()).data.endpoints).toHaveLength(2)
  })

  it("leaves the parent app's routes and 404 alone", async () => {
    expect(await (await app.request("/")).text()).toBe("my app")
    const r = await app.request("/llm/not-a-gateway-route")
    expect(r.status).toBe(404)
    expect(await r.text()).toBe("app 404")
  })

  it("works as the app itself (not mounted)", async () => {
    const standalone = switchyardHono(gateway)
    const r = await standalone.request("/v1/models", { headers: { authorization: "Bearer sk-hono" } })
    expect(r.status).toBe(200)
    expect((await r.json()).object).toBe("list")
  })

  it("gateway errors keep the envelope (401 without key)", async () => {
    const r = await app.request("/llm/v1/chat/completions", { method: "POST", body: JSON.stringify(hello) })
    expect(r.status).toBe(401)
    expect((await r.json()).error.code).toBe("invalid_api_key")
  })

  it("runs on @hono/node-server over a real port", async () => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" })
    await new Promise((r) => server.once("listening", r))
    const { port } = server.address() as import("node:net").AddressInfo
    try {
      const r = await fetch(`http://127.0.0.1:${port}/llm/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-hono" },
        body: JSON.stringify({ ...hello, stream: true }),
      })
      expect(sseEvents(await r.text()).at(-1)).toBe("[DONE]")
    } finally {
      await new Promise((r) => server.close(r))
    }
  })
})
