import { Hono } from "hono"
import { basePath } from "hono/route"
import { handleFetch } from "../fetch/handler.js"
import type { Gateway } from "../handler/gateway.js"

/**
 * A Hono sub-app serving the gateway. Mount it with `app.route("/llm", switchyardHono(gateway))` —
 * the gateway then answers `/llm/v1/chat/completions`, `/llm/v1/models`, … — or use it as the app
 * itself. It hands `c.req.raw` to the fetch façade with the path relative to the mount point, and
 * answers only the gateway's own routes (others fall through to the parent app's 404/handlers).
 */
export const switchyardHono = (gateway: Gateway): Hono => {
  const app = new Hono()
  app.all("*", (c, next) => {
    const base = basePath(c)
    const path = base === "/" ? c.req.path : c.req.path.slice(base.length) || "/"
    if (!gateway.serves(path)) return next()
    const q = c.req.url.indexOf("?")
    return handleFetch(gateway, c.req.raw, q < 0 ? path : path + c.req.url.slice(q))
  })
  return app
}
