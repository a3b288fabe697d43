import type { RouteTrace } from "@switchyard/core"
import type { GatewayRequest, GatewayResponse } from "../handler/types.js"
import { DASHBOARD_CSS, DASHBOARD_JS } from "./assets.generated.js"
import { PAGE_HEADERS, pageHtml } from "./page.js"
import { DashboardSessions, sessionOf } from "./sessions.js"
import type { DashboardView } from "./view.js"

/** What the dashboard's routes need from the gateway. */
export interface DashboardHost {
  /** `open`: no keys configured; `granted`/`denied`: the request's Bearer key (admin, or gateway key without admin keys). */
  readonly access: (req: GatewayRequest) => "open" | "granted" | "denied"
  /** The request's denial as the gateway answers it (401 in the OpenAI envelope). */
  readonly denied: (req: GatewayRequest) => GatewayResponse
  readonly view: () => Promise<DashboardView>
  /** A recent route's full trace, redacted; undefined once it left the ring. */
  readonly trace: (id: string) => RouteTrace | undefined
  readonly headerValue: (req: GatewayRequest, name: string) => string | undefined
}

const STATIC_HEADERS = (type: string): Readonly<Record<string, string>> => ({
  "content-type": type,
  "cache-control": "no-cache",
  "x-content-type-options": "nosniff",
})
const JSON_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "application/json",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
}
const TRACES_PREFIX = "/dashboard/api/traces/"

/**
 * `/dashboard` (the page), `/dashboard/app.js|app.css` (the bundle: static code, no data), and the data
 * it polls: `/dashboard/api/state` and `/dashboard/api/traces/{id}`. When keys are configured the page
 * and the data need a key — `Authorization: Bearer`, or a sign-in (`POST /dashboard/session` with the
 * key, which sets a session cookie); unauthenticated, `/dashboard` answers 401 with the sign-in form.
 */
export class DashboardRoutes {
  readonly sessions = new DashboardSessions()

  constructor(private readonly host: DashboardHost) {}

  serves(path: string): boolean {
    return path === "/dashboard" || path.startsWith("/dashboard/")
  }

  private allowed(req: GatewayRequest): boolean {
    const access = this.host.access(req)
    if (access !== "denied") return true
    return this.sessions.valid(sessionOf(this.host.headerValue(req, "cookie")), Date.now())
  }

  async handle(req: GatewayRequest, path: string): Promise<GatewayResponse> {
    const method = req.method
    if (path === "/dashboard/app.js")
      return { status: 200, headers: STATIC_HEADERS("text/javascript; charset=utf-8"), body: DASHBOARD_JS }
    if (path === "/dashboard/app.css")
      return { status: 200, headers: STATIC_HEADERS("text/css; charset=utf-8"), body: DASHBOARD_CSS }
    if (path === "/dashboard/session" && method === "POST") {
      // sign in with a key: a session cookie for this browser (the key itself is never stored)
      if (this.host.access(req) === "denied") return this.host.denied(req)
      const token = this.sessions.create(Date.now())
      return {
        status: 204,
        headers: { "set-cookie": this.sessions.cookie(token), "cache-control": "no-store" },
        body: "",
      }
    }
    if (method !== "GET" && method !== "HEAD")
      return {
        status: 405,
        headers: { ...JSON_HEADERS, allow: "GET, HEAD" },
        body: '{"error":{"message":"Method not allowed","type":"invalid_request_error","param":null,"code":"method_not_allowed"}}',
      }
    if (path === "/dashboard") {
      if (req.path.split("?")[0]!.endsWith("/")) return { status: 308, headers: { location: "../dashboard" }, body: "" }
      return this.allowed(req)
        ? { status: 200, headers: PAGE_HEADERS, body: pageHtml("dashboard") }
        : { status: 401, headers: PAGE_HEADERS, body: pageHtml("login") }
    }
    if (!this.allowed(req)) return this.host.denied(req)
    if (path === "/dashboard/api/state")
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(await this.host.view()) }
    if (path.startsWith(TRACES_PREFIX)) {
      const trace = this.host.trace(path.slice(TRACES_PREFIX.length))
      return trace === undefined
        ? {
            status: 404,
            headers: JSON_HEADERS,
            body: '{"error":{"message":"That trace is no longer among the recent ones","type":"not_found_error","param":null,"code":"trace_not_found"}}',
          }
        : { status: 200, headers: JSON_HEADERS, body: JSON.stringify(trace) }
    }
    return {
      status: 404,
      headers: JSON_HEADERS,
      body: '{"error":{"message":"No such dashboard route","type":"not_found_error","param":null,"code":"route_not_found"}}',
    }
  }
}
