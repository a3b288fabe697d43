import type { EndpointRow, ModelRows, Pair } from "../view.js"
import { h } from "./dom.js"
import { countdown, percent, price, seconds } from "./format.js"

const COLUMNS = [
  "Provider",
  "Pool",
  "Price in/out ($/M)",
  "TTFT p50/p90",
  "Latency p50/p90",
  "Throughput",
  "Uptime",
  "Utilization",
  "Breaker",
  "Cooldown",
]

const pairText = (p: Pair | null): string => (p === null ? "–" : `${seconds(p.p50)} / ${seconds(p.p90)}`)

const cell = (label: string, ...content: ReadonlyArray<Node | string>): HTMLTableCellElement =>
  h("td", { "data-label": label }, ...content)

const gauge = (u: number | null): HTMLElement => {
  if (u === null) return h("span", { class: "muted", title: "not metered" }, "not metered")
  const level = u >= 1 ? "full" : u >= 0.8 ? "high" : u >= 0.5 ? "mid" : "low"
  const bar = h("span", { class: "gauge-fill" })
  bar.style.width = `${Math.min(100, Math.round(u * 100))}%`
  return h(
    "span",
    {
      class: `gauge gauge-${level}`,
      role: "meter",
      "aria-valuemin": "0",
      "aria-valuemax": "100",
      "aria-valuenow": String(Math.round(u * 100)),
    },
    h("span", { class: "gauge-track" }, bar),
    h("span", { class: "gauge-label" }, percent(u)),
  )
}

const endpointRow = (e: EndpointRow, serverNow: number): HTMLTableRowElement => {
  const cooldown =
    e.cooldownUntil === null
      ? h("span", { class: "muted" }, "–")
      : h("span", { class: "countdown", "data-until": String(e.cooldownUntil) }, countdown(e.cooldownUntil - serverNow))
  return h(
    "tr",
    { "data-endpoint": e.id, class: e.breaker !== "closed" || e.cooldownUntil !== null ? "row-alert" : "" },
    cell("Provider", h("span", { class: "provider" }, e.provider)),
    cell("Pool", h("span", { class: `badge pool-${e.pool}` }, e.pool === "provisioned" ? "PT" : "standard")),
    cell("Price", price(e.price)),
    cell("TTFT", pairText(e.ttft)),
    cell("Latency", pairText(e.latency)),
    cell("Throughput", e.throughput === null ? "–" : `${Math.round(e.throughput.p50)} tok/s`),
    cell("Uptime", percent(e.uptime, 1)),
    cell("Utilization", gauge(e.utilization)),
    cell("Breaker", h("span", { class: `badge breaker-${e.breaker}` }, e.breaker)),
    cell("Cooldown", cooldown),
  )
}

/** Per model, one table of its endpoints (cards on a narrow screen). */
export const endpointTables = (models: ReadonlyArray<ModelRows>, serverNow: number): HTMLElement =>
  h(
    "div",
    { class: "models" },
    ...models.map((m) =>
      h(
        "div",
        { class: "card model", "data-model": m.id },
        h("h3", {}, m.id),
        h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "endpoints" },
            h("thead", {}, h("tr", {}, ...COLUMNS.map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, ...m.endpoints.map((e) => endpointRow(e, serverNow))),
          ),
        ),
      ),
    ),
  )
