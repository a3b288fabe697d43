import type { AddressInfo } from "node:net"
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createApp } from "../src/app.js"

let base = ""
let shutdown: () => Promise<void>
beforeAll(async () => {
  const { app, close } = await createApp({ LLM_KEY: "sk-test" })
  const server = app.listen(0, "127.0.0.1")
  await new Promise((r) => server.once("listening", r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  shutdown = async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    await close()
  }
})
afterAll(() => shutdown())

describe("Switchyard inside an existing Express app", () => {
  it("the app's own JSON routes keep working (its body parser is untouched)", async () => {
    const created = await fetch(`${base}/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"title":"ship"}',
    })
    expect(created.status).toBe(201)
    expect(await (await fetch(`${base}/todos`)).json()).toEqual([{ id: 1, title: "ship" }])
  })

  it("an OpenAI SDK pointed at /llm/v1 gets completions, streams and the model list", async () => {
    const client = new OpenAI({ baseURL: `${base}/llm/v1`, apiKey: "sk-test", maxRetries: 0 })
    const { data, response } = await client.chat.completions
      .create({ model: "acme/assistant", messages: [{ role: "user", content: "Hi" }] })
      .withResponse()
    expect(data.choices[0]?.message.content).toBeTruthy()
    expect(["cheap", "fast"]).toContain(response.headers.get("x-switchyard-provider"))
    let text = ""
    for await (const chunk of await client.chat.completions.create({
      model: "acme/assistant",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    }))
      text += chunk.choices[0]?.delta?.content ?? ""
    expect(text.length).toBeGreaterThan(0)
    const ids: Array<string> = []
    for await (const m of client.models.list()) ids.push(m.id)
    expect(ids).toEqual(["acme/assistant"])
  })

  it("the gateway's keys guard its routes", async () => {
    const client = new OpenAI({ baseURL: `${base}/llm/v1`, apiKey: "sk-wrong", maxRetries: 0 })
    const e = await client.chat.completions
      .create({ model: "acme/assistant", messages: [{ role: "user", content: "Hi" }] })
      .catch((x: unknown) => x)
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError)
  })
})
