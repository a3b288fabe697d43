import uPlot from "uplot"
import type { Series } from "../view.js"
import { h } from "./dom.js"

interface LineSpec {
  readonly label: string
  readonly color: string
  readonly values: (s: Series) => ReadonlyArray<number | null>
  readonly fill?: boolean
}

interface ChartSpec {
  readonly id: string
  readonly title: string
  readonly lines: ReadonlyArray<LineSpec>
  readonly unit?: "usd" | "percent"
}

const AXIS = { stroke: "#8b95a7", grid: { stroke: "rgba(139,149,167,0.12)", width: 1 }, ticks: { show: false } }

const CHARTS: ReadonlyArray<ChartSpec> = [
  {
    id: "chart-requests",
    title: "Requests per minute",
    lines: [
      { label: "requests", color: "#7aa2f7", values: (s) => s.requests, fill: true },
      { label: "successes", color: "#9ece6a", values: (s) => s.successes },
    ],
  },
  {
    id: "chart-429",
    title: "429s by origin",
    lines: [
      { label: "upstream", color: "#ff9e64", values: (s) => s.rateLimitedUpstream, fill: true },
      { label: "gateway", color: "#f7768e", values: (s) => s.rateLimitedGateway },
    ],
  },
  {
    id: "chart-fallbacks",
    title: "Fallbacks & escalations to PT",
    lines: [
      { label: "fallbacks", color: "#e0af68", values: (s) => s.fallbacks },
      { label: "escalations", color: "#bb9af7", values: (s) => s.escalations, fill: true },
    ],
  },
  {
    id: "chart-cost",
    title: "Cost per minute",
    unit: "usd",
    lines: [{ label: "USD", color: "#2ac3de", values: (s) => s.cost, fill: true }],
  },
  {
    id: "chart-utilization",
    title: "Utilization per pool",
    unit: "percent",
    lines: [
      {
        label: "standard",
        color: "#7aa2f7",
        values: (s) => s.utilizationStandard.map((v) => (v === null ? null : v * 100)),
      },
      {
        label: "provisioned",
        color: "#bb9af7",
        values: (s) => s.utilizationProvisioned.map((v) => (v === null ? null : v * 100)),
        fill: true,
      },
    ],
  },
]

const nonZeroIndices = (xs: ArrayLike<number | null | undefined> | undefined): Array<number> => {
  const out: Array<number> = []
  for (let i = 0; i < (xs?.length ?? 0); i++) {
    const v = xs![i]
    if (v !== null && v !== undefined && v !== 0) out.push(i)
  }
  return out
}

const alpha = (hex: string, a: number): string => {
  const n = Number.parseInt(hex.slice(1), 16)
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`
}

const valueFormat = (unit: ChartSpec["unit"]) => (_: uPlot, v: number | null) =>
  v === null ? "–" : unit === "usd" ? `$${v.toFixed(4)}` : unit === "percent" ? `${v.toFixed(0)}%` : String(v)

/** The five time-series charts (uPlot), one card each; `update` redraws them from a new view. */
export class Charts {
  readonly element: HTMLElement
  private readonly plots: Array<{ readonly spec: ChartSpec; readonly plot: uPlot; readonly box: HTMLElement }> = []

  constructor() {
    this.element = h("section", { class: "charts", "aria-label": "Last hour" })
    for (const spec of CHARTS) {
      const box = h("div", { class: "chart-box" })
      const card = h("div", { class: "card chart", id: spec.id }, h("h3", {}, spec.title), box)
      this.element.append(card)
      const opts: uPlot.Options = {
        width: 320,
        height: 170,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true },
          y: {
            range: (_u, _min, max) =>
              spec.unit === "percent"
                ? [0, Math.max(100, max)]
                : [0, max > 0 ? max * 1.15 : spec.unit === "usd" ? 0.001 : 1],
          },
        },
        axes: [
          {
            ...AXIS,
            values: (_u, ticks) =>
              ticks.map((t) => new Date(t * 1000).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" })),
          },
          {
            ...AXIS,
            size: 52,
            values: (_u, ticks) =>
              ticks.map((t) =>
                spec.unit === "usd"
                  ? `$${t < 0.01 ? t.toFixed(4) : t.toFixed(2)}`
                  : spec.unit === "percent"
                    ? `${t}%`
                    : String(t),
              ),
          },
        ],
        series: [
          {},
          ...spec.lines.map((l) => ({
            label: l.label,
            stroke: l.color,
            width: 2,
            ...(l.fill === true ? { fill: alpha(l.color, 0.15) } : {}),
            // a series with one or two minutes of data has no visible line yet: draw its points
            points: {
              show: (u: uPlot, si: number) => nonZeroIndices(u.data[si]).length <= 2,
              filter: (u: uPlot, si: number) => nonZeroIndices(u.data[si]),
              size: 6,
            },
            spanGaps: false,
            value: valueFormat(spec.unit),
          })),
        ],
      }
      this.plots.push({ spec, plot: new uPlot(opts, [[], ...spec.lines.map(() => [])], box), box })
    }
    new ResizeObserver(() => this.resize()).observe(this.element)
  }

  private resize(): void {
    for (const { plot, box } of this.plots) {
      const width = Math.max(200, Math.floor(box.clientWidth))
      if (plot.width !== width) plot.setSize({ width, height: 170 })
    }
  }

  update(series: Series): void {
    const x = series.minute.map((m) => m / 1000)
    for (const { spec, plot } of this.plots)
      plot.setData([x, ...spec.lines.map((l) => l.values(series) as Array<number | null>)])
  }
}
