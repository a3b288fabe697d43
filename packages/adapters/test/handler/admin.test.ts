import { afterAll, describe, expect, it } from "vitest"
import { createGateway } from "../../src/index.js"
import { call } from "../support/call.js"
import { surfaceRuntime } from "../support/surface-router.js"

const { runtime } = surfaceRuntime()
afterAll(() => runtime.dispose())

const ENDPOINTS = "/v1/models/google/gemini-2.5-pro-preview/endpoints"
const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
const status = async (gateway: ReturnType<typeof createGateway>, path: string, headers: Record<string, string> = {}) =>
  (await call(gateway, { method: "GET", path, headers })).status

describe("admin access", () => {
  const keys = [{ name: "app", key: "sk-app" }]

  it("with gateway.adminKeys, /metrics and the endpoints details answer only to an admin key; /healthz stays open", async () => {
    const gateway = createGateway({ runtime, keys, adminKeys: [{ name: "ops", key: "sk-admin" }] })
    for (const path of ["/metrics", ENDPOINTS]) {
      expect(await status(gateway, path)).toBe(401)
      expect(await status(gateway, path, bearer("sk-app"))).toBe(401)
      expect(await status(gateway, path, bearer("sk-admin"))).toBe(200)
    }
    const denied = await call(gateway, { method: "GET", path: "/metrics", headers: bearer("sk-app") })
    expect(denied.json.error).toMatchObject({ type: "authentication_error", code: "admin_key_required" })
    // the admin key is not a gateway key, and the gateway key still lists models
    expect(await status(gateway, "/v1/models", bearer("sk-admin"))).toBe(401)
    expect(await status(gateway, "/v1/models", bearer("sk-app"))).toBe(200)
    expect(await status(gateway, "/healthz")).toBe(200)
  })

  it("without admin keys, the endpoints details take a gateway key and /metrics is open", async () => {
    const gateway = createGateway({ runtime, keys })
    expect(await status(gateway, ENDPOINTS)).toBe(401)
    expect(await status(gateway, ENDPOINTS, bearer("sk-app"))).toBe(200)
    expect(await status(gateway, "/metrics")).toBe(200)
  })

  it("setKeys swaps the admin keys too (config reload)", async () => {
    const gateway = createGateway({ runtime, keys, adminKeys: [{ name: "ops", key: "sk-admin-old" }] })
    gateway.setKeys(keys, [{ name: "ops", key: "sk-admin-new" }])
    expect(await status(gateway, "/metrics", bearer("sk-admin-old"))).toBe(401)
    expect(await status(gateway, "/metrics", bearer("sk-admin-new"))).toBe(200)
  })
})
