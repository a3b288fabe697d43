import { afterAll, describe, expect, it } from "vitest"
import { createGateway, type DashboardView } from "../../src/index.js"
import { call } from "../support/call.js"
import { surfaceRuntime } from "../support/surface-router.js"

const { runtime } = surfaceRuntime()
afterAll(() => runtime.dispose())

const hello = { model: "google/gemini-2.5-pro-preview", messages: [{ role: "user", content: "Hello" }] }
const bearer = (key: string) => ({ authorization: `Bearer ${key}` })

describe("/dashboard", () => {
  it("open gateway: the page, its bundle and the live state, built from each request's trace", async () => {
    const gateway = createGateway({ runtime })
    const page = await call(gateway, { method: "GET", path: "/dashboard" })
    expect(page.status).toBe(200)
    expect(page.headers["content-type"]).toContain("text/html")
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'")
    expect(page.text).toContain('<script src="dashboard/app.js"></script>')
    expect(page.text).not.toMatch(/https?:\/\//) // nothing from a CDN
    const js = await call(gateway, { method: "GET", path: "/dashboard/app.js" })
    expect(js.headers["content-type"]).toContain("javascript")
    expect(js.text.length).toBeGreaterThan(20_000)
    expect((await call(gateway, { method: "GET", path: "/dashboard/app.css" })).text).toContain(".uplot")

    await call(gateway, { path: "/v1/chat/completions", body: hello })
    await call(gateway, { path: "/v1/chat/completions", body: { ...hello, model: "escalate" } })
    await call(gateway, { path: "/v1/chat/completions", body: { ...hello, model: "rate-limited" } })
    await call(gateway, { path: "/v1/chat/completions", raw: "{" })
    const state = await call(gateway, { method: "GET", path: "/dashboard/api/state" })
    const view = state.json as DashboardView
    expect(view.totals).toMatchObject({
      requests: 4,
      successes: 2,
      rateLimitedUpstream: 2,
      fallbacks: 1,
      escalations: 1,
    })
    expect(view.series.minute).toHaveLength(60)
    // the surface router's traces are dated 1970: only the rejected request falls in the last hour
    expect(view.series.requests.at(-1)).toBe(1)
    expect(view.recent.map((r) => [r.status, r.escalated, r.path.map((p) => `${p.provider}:${p.outcome}`)])).toEqual([
      [429, false, ["cheap:rate_limited"]],
      [200, true, ["cheap:rate_limited", "google-vertex/pt:success"]],
      [200, false, ["cheap:success"]],
    ])
    expect(view.models[0]?.endpoints.map((e) => [e.provider, e.pool, e.utilization, e.breaker])).toEqual([
      ["cheap", "standard", null, "half-open"],
      ["google-vertex/pt", "provisioned", 0.42, "closed"],
    ])
    expect(view.pools).toEqual({ standard: null, provisioned: 0.42 })
    const trace = await call(gateway, { method: "GET", path: `/dashboard/api/traces/${view.recent[1]!.id}` })
    expect(trace.json).toMatchObject({ escalated: true, servedBy: "google-vertex/pt" })
    expect((await call(gateway, { method: "GET", path: "/dashboard/api/traces/999" })).status).toBe(404)
  })

  it("with keys: the page answers 401 with the sign-in form; a key signs in for a session cookie; key changes end sessions", async () => {
    const gateway = createGateway({
      runtime,
      keys: [{ name: "app", key: "sk-app" }],
      adminKeys: [{ name: "ops", key: "sk-admin" }],
    })
    const login = await call(gateway, { method: "GET", path: "/dashboard" })
    expect(login.status).toBe(401)
    expect(login.text).toContain('data-mode="login"')
    expect((await call(gateway, { method: "GET", path: "/dashboard/api/state" })).status).toBe(401)
    // a gateway key is not enough once admin keys exist
    expect(
      (await call(gateway, { method: "POST", path: "/dashboard/session", headers: bearer("sk-app") })).status,
    ).toBe(401)
    expect(
      (await call(gateway, { method: "GET", path: "/dashboard/api/state", headers: bearer("sk-admin") })).status,
    ).toBe(200)
    const signIn = await call(gateway, { method: "POST", path: "/dashboard/session", headers: bearer("sk-admin") })
    expect(signIn.status).toBe(204)
    const setCookie = signIn.headers["set-cookie"] ?? ""
    expect(setCookie).toMatch(/^switchyard_dashboard=[\w-]{40,}; HttpOnly; SameSite=Strict; Max-Age=\d+$/)
    expect(setCookie).not.toContain("sk-admin")
    const cookie = { cookie: `other=1; ${setCookie.split(";")[0]}` }
    expect((await call(gateway, { method: "GET", path: "/dashboard", headers: cookie })).text).toContain(
      'data-mode="dashboard"',
    )
    expect((await call(gateway, { method: "GET", path: "/dashboard/api/state", headers: cookie })).status).toBe(200)
    expect(
      (
        await call(gateway, {
          method: "GET",
          path: "/dashboard/api/state",
          headers: { cookie: "switchyard_dashboard=forged" },
        })
      ).status,
    ).toBe(401)
    gateway.setKeys([{ name: "app", key: "sk-app" }], [{ name: "ops", key: "sk-admin-2" }])
    expect((await call(gateway, { method: "GET", path: "/dashboard/api/state", headers: cookie })).status).toBe(401)
  })

  it("without admin keys a gateway key opens it", async () => {
    const gateway = createGateway({ runtime, keys: [{ name: "app", key: "sk-app" }] })
    expect((await call(gateway, { method: "GET", path: "/dashboard/api/state" })).status).toBe(401)
    expect(
      (await call(gateway, { method: "GET", path: "/dashboard/api/state", headers: bearer("sk-app") })).status,
    ).toBe(200)
  })
})
