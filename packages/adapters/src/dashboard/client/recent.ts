import type { RouteTrace } from "@switchyard/core"
import type { RecentRow } from "../view.js"
import { h } from "./dom.js"
import { clock, millis, usd } from "./format.js"

const OUTCOME_CLASS: Readonly<Record<string, string>> = {
  success: "ok",
  rate_limited: "limited",
  refused_capacity: "refused",
  hedge_lost: "muted",
  cancelled: "muted",
}

const path = (r: RecentRow): HTMLElement =>
  h(
    "span",
    { class: "path" },
    ...r.path.flatMap((a, i) => [
      ...(i > 0 ? [h("span", { class: "arrow", "aria-hidden": "true" }, "→")] : []),
      h(
        "span",
        {
          class: `hop hop-${OUTCOME_CLASS[a.outcome] ?? "error"}${a.pool === "provisioned" ? " hop-pt" : ""}`,
          title: a.outcome,
        },
        a.provider,
      ),
    ]),
  )

/** The most recent routes, newest first; a click opens the full RouteTrace. */
export const recentList = (rows: ReadonlyArray<RecentRow>, open: (id: string) => void): HTMLElement => {
  if (rows.length === 0) return h("p", { class: "muted empty" }, "No requests yet: send one to /v1/chat/completions.")
  const list = h("ol", { class: "recent" })
  for (const r of rows) {
    const item = h(
      "li",
      {},
      h(
        "button",
        { type: "button", class: "recent-row", "data-trace": r.id },
        h("span", { class: "time" }, clock(r.at)),
        h(
          "span",
          { class: `status status-${r.status < 400 ? "ok" : r.status === 429 ? "limited" : "error"}` },
          String(r.status),
        ),
        h("span", { class: "model" }, r.model),
        path(r),
        h("span", { class: "flag" }, r.escalated ? h("span", { class: "badge pool-provisioned" }, "escalated") : ""),
        h("span", { class: "latency" }, millis(r.latencyMs)),
        h("span", { class: "cost" }, usd(r.cost)),
      ),
    )
    item.querySelector("button")!.addEventListener("click", () => open(r.id))
    list.append(item)
  }
  return list
}

/** A readable RouteTrace: the plan's steps, every attempt, then the whole JSON. */
export const traceDetail = (trace: RouteTrace): HTMLElement => {
  const attempts = h(
    "table",
    { class: "attempts" },
    h("thead", {}, h("tr", {}, ...["Endpoint", "Pool", "Outcome", "Status", "Took", "Why"].map((c) => h("th", {}, c)))),
    h(
      "tbody",
      {},
      ...trace.attempts.map((a) =>
        h(
          "tr",
          {},
          h("td", { "data-label": "Endpoint" }, a.endpoint),
          h("td", { "data-label": "Pool" }, a.pool),
          h(
            "td",
            { "data-label": "Outcome" },
            h("span", { class: `hop hop-${OUTCOME_CLASS[a.outcome] ?? "error"}` }, a.outcome),
          ),
          h("td", { "data-label": "Status" }, a.status === undefined ? "–" : String(a.status)),
          h("td", { "data-label": "Took" }, millis(a.endedAt - a.startedAt)),
          h(
            "td",
            { "data-label": "Why", class: "why" },
            a.escalation !== undefined ? `escalation: ${a.escalation}` : a.hedge ? "hedge" : (a.error ?? ""),
          ),
        ),
      ),
    ),
  )
  return h(
    "div",
    { class: "trace" },
    h(
      "dl",
      { class: "facts" },
      ...[
        ["Request", trace.requestId ?? "–"],
        ["Trace id", trace.traceId ?? "–"],
        ["Models", trace.requestedModels.join(", ")],
        ["Served by", trace.servedBy ?? "nobody"],
        ["Priority", trace.priority],
        ["Cost", usd(trace.cost ?? null)],
      ].flatMap(([k, v]) => [h("dt", {}, k!), h("dd", {}, v!)]),
    ),
    h("h4", {}, "Plan"),
    h("ol", { class: "steps" }, ...trace.plan.steps.map((s) => h("li", {}, s))),
    h("h4", {}, "Attempts"),
    h("div", { class: "table-wrap" }, attempts),
    h("details", {}, h("summary", {}, "Full RouteTrace (JSON)"), h("pre", {}, JSON.stringify(trace, null, 2))),
  )
}
