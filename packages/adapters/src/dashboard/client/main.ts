import "uplot/dist/uPlot.min.css"
import "./styles.css"
import type { RouteTrace } from "@switchyard/core"
import type { DashboardView } from "../view.js"
import { Charts } from "./charts.js"
import { fill, h } from "./dom.js"
import { endpointTables } from "./endpoints.js"
import { clock, count, countdown, percent, usd } from "./format.js"
import { renderLogin } from "./login.js"
import { recentList, traceDetail } from "./recent.js"

const POLL_MS = 1000

const sum = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a + b, 0)

interface Kpi {
  readonly id: string
  readonly label: string
  readonly value: (v: DashboardView) => string
  readonly note: (v: DashboardView) => string
  readonly tone?: string
}

const KPIS: ReadonlyArray<Kpi> = [
  {
    id: "requests",
    label: "Requests",
    value: (v) => count(sum(v.series.requests)),
    note: (v) => `${count(v.totals.requests)} since start`,
  },
  {
    id: "success",
    label: "Success rate",
    value: (v) => {
      const r = sum(v.series.requests)
      return r === 0 ? "–" : percent(sum(v.series.successes) / r, 1)
    },
    note: (v) => `${count(sum(v.series.successes))} served`,
    tone: "good",
  },
  {
    id: "429-upstream",
    label: "429s from upstreams",
    value: (v) => count(sum(v.series.rateLimitedUpstream)),
    note: (v) => `${count(v.totals.rateLimitedUpstream)} since start`,
    tone: "warn",
  },
  {
    id: "429-gateway",
    label: "Refused by the meter",
    value: (v) => count(sum(v.series.rateLimitedGateway)),
    note: () => "429s predicted by Switchyard",
    tone: "bad",
  },
  {
    id: "fallbacks",
    label: "Fallbacks",
    value: (v) => count(sum(v.series.fallbacks)),
    note: (v) => `${count(v.totals.fallbacks)} since start`,
  },
  {
    id: "escalations",
    label: "Escalations to PT",
    value: (v) => count(sum(v.series.escalations)),
    note: (v) => `${count(v.totals.escalations)} since start`,
    tone: "pt",
  },
  {
    id: "cost",
    label: "Cost",
    value: (v) => usd(sum(v.series.cost)),
    note: (v) => `${usd(v.totals.cost)} since start`,
  },
  {
    id: "pt-utilization",
    label: "PT utilization",
    value: (v) => percent(v.pools.provisioned, 1),
    note: (v) => `standard pool ${percent(v.pools.standard, 1)}`,
    tone: "pt",
  },
]

class Dashboard {
  private readonly charts = new Charts()
  private readonly kpis = new Map<string, { readonly value: HTMLElement; readonly note: HTMLElement }>()
  private readonly endpoints = h("section", { class: "section", "aria-label": "Endpoints" })
  private readonly recent = h("section", { class: "section", "aria-label": "Recent routes" })
  private readonly status = h("span", { class: "live", id: "live" }, "connecting…")
  private readonly modal = h("dialog", { class: "modal", id: "trace-dialog" })
  /** Server clock minus this browser's, for the cooldown countdowns. */
  private offset = 0

  constructor(root: HTMLElement) {
    const tiles = h("section", { class: "kpis", "aria-label": "Last hour" })
    for (const k of KPIS) {
      const value = h("strong", { class: "kpi-value" }, "–")
      const note = h("span", { class: "kpi-note" }, "")
      tiles.append(
        h(
          "div",
          { class: `card kpi${k.tone === undefined ? "" : ` kpi-${k.tone}`}`, id: `kpi-${k.id}` },
          h("span", { class: "kpi-label" }, k.label),
          value,
          note,
        ),
      )
      this.kpis.set(k.id, { value, note })
    }
    root.replaceChildren(
      h(
        "header",
        { class: "top" },
        h("div", {}, h("h1", {}, "Switchyard"), h("p", { class: "muted" }, "Routing, live · last hour")),
        this.status,
      ),
      tiles,
      this.charts.element,
      h("h2", {}, "Endpoints"),
      this.endpoints,
      h("h2", {}, "Recent routes"),
      this.recent,
      this.modal,
    )
    this.modal.addEventListener("click", (event) => {
      if (event.target === this.modal) this.modal.close()
    })
    setInterval(() => this.tick(), 250)
  }

  render(view: DashboardView): void {
    this.offset = view.now - Date.now()
    for (const k of KPIS) {
      const slot = this.kpis.get(k.id)!
      slot.value.textContent = k.value(view)
      slot.note.textContent = k.note(view)
    }
    this.charts.update(view.series)
    fill(this.endpoints, endpointTables(view.models, view.now))
    fill(
      this.recent,
      recentList(view.recent, (id) => void this.openTrace(id)),
    )
    this.status.textContent = `live · ${clock(view.now)}`
    this.status.className = "live"
  }

  stale(): void {
    this.status.textContent = "reconnecting…"
    this.status.className = "live stale"
  }

  /** Cooldowns count down between polls. */
  private tick(): void {
    const now = Date.now() + this.offset
    document.querySelectorAll<HTMLElement>(".countdown[data-until]").forEach((el) => {
      el.textContent = countdown(Number(el.dataset.until) - now)
    })
  }

  private async openTrace(id: string): Promise<void> {
    const r = await fetch(`dashboard/api/traces/${encodeURIComponent(id)}`)
    const close = h("button", { type: "button", class: "close", "aria-label": "Close" }, "×")
    close.addEventListener("click", () => this.modal.close())
    const body = r.ok
      ? traceDetail((await r.json()) as RouteTrace)
      : h("p", {}, "That route is no longer among the recent ones.")
    fill(this.modal, h("div", { class: "modal-head" }, h("h3", {}, "Route trace"), close), body)
    this.modal.showModal()
  }
}

const start = (): void => {
  const root = document.getElementById("app")!
  if (document.body.dataset.mode === "login") {
    renderLogin(root)
    return
  }
  const dashboard = new Dashboard(root)
  const poll = async (): Promise<void> => {
    try {
      const r = await fetch("dashboard/api/state", { cache: "no-store" })
      if (r.status === 401) {
        location.reload()
        return
      }
      if (!r.ok) throw new Error(String(r.status))
      dashboard.render((await r.json()) as DashboardView)
    } catch {
      dashboard.stale()
    }
    setTimeout(() => void poll(), POLL_MS)
  }
  void poll()
}

start()
