import type { AddressInfo } from "node:net"
import { serve } from "@hono/node-server"
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createApp } from "../src/app.js"

let app: Awaited<ReturnType<typeof createApp>>["app"]
let close: () => Promise<void>
beforeAll(async () => {
  ;({ app, close } = await createApp({}))
})
afterAll(() => close())

const hello = { model: "acme/assistant", messages: [{ role: "user", content: "Hi" }] }

describe("Switchyard as a Hono sub-app", () => {
  it("the app's own routes are untouched", async () => {
    expect(await (await app.request("/")).text()).toBe("my app")
    expect(await (await app.request("/api/hello/ada")).json()).toEqual({ hello: "ada" })
  })

  it("chat completions under /llm (app.request, no server): default avoids PT, PT order uses it", async () => {
    const r = await app.request("/llm/v1/chat/completions", { method: "POST", body: JSON.stringify(hello) })
    expect(r.status).toBe(200)
    expect(r.headers.get("x-switchyard-provider")).toBe("cheap")
    const pt = await app.request("/llm/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ ...hello, provider: { order: ["pt"], allow_fallbacks: true } }),
    })
    expect(pt.headers.get("x-switchyard-provider")).toBe("pt")
  })

  it("served by @hono/node-server, an OpenAI SDK streams through it", async () => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" })
    await new Promise((r) => server.once("listening", r))
    try {
      const { port } = server.address() as AddressInfo
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/llm/v1`, apiKey: "unused", maxRetries: 0 })
      let text = ""
      const providers: Array<string> = []
      for await (const chunk of await client.chat.completions.create({
        ...hello,
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
      })) {
        text += chunk.choices[0]?.delta?.content ?? ""
        const p = (chunk as unknown as { provider?: string }).provider
        if (p) providers.push(p)
      }
      expect(text.length).toBeGreaterThan(0)
      // the serving provider is named once, on the first chunk
      expect(providers).toEqual(["cheap"])
    } finally {
      await new Promise((r) => server.close(r))
    }
  })
})
