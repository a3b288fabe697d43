import express from "express"
import { afterAll, describe, expect, it } from "vitest"
import { switchyardExpress } from "../../src/express/index.js"
import { createGateway } from "../../src/index.js"
import { sseEvents } from "../support/call.js"
import { listen } from "../support/listen.js"
import { surfaceRuntime } from "../support/surface-router.js"

const { runtime, probe } = surfaceRuntime()
const gateway = createGateway({ runtime })
const closers: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const c of closers) await c()
  await runtime.dispose()
})

const serve = async (app: express.Express) => {
  const s = await listen(app.listen(0, "127.0.0.1"))
  closers.push(s.close)
  return s.url
}

const hello = { model: "google/gemini-2.5-pro-preview", messages: [{ role: "user", content: "Hello" }] }
const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

describe("Express 5 middleware", () => {
  it("mounted before express.json(): serves the gateway under the mount path and lets other routes through", async () => {
    const app = express()
    app.use("/llm", switchyardExpress(gateway))
    app.use(express.json())
    app.post("/llm/echo", (req, res) => {
      res.json({ echoed: req.body })
    })
    app.get("/hello", (_req, res) => {
      res.send("app route")
    })
    const url = await serve(app)
    const r = await post(`${url}/llm/v1/chat/completions`, hello)
    expect(r.status).toBe(200)
    expect(r.headers.get("x-switchyard-provider")).toBe("cheap")
    expect((await r.json()).choices[0].message.content).toBe("Hello!")
    const streamed = await post(`${url}/llm/v1/chat/completions`, { ...hello, stream: true })
    expect(sseEvents(await streamed.text()).at(-1)).toBe("[DONE]")
    expect(await (await fetch(`${url}/hello`)).text()).toBe("app route")
    expect(await (await post(`${url}/llm/echo`, { a: 1 })).json()).toEqual({ echoed: { a: 1 } })
    const models = await fetch(`${url}/llm/v1/models`)
    expect((await models.json()).object).toBe("list")
  })

  it("mounted after express.json(): uses the parsed body", async () => {
    const app = express()
    app.use(express.json())
    app.use(switchyardExpress(gateway))
    const url = await serve(app)
    const r = await post(`${url}/v1/chat/completions`, { ...hello, temperature: 0.5 })
    expect(r.status).toBe(200)
    expect(probe.requests.at(-1)?.body).toMatchObject({ temperature: 0.5 })
  })

  it("mounted after express.raw(): uses the Buffer, and invalid JSON is still a 400 envelope", async () => {
    const app = express()
    app.use(express.raw({ type: "*/*" }))
    app.use(switchyardExpress(gateway))
    const url = await serve(app)
    expect((await post(`${url}/v1/chat/completions`, hello)).status).toBe(200)
    const bad = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: "{nope" })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe("invalid_json")
  })
})
